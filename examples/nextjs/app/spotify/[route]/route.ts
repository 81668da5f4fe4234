// Next.js App Router: app/spotify/[route]/route.ts serves POST /spotify/swap and /spotify/refresh.
// Set the variables in .env.local for `next dev`, and in the host's environment variables once deployed; `next build`
// needs none of them.
import { aesGcmCipher, tokenSwapHandler, type TokenSwapHandler } from 'spotify-token-swap/fetch';

/** A variable's value, or an error that names it. */
function variable(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`spotify-token-swap: ${name} is not set`);
  return value;
}

// Built on the first request, not when the module loads: `next build` loads it without the secrets.
let handler: TokenSwapHandler | undefined;

async function handle(request: Request): Promise<Response> {
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

export const GET = handle;
export const POST = handle;
// Token answers are never cached; neither is this route.
export const dynamic = 'force-dynamic';
