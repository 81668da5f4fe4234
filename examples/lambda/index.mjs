// AWS Lambda behind a Function URL (or an HTTP API): POST <url>/swap and POST <url>/refresh.
// Node.js 20 or later; zip this file with node_modules, handler "index.handler". Set the variables in the function's
// configuration; one that is missing is named in the init error, in the function's log.
import { aesGcmCipher, tokenSwapHandler } from 'spotify-token-swap/fetch';
import { lambdaHandler } from 'spotify-token-swap/lambda';

/** A variable's value, or an error that names it. */
function variable(name) {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`spotify-token-swap: ${name} is not set`);
  return value;
}

export const handler = lambdaHandler(
  tokenSwapHandler({
    clientId: variable('SPOTIFY_CLIENT_ID'),
    clientSecret: variable('SPOTIFY_CLIENT_SECRET'),
    redirectUri: variable('SPOTIFY_REDIRECT_URI'),
    accountsUrl: process.env.SPOTIFY_ACCOUNTS_URL,
    hooks: { refreshTokenCipher: aesGcmCipher(variable('TOKEN_ENCRYPTION_SECRETS')), logger: console },
  }),
);
