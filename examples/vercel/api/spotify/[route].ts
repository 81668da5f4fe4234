// Vercel: api/spotify/[route].ts serves POST /api/spotify/swap and /api/spotify/refresh (Node.js or Edge runtime).
// Set the variables with `vercel env add`.
import { aesGcmCipher, tokenSwapHandler } from 'spotify-token-swap/fetch';

const env = process.env;

const handler = tokenSwapHandler({
  clientId: env.SPOTIFY_CLIENT_ID!,
  clientSecret: env.SPOTIFY_CLIENT_SECRET!,
  redirectUri: env.SPOTIFY_REDIRECT_URI!,
  accountsUrl: env.SPOTIFY_ACCOUNTS_URL,
  basePath: '/api/spotify',
  hooks: { refreshTokenCipher: aesGcmCipher(env.TOKEN_ENCRYPTION_SECRETS), logger: console },
});

export const GET = handler;
export const POST = handler;
