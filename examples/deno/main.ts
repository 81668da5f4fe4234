// Deno (and Deno Deploy): the token swap at /spotify with Deno.serve. `deno add npm:spotify-token-swap` first.
// deno run --allow-net --allow-env main.ts
// It listens on every interface (HOST=0.0.0.0), as a container or VM needs; HOST=127.0.0.1 keeps it on this machine.
import { aesGcmCipher, tokenSwapHandler } from 'spotify-token-swap/fetch';

/** A variable's value, or an error that names it. */
function variable(name: string): string {
  const value = Deno.env.get(name);
  if (value === undefined || value === '') throw new Error(`spotify-token-swap: ${name} is not set`);
  return value;
}

const handler = tokenSwapHandler({
  clientId: variable('SPOTIFY_CLIENT_ID'),
  clientSecret: variable('SPOTIFY_CLIENT_SECRET'),
  redirectUri: variable('SPOTIFY_REDIRECT_URI'),
  accountsUrl: Deno.env.get('SPOTIFY_ACCOUNTS_URL'),
  basePath: '/spotify',
  hooks: { refreshTokenCipher: aesGcmCipher(variable('TOKEN_ENCRYPTION_SECRETS')), logger: console },
});

// Deno Deploy picks the port; elsewhere PORT, or 8000.
Deno.serve({ port: Number(Deno.env.get('PORT') ?? 8000), hostname: Deno.env.get('HOST') ?? '0.0.0.0' }, handler);
