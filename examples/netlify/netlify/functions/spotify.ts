// Netlify Functions 2.0: netlify/functions/spotify.ts serves POST /spotify/swap and /spotify/refresh.
// Set the variables with `netlify env:set`.
import { aesGcmCipher, tokenSwapHandler } from 'spotify-token-swap/fetch';

const env = process.env;

export default tokenSwapHandler({
  clientId: env.SPOTIFY_CLIENT_ID!,
  clientSecret: env.SPOTIFY_CLIENT_SECRET!,
  redirectUri: env.SPOTIFY_REDIRECT_URI!,
  accountsUrl: env.SPOTIFY_ACCOUNTS_URL,
  basePath: '/spotify',
  hooks: { refreshTokenCipher: aesGcmCipher(env.TOKEN_ENCRYPTION_SECRETS), logger: console },
});

export const config = {
  path: ['/spotify/swap', '/spotify/refresh'],
  // Netlify's own rate limiting: 30 requests a minute per client address, refused with its 429 before the function runs.
  rateLimit: { windowLimit: 30, windowSize: 60, aggregateBy: ['ip', 'domain'] },
};
