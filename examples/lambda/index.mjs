// AWS Lambda behind a Function URL (or an HTTP API): POST <url>/swap and POST <url>/refresh.
// Node.js 20 or later; zip this file with node_modules, handler "index.handler".
import { aesGcmCipher, tokenSwapHandler } from 'spotify-token-swap/fetch';
import { lambdaHandler } from 'spotify-token-swap/lambda';

const env = process.env;

export const handler = lambdaHandler(
  tokenSwapHandler({
    clientId: env.SPOTIFY_CLIENT_ID,
    clientSecret: env.SPOTIFY_CLIENT_SECRET,
    redirectUri: env.SPOTIFY_REDIRECT_URI,
    accountsUrl: env.SPOTIFY_ACCOUNTS_URL,
    hooks: { refreshTokenCipher: aesGcmCipher(env.TOKEN_ENCRYPTION_SECRETS), logger: console },
  }),
);
