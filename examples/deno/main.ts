// Deno (and Deno Deploy): the token swap at /spotify with Deno.serve. `deno add npm:spotify-token-swap` first.
// deno run --allow-net --allow-env main.ts
// It listens on every interface (HOST=0.0.0.0), as a container or VM needs; HOST=127.0.0.1 keeps it on this machine.
// REFRESH_TOKENS=handles keeps sessions in Deno KV (apps hold handles that /revoke and DELETE /me can end): add
// --unstable-kv, and on your own machine --allow-read --allow-write for the KV file (KV_PATH; Deno's own by default).
import { aesGcmCipher, tokenSwapHandler } from 'spotify-token-swap/fetch';
import { kvSessionStore } from './kv-session-store.ts';

/** A variable's value, or an error that names it. */
function variable(name: string): string {
  const value = Deno.env.get(name);
  if (value === undefined || value === '') throw new Error(`spotify-token-swap: ${name} is not set`);
  return value;
}

const handles = Deno.env.get('REFRESH_TOKENS') === 'handles';

const handler = tokenSwapHandler({
  clientId: variable('SPOTIFY_CLIENT_ID'),
  clientSecret: variable('SPOTIFY_CLIENT_SECRET'),
  redirectUri: variable('SPOTIFY_REDIRECT_URI'),
  accountsUrl: Deno.env.get('SPOTIFY_ACCOUNTS_URL'),
  apiUrl: Deno.env.get('SPOTIFY_API_URL'),
  basePath: '/spotify',
  sessions: handles ? { store: kvSessionStore(await Deno.openKv(Deno.env.get('KV_PATH'))) } : undefined,
  hooks: { refreshTokenCipher: aesGcmCipher(variable('TOKEN_ENCRYPTION_SECRETS')), logger: console },
});

// Deno Deploy picks the port; elsewhere PORT, or 8000.
Deno.serve({ port: Number(Deno.env.get('PORT') ?? 8000), hostname: Deno.env.get('HOST') ?? '0.0.0.0' }, handler);
