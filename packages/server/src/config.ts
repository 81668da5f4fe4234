// The standalone server's configuration: environment variables read, checked and turned into options, or refused.
import { aesGcmCipher, plaintextRefreshTokens, type RefreshTokenCipher } from 'spotify-token-swap';
import { DEFAULT_MAX_IN_FLIGHT } from './admission.js';
import { apiUrl, corsOrigins, publicUrl, redisUrl, trustProxy } from './addresses.js';
import { ConfigError, flag, integer, list, text, type Env } from './env.js';

export { ConfigError } from './env.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Spotify as the app knows it: its credentials and redirect URI, and where Spotify's services are. */
export interface SpotifyEndpoint {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Undefined: https://accounts.spotify.com. */
  accountsUrl?: string | undefined;
  /** Spotify's Web API, where the check page asks /v1/me; undefined: https://api.spotify.com. */
  apiUrl?: string | undefined;
}

/**
 * The configuration: Spotify's credentials (`mode: 'spotify'`), or none, when the embedded mock plays Spotify
 * (`mode: 'demo'`, whose cipher is undefined without secrets: the demo makes a throwaway one).
 */
export type ServerConfig = CommonConfig &
  (
    | { mode: 'spotify'; spotify: SpotifyEndpoint; cipher: RefreshTokenCipher }
    | { mode: 'demo'; cipher: RefreshTokenCipher | undefined }
  );

interface CommonConfig {
  port: number;
  /** Undefined: Node's default, every interface. */
  host: string | undefined;
  allowedRedirectUris: string[] | undefined;
  timeoutMs: number | undefined;
  legacyExchange: boolean | { clientCallbackUrl: string };
  /** Serve POST /client-token: app-only tokens. */
  clientToken: boolean;
  /** Requests per minute per client IP; 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  redisUrl: string | undefined;
  /** What an app holds: the sealed token itself, or a handle to a session this server keeps (in Redis). */
  refreshTokens: 'sealed' | 'handles';
  /** With handles: a new handle on every refresh, and a reused one ends its session. */
  rotateHandles: boolean;
  /** The origins browsers may call from (`*` for any), or undefined for no CORS at all. */
  corsOrigins: string[] | undefined;
  /** A hop count or Express's list of trusted proxies; never `true`, which would let clients choose their address. */
  trustProxy: number | string | undefined;
  logLevel: LogLevel;
  /** How long a client may take to send a request's headers, and the whole request, in ms. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open, in ms. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; past it, a new one is closed at once. */
  maxConnections: number;
  /** Requests worked on at once over all connections; past it, 503 at once. */
  maxInFlight: number;
  /** Serve the login check page at /check: always in demo mode, with real credentials only when asked. */
  loginCheck: boolean;
  /** Where browsers and apps reach this server, without a trailing slash; undefined: the address it listens on. */
  publicUrl: string | undefined;
}

/** Which variable feeds which tokenSwap() option, so the router's own checks can be reported in the server's terms. */
export const ENV_FOR_OPTION: Readonly<Record<string, string>> = {
  clientId: 'SPOTIFY_CLIENT_ID',
  clientSecret: 'SPOTIFY_CLIENT_SECRET',
  redirectUri: 'SPOTIFY_REDIRECT_URI',
  allowedRedirectUris: 'SPOTIFY_ALLOWED_REDIRECT_URIS',
  accountsUrl: 'SPOTIFY_ACCOUNTS_URL',
  timeoutMs: 'SPOTIFY_TIMEOUT_MS',
  legacyExchange: 'LEGACY_CLIENT_CALLBACK_URL',
  apiUrl: 'SPOTIFY_API_URL',
  sessions: 'REFRESH_TOKENS',
};

/** ROTATE_REFRESH_HANDLES=1: rotation, which only handles have. */
function rotateHandles(env: Env): boolean {
  const rotate = flag(env, 'ROTATE_REFRESH_HANDLES');
  if (rotate && text(env, 'REFRESH_TOKENS') !== 'handles') {
    throw new ConfigError('ROTATE_REFRESH_HANDLES=1 needs REFRESH_TOKENS=handles: a sealed token cannot be rotated');
  }
  return rotate;
}

/** REFRESH_TOKENS: `sealed` (the default) or `handles`, which keeps sessions in Redis (in memory in demo mode). */
function refreshTokens(env: Env, demo: boolean, redis: string | undefined): 'sealed' | 'handles' {
  const value = text(env, 'REFRESH_TOKENS') ?? 'sealed';
  if (value !== 'sealed' && value !== 'handles') {
    throw new ConfigError('REFRESH_TOKENS must be sealed (the default: apps hold the sealed token) or handles');
  }
  if (value === 'handles' && !demo && redis === undefined) {
    throw new ConfigError(
      'REFRESH_TOKENS=handles needs REDIS_URL: sessions must outlive a restart and be shared by every instance ' +
        '(the in-memory store is for demo mode only)',
    );
  }
  return value;
}

function cipher(env: Env): RefreshTokenCipher | undefined {
  const secrets = list(env, 'TOKEN_ENCRYPTION_SECRETS');
  const plaintext = flag(env, 'PLAINTEXT_REFRESH_TOKENS');
  if (secrets !== undefined && plaintext) {
    throw new ConfigError('Set TOKEN_ENCRYPTION_SECRETS or PLAINTEXT_REFRESH_TOKENS=1, not both');
  }
  if (plaintext) return plaintextRefreshTokens;
  if (secrets !== undefined) {
    try {
      return aesGcmCipher(secrets);
    } catch (error) {
      throw new ConfigError(`TOKEN_ENCRYPTION_SECRETS: ${(error as Error).message}`);
    }
  }
  return undefined;
}

/**
 * A token request is well under 1 kB: a client that needs seconds to send one is not sending one. These bound how
 * long a slow or silent client can hold a connection.
 */
function connectionLimits(env: Env) {
  const headersTimeoutMs = integer(env, 'HEADERS_TIMEOUT_MS', 5_000, 100, 600_000);
  const requestTimeoutMs = integer(env, 'REQUEST_TIMEOUT_MS', 10_000, 100, 600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      'HEADERS_TIMEOUT_MS must not be more than REQUEST_TIMEOUT_MS: the headers are part of the request',
    );
  }
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    maxConnections: integer(env, 'MAX_CONNECTIONS', 1_000, 1, 1_000_000),
    maxInFlight: integer(env, 'MAX_IN_FLIGHT', DEFAULT_MAX_IN_FLIGHT, 1, 1_000_000),
  };
}

/** Reads the environment; throws ConfigError for anything missing, malformed or contradictory. */
export function readConfig(env: Env): ServerConfig {
  const clientId = text(env, 'SPOTIFY_CLIENT_ID');
  const clientSecret = text(env, 'SPOTIFY_CLIENT_SECRET');
  const redirectUri = text(env, 'SPOTIFY_REDIRECT_URI');
  if (clientId === undefined && clientSecret !== undefined) {
    throw new ConfigError(
      'SPOTIFY_CLIENT_SECRET is set but SPOTIFY_CLIENT_ID is not: set both, or neither for the demo',
    );
  }
  if (clientId !== undefined && clientSecret === undefined) {
    throw new ConfigError('SPOTIFY_CLIENT_SECRET is required with SPOTIFY_CLIENT_ID');
  }
  if (clientId !== undefined && redirectUri === undefined) {
    throw new ConfigError('SPOTIFY_REDIRECT_URI is required: the redirect URI your app sends to /authorize');
  }
  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const callbackUrl = text(env, 'LEGACY_CLIENT_CALLBACK_URL');
  const legacy = flag(env, 'LEGACY_EXCHANGE');
  if (callbackUrl !== undefined && !legacy) {
    throw new ConfigError('LEGACY_CLIENT_CALLBACK_URL needs LEGACY_EXCHANGE=1');
  }
  const common: CommonConfig = {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    ...connectionLimits(env),
    host: text(env, 'HOST'),
    allowedRedirectUris: list(env, 'SPOTIFY_ALLOWED_REDIRECT_URIS'),
    timeoutMs:
      text(env, 'SPOTIFY_TIMEOUT_MS') === undefined ? undefined : integer(env, 'SPOTIFY_TIMEOUT_MS', 0, 1, 600_000),
    legacyExchange: callbackUrl === undefined ? legacy : { clientCallbackUrl: callbackUrl },
    clientToken: flag(env, 'CLIENT_TOKEN'),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 60, 0, 1_000_000),
    redisUrl: redisUrl(env),
    refreshTokens: refreshTokens(env, clientId === undefined, text(env, 'REDIS_URL')),
    rotateHandles: rotateHandles(env),
    corsOrigins: corsOrigins(env),
    trustProxy: trustProxy(env),
    logLevel: logLevel as LogLevel,
    loginCheck: clientId === undefined || flag(env, 'LOGIN_CHECK'),
    publicUrl: publicUrl(env),
  };
  const sealing = cipher(env);
  if (sealing === plaintextRefreshTokens && common.refreshTokens === 'handles') {
    throw new ConfigError(
      "REFRESH_TOKENS=handles keeps Spotify's tokens sealed in Redis: set TOKEN_ENCRYPTION_SECRETS, not " +
        'PLAINTEXT_REFRESH_TOKENS=1',
    );
  }
  if (clientId === undefined) return { ...common, mode: 'demo', cipher: sealing };
  if (sealing === undefined) {
    throw new ConfigError(
      'Refresh tokens need a decision: set TOKEN_ENCRYPTION_SECRETS (comma-separated secrets of 32+ characters, ' +
        'the sealing one first) or PLAINTEXT_REFRESH_TOKENS=1 to hand them out unencrypted',
    );
  }
  return {
    ...common,
    mode: 'spotify',
    spotify: {
      clientId,
      clientSecret: clientSecret!,
      redirectUri: redirectUri!,
      accountsUrl: text(env, 'SPOTIFY_ACCOUNTS_URL'),
      apiUrl: apiUrl(env),
    },
    cipher: sealing,
  };
}
