// Next.js App Router: app/spotify/[route]/route.ts serves POST /spotify/swap and /spotify/refresh.
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

export const GET = handler;
export const POST = handler;
// Token answers are never cached; neither is this route.
export const dynamic = 'force-dynamic';
