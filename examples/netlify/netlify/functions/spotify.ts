// Netlify Functions 2.0: netlify/functions/spotify.ts serves POST /spotify/swap and /spotify/refresh.
// Set the variables with `netlify env:set` (`netlify dev` reads them from there, or from .env); a build needs none.
import { aesGcmCipher, tokenSwapHandler, type TokenSwapHandler } from 'spotify-token-swap/fetch';

/** A variable's value, or an error that names it. */
function variable(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`spotify-token-swap: ${name} is not set`);
  return value;
}

// Built on the first request, not when the module loads: a build loads it without the secrets.
let handler: TokenSwapHandler | undefined;

export default async function handle(request: Request): Promise<Response> {
  handler ??= tokenSwapHandler({
    clientId: variable('SPOTIFY_CLIENT_ID'),
    clientSecret: variable('SPOTIFY_CLIENT_SECRET'),
    redirectUri: variable('SPOTIFY_REDIRECT_URI'),
    accountsUrl: process.env.SPOTIFY_ACCOUNTS_URL,
    basePath: '/spotify',
    hooks: { refreshTokenCipher: aesGcmCipher(variable('TOKEN_ENCRYPTION_SECRETS')), logger: console },
  });
  return handler(request);
}

export const config = {
  path: ['/spotify/swap', '/spotify/refresh'],
  // Netlify's own rate limiting: 30 requests a minute per client address, refused with its 429 before the function runs.
  rateLimit: { windowLimit: 30, windowSize: 60, aggregateBy: ['ip', 'domain'] },
};
