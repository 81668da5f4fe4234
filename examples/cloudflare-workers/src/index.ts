// A Cloudflare Worker: the token swap at /spotify, rate limited per client address by Workers' own binding.
// `wrangler dev` reads the secrets from .dev.vars (copy .dev.vars.example); a deployed Worker from `wrangler secret put`.
import { aesGcmCipher, tokenSwapHandler, type TokenSwapHandler } from 'spotify-token-swap/fetch';

interface Env {
  SPOTIFY_CLIENT_ID?: string;
  SPOTIFY_CLIENT_SECRET?: string;
  SPOTIFY_REDIRECT_URI?: string;
  /** Comma-separated; the first seals, every one opens (rotation). */
  TOKEN_ENCRYPTION_SECRETS?: string;
  /** Only to point the Worker at a mock Spotify in tests. */
  SPOTIFY_ACCOUNTS_URL?: string;
  TOKEN_LIMITER: { limit(options: { key: string }): Promise<{ success: boolean }> };
}

type Variable = Exclude<keyof Env, 'TOKEN_LIMITER'>;

/** A variable's value, or an error that names it and where it comes from. */
function variable(env: Env, name: Variable): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`spotify-token-swap: ${name} is not set (wrangler.toml [vars], .dev.vars, or wrangler secret put)`);
  }
  return value;
}

// Built on the first request, from env: a Worker's environment is not there while the script loads.
let handler: TokenSwapHandler | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    handler ??= tokenSwapHandler({
      clientId: variable(env, 'SPOTIFY_CLIENT_ID'),
      clientSecret: variable(env, 'SPOTIFY_CLIENT_SECRET'),
      redirectUri: variable(env, 'SPOTIFY_REDIRECT_URI'),
      accountsUrl: env.SPOTIFY_ACCOUNTS_URL,
      basePath: '/spotify',
      hooks: {
        refreshTokenCipher: aesGcmCipher(variable(env, 'TOKEN_ENCRYPTION_SECRETS')),
        logger: console,
        // The binding counts per key over its period (60 s): a refused client may try again after it.
        rateLimit: async (request) => {
          const key = request.headers.get('cf-connecting-ip') ?? 'unknown';
          const { success } = await env.TOKEN_LIMITER.limit({ key });
          return success || { allowed: false, retryAfterSeconds: 60 };
        },
      },
    });
    return handler(request);
  },
};
