// Bun: the token swap at /spotify with Bun.serve. `bun add spotify-token-swap`, then `bun run server.ts`.
import { aesGcmCipher, tokenSwapHandler } from 'spotify-token-swap/fetch';

const env = process.env;

const handler = tokenSwapHandler({
  clientId: env.SPOTIFY_CLIENT_ID!,
  clientSecret: env.SPOTIFY_CLIENT_SECRET!,
  redirectUri: env.SPOTIFY_REDIRECT_URI!,
  accountsUrl: env.SPOTIFY_ACCOUNTS_URL,
  basePath: '/spotify',
  hooks: { refreshTokenCipher: aesGcmCipher(env.TOKEN_ENCRYPTION_SECRETS), logger: console },
});

const server = Bun.serve({ port: Number(env.PORT ?? 3000), hostname: env.HOST ?? '127.0.0.1', fetch: handler });
console.log(`spotify-token-swap listening on ${server.url.href}spotify`);
