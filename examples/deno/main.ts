// Deno (and Deno Deploy): the token swap at /spotify with Deno.serve. `deno add npm:spotify-token-swap` first.
// deno run --allow-net --allow-env main.ts
import { aesGcmCipher, tokenSwapHandler } from 'spotify-token-swap/fetch';

const env = (name: string) => Deno.env.get(name);

const handler = tokenSwapHandler({
  clientId: env('SPOTIFY_CLIENT_ID')!,
  clientSecret: env('SPOTIFY_CLIENT_SECRET')!,
  redirectUri: env('SPOTIFY_REDIRECT_URI')!,
  accountsUrl: env('SPOTIFY_ACCOUNTS_URL'),
  basePath: '/spotify',
  hooks: { refreshTokenCipher: aesGcmCipher(env('TOKEN_ENCRYPTION_SECRETS')), logger: console },
});

// Deno Deploy picks the port; elsewhere PORT, or 8000.
Deno.serve({ port: Number(env('PORT') ?? 8000), hostname: env('HOST') ?? '127.0.0.1' }, handler);
