// Bun: the token swap at /spotify with Bun.serve. `bun add spotify-token-swap`, then `bun run server.ts`.
// It listens on every interface (HOST=0.0.0.0), as a container or VM needs; HOST=127.0.0.1 keeps it on this machine.
import { aesGcmCipher, tokenSwapHandler } from 'spotify-token-swap/fetch';

/** A variable's value, or an error that names it. */
function variable(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`spotify-token-swap: ${name} is not set`);
  return value;
}

const handler = tokenSwapHandler({
  clientId: variable('SPOTIFY_CLIENT_ID'),
  clientSecret: variable('SPOTIFY_CLIENT_SECRET'),
  redirectUri: variable('SPOTIFY_REDIRECT_URI'),
  accountsUrl: process.env.SPOTIFY_ACCOUNTS_URL,
  basePath: '/spotify',
  hooks: { refreshTokenCipher: aesGcmCipher(variable('TOKEN_ENCRYPTION_SECRETS')), logger: console },
});

const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: process.env.HOST ?? '0.0.0.0',
  fetch: handler,
});
console.log(`spotify-token-swap listening on ${server.hostname}:${server.port}, routes under /spotify`);
