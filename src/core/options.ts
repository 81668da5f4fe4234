// The options every door shares, their defaults, and their validation into the resolved configuration the handlers
// read. Each door adds its own rateLimit hook (and the Fetch handler its basePath and fetch) and checks those itself.
import { originFix, type Cors, type CorsOptions } from './cors.js';
import { silentLogger, type Logger } from './logging.js';
import { TokenSwapOptionError, type TokenSwapOptionErrorCode } from './option-error.js';
import type { SessionsConfig } from './handlers/sessions.js';
import { plaintextRefreshTokens, type RefreshTokenCipher } from './sealed-format.js';
import { STORE_METHODS, type SessionStore } from './sessions/store.js';
import { rejectUnknownKeys } from './unknown-keys.js';
import { isRecord, parseUrl } from './values.js';

/** The options of `tokenSwap()` and `tokenSwapHandler()` but their `hooks`. */
export interface CommonOptions {
  /** Your app's client ID, from the Spotify developer dashboard. */
  clientId: string;
  /** Your app's client secret. It is sent only to Spotify, only in the `Authorization` header. */
  clientSecret: string;
  /** The redirect URI your app used at /authorize. Sent with every swap unless the client names an allowed one. */
  redirectUri: string;
  /** Other redirect URIs a client may name with `redirect_uri`. Default: none. */
  allowedRedirectUris?: readonly string[] | undefined;
  /** Spotify's accounts service; the token URL is this plus `/api/token`. Default: `https://accounts.spotify.com`. */
  accountsUrl?: string | undefined;
  /** The whole deadline for one request's calls to Spotify, retries included, in ms. Default: `10000`. */
  timeoutMs?: number | undefined;
  /** Serve SpotifyAPI-NET 5.x's single exchange URL as well. Default: `false`. */
  legacyExchange?: boolean | LegacyExchangeOptions | undefined;
  /** Answer browsers calling from these origins (preflights included). Default: no CORS headers. */
  cors?: CorsOptions | undefined;
  /**
   * Serve `POST <base>/client-token`: an app-only access token (Spotify's client credentials grant) for calls that
   * need no user, such as the catalogue before anyone logs in. One call to Spotify per token lifetime. Default:
   * `false`.
   */
  clientToken?: boolean | undefined;
  /**
   * Refresh handles: the app holds an opaque handle and `store` keeps the session (Spotify's token sealed by the
   * refresh-token cipher), so that `/revoke` and `DELETE /me` can end it. Default: none (the app holds the sealed
   * token itself).
   */
  sessions?: SessionsOptions | undefined;
  /** Spotify's Web API, asked who a user is (`/v1/me`) when sessions are on. Default: `https://api.spotify.com`. */
  apiUrl?: string | undefined;
}

export interface SessionsOptions {
  /** `memorySessionStore()` (one process), `redisSessionStore({ sendCommand })`, or your own. */
  store: SessionStore;
  /**
   * A new handle on every refresh; a handle used again after `graceMs` ends its session (a copy is in other hands).
   * Default `false`: SpotifyAPI-NET 5.x never stores a new refresh token.
   */
  rotation?: boolean | { graceMs?: number | undefined } | undefined;
}

/** The hooks every door shares; each door adds its own `rateLimit`. */
export interface CommonHooks {
  /** `aesGcmCipher(secrets)`, your own (KMS-backed, say), or `plaintextRefreshTokens`. Required. */
  refreshTokenCipher: RefreshTokenCipher;
  /** pino, winston, bunyan or console; one event per request. Default: silent. */
  logger?: Logger | undefined;
}

export interface LegacyExchangeOptions {
  /** Where SpotifyAPI-NET 5.x listens for the code; an http:// loopback URL. Default: `http://localhost:4002/auth`. */
  clientCallbackUrl?: string | undefined;
}

/** What the handlers read: every option checked, defaulted and frozen, built once per router. */
export interface TokenSwapConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly redirectUris: ReadonlySet<string>;
  readonly accountsUrl: string;
  readonly tokenUrl: string;
  readonly timeoutMs: number;
  readonly cipher: RefreshTokenCipher;
  readonly logger: Logger;
  readonly legacy: { readonly clientCallbackUrl: string } | undefined;
  readonly cors: Cors | undefined;
  readonly clientToken: boolean;
  readonly apiUrl: string;
  readonly sessions: SessionsConfig | undefined;
}

export const DEFAULT_ACCOUNTS_URL = 'https://accounts.spotify.com';
export const DEFAULT_API_URL = 'https://api.spotify.com';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** How long a rotated handle still gets the same successor: a client's retry of a refresh whose answer it lost. */
export const DEFAULT_GRACE_MS = 5_000;
const MAX_GRACE_MS = 60_000;
export const DEFAULT_CLIENT_CALLBACK_URL = 'http://localhost:4002/auth';
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const OPTION_KEYS = [
  'clientId',
  'clientSecret',
  'redirectUri',
  'allowedRedirectUris',
  'accountsUrl',
  'timeoutMs',
  'hooks',
  'legacyExchange',
  'cors',
  'clientToken',
  'sessions',
  'apiUrl',
] as const;
const HOOK_KEYS = ['refreshTokenCipher', 'logger', 'rateLimit'] as const;
const LEGACY_KEYS = ['clientCallbackUrl'] as const;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function resolveClientToken(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail('clientToken', 'must be true or false (default false)');
  return value;
}

export function fail(option: string, problem: string, code: TokenSwapOptionErrorCode = 'ERR_OPTION_INVALID'): never {
  throw new TokenSwapOptionError(option, code, `spotify-token-swap: ${option} ${problem}`);
}

export function nonEmptyString(value: unknown, option: string, fix: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    fail(
      option,
      `must be a non-empty string: ${fix}`,
      value === undefined ? 'ERR_OPTION_MISSING' : 'ERR_OPTION_INVALID',
    );
  }
  return value;
}

export function absoluteUrl(value: string, option: string): URL {
  return (
    parseUrl(value) ??
    fail(option, 'must be an absolute URL, such as myapp://spotify-login-callback or https://example.com/callback')
  );
}

function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * What is wrong with the URL of a service a secret travels to (the client secret to the accounts service, an access
 * token to the Web API), or undefined: https://, or plain http:// only to this machine (a mock Spotify), and no query,
 * fragment or credentials.
 */
export function serviceUrlProblem(url: URL): string | undefined {
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url)))) {
    return 'must be an https:// URL (http:// is allowed only for a loopback host such as a mock Spotify)';
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return 'must not carry a query, a fragment or credentials';
  }
  return undefined;
}

/** A service URL a secret or token travels to, checked and without a trailing slash. */
function resolveServiceUrl(value: unknown, option: string, fallback: string): string {
  if (value === undefined) return fallback;
  const url = absoluteUrl(nonEmptyString(value, option, `leave it out to use ${fallback}`), option);
  const problem = serviceUrlProblem(url);
  if (problem !== undefined) fail(option, problem);
  return url.href.replace(/\/+$/, '');
}

function resolveSessions(value: unknown, cipher: RefreshTokenCipher): SessionsConfig | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value))
    fail('sessions', 'must be { store } with memorySessionStore(), redisSessionStore() or your own');
  rejectUnknownKeys('spotify-token-swap', value, ['store', 'rotation'], 'sessions.');
  const { store, rotation } = value;
  if (store === undefined) {
    fail(
      'sessions.store',
      'is required: memorySessionStore(), redisSessionStore({ sendCommand }) or your own',
      'ERR_OPTION_MISSING',
    );
  }
  const missing = STORE_METHODS.filter((method) => !isRecord(store) || typeof store[method] !== 'function');
  if (missing.length > 0)
    fail('sessions.store', `must have ${STORE_METHODS.join(', ')} methods; missing ${missing.join(', ')}`);
  // The store keeps Spotify's tokens sealed: never in plain text.
  if (cipher === plaintextRefreshTokens) {
    fail(
      'hooks.refreshTokenCipher',
      'seals the Spotify tokens a session store keeps: pass aesGcmCipher(secrets), not plaintextRefreshTokens',
    );
  }
  let graceMs = DEFAULT_GRACE_MS;
  if (isRecord(rotation)) {
    rejectUnknownKeys('spotify-token-swap', rotation, ['graceMs'], 'sessions.rotation.');
    if (rotation.graceMs !== undefined) {
      const given = rotation.graceMs;
      if (typeof given !== 'number' || !Number.isFinite(given) || given < 0 || given > MAX_GRACE_MS) {
        fail(
          'sessions.rotation.graceMs',
          `must be a number of milliseconds from 0 to ${MAX_GRACE_MS} (default ${DEFAULT_GRACE_MS})`,
        );
      }
      graceMs = given;
    }
  } else if (rotation !== undefined && typeof rotation !== 'boolean') {
    fail('sessions.rotation', 'must be true, false or { graceMs } (default false)');
  }
  return Object.freeze({
    store: store as unknown as SessionStore,
    rotate: rotation !== undefined && rotation !== false,
    graceMs,
  });
}

function resolveTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
    fail('timeoutMs', `must be a positive number of milliseconds (default ${DEFAULT_TIMEOUT_MS})`);
  }
  return value;
}

function resolveRedirectUris(redirectUri: string, value: unknown): ReadonlySet<string> {
  if (value === undefined) return new Set([redirectUri]);
  if (!Array.isArray(value)) fail('allowedRedirectUris', 'must be an array of redirect URI strings');
  value.forEach((uri: unknown, index) => {
    const option = `allowedRedirectUris[${index}]`;
    absoluteUrl(nonEmptyString(uri, option, 'list the exact redirect URIs registered with Spotify'), option);
  });
  return new Set([redirectUri, ...(value as string[])]);
}

function resolveCipher(value: unknown): RefreshTokenCipher {
  const choices = 'pass aesGcmCipher(secret), your own { encrypt, decrypt } cipher, or plaintextRefreshTokens';
  if (value === undefined) fail('hooks.refreshTokenCipher', `is required: ${choices}`, 'ERR_OPTION_MISSING');
  if (!isRecord(value) || typeof value.encrypt !== 'function' || typeof value.decrypt !== 'function') {
    fail('hooks.refreshTokenCipher', `must have encrypt and decrypt methods: ${choices}`);
  }
  if (value.isCurrent !== undefined && typeof value.isCurrent !== 'function') {
    fail('hooks.refreshTokenCipher', 'isCurrent must be a method (sealed) => boolean, or left out');
  }
  const sessionMethods = [value.seal, value.open].filter((method) => method !== undefined);
  if (sessionMethods.length > 0 && (sessionMethods.length < 2 || sessionMethods.some((m) => typeof m !== 'function'))) {
    fail('hooks.refreshTokenCipher', 'seal and open must be methods given together, or both left out');
  }
  return value as unknown as RefreshTokenCipher;
}

function resolveLogger(value: unknown): Logger {
  if (value === undefined) return silentLogger;
  const shape = 'must have info, warn and error methods (pino, winston, bunyan or console)';
  if (!isRecord(value)) fail('hooks.logger', shape);
  const missing = ['info', 'warn', 'error'].filter((level) => typeof value[level] !== 'function');
  if (missing.length > 0) fail('hooks.logger', `${shape}; missing ${missing.join(', ')}`);
  return value as unknown as Logger;
}

function resolveLegacy(value: unknown): TokenSwapConfig['legacy'] {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { clientCallbackUrl: DEFAULT_CLIENT_CALLBACK_URL };
  if (!isRecord(value)) fail('legacyExchange', 'must be true, false or { clientCallbackUrl }');
  rejectUnknownKeys('spotify-token-swap', value, LEGACY_KEYS, 'legacyExchange.');
  if (value.clientCallbackUrl === undefined) return { clientCallbackUrl: DEFAULT_CLIENT_CALLBACK_URL };
  const option = 'legacyExchange.clientCallbackUrl';
  const url = absoluteUrl(
    nonEmptyString(value.clientCallbackUrl, option, `leave it out for ${DEFAULT_CLIENT_CALLBACK_URL}`),
    option,
  );
  // The callback forwards authorization codes: anywhere but this machine would make it an open redirect.
  if (url.protocol !== 'http:' || !isLoopback(url) || url.search !== '' || url.hash !== '') {
    fail(
      option,
      'must be an http:// loopback URL (localhost, 127.0.0.1 or [::1]) with no query, where SpotifyAPI-NET 5.x listens',
    );
  }
  return { clientCallbackUrl: url.href };
}

function resolveCors(value: unknown): Cors | undefined {
  if (value === undefined) return undefined;
  const shape = "must be { origins: ['https://app.example'] }, the origins browsers may call from ('*' for any)";
  if (!isRecord(value)) fail('cors', shape);
  rejectUnknownKeys('spotify-token-swap', value, ['origins'], 'cors.');
  if (!Array.isArray(value.origins) || value.origins.length === 0) {
    fail('cors.origins', "must list the origins browsers may call from, such as ['https://app.example'] ('*' for any)");
  }
  const origins = value.origins as unknown[];
  origins.forEach((origin, index) => {
    if (typeof origin !== 'string') fail(`cors.origins[${index}]`, 'must be a string');
    const fix = origin === '*' ? undefined : originFix(origin);
    if (fix !== undefined) fail(`cors.origins[${index}]`, `is not an origin as browsers send it: ${fix}`);
  });
  const any = origins.includes('*');
  return Object.freeze({ any, origins: new Set(any ? [] : (origins as string[])) });
}

/**
 * Checks every option now, so that nothing that can fail at start-up waits for the first request. `doorKeys` are
 * the door's own options, which it checks itself; `call` is how the door is called, for the error messages.
 */
export function resolveOptions(
  options: unknown,
  call: string,
  doorKeys: readonly string[] = [],
): { config: TokenSwapConfig; options: Record<string, unknown>; hooks: Record<string, unknown> } {
  if (!isRecord(options)) fail('options', `must be an object: ${call}({ clientId, clientSecret, redirectUri, hooks })`);
  // A hook given beside clientId belongs in hooks.
  rejectUnknownKeys(
    'spotify-token-swap',
    options,
    [...OPTION_KEYS, ...doorKeys],
    '',
    Object.fromEntries(HOOK_KEYS.map((key) => [key, `hooks.${key}`])),
  );
  const clientId = nonEmptyString(options.clientId, 'clientId', 'copy it from the Spotify developer dashboard');
  const clientSecret = nonEmptyString(
    options.clientSecret,
    'clientSecret',
    'copy it from the Spotify developer dashboard',
  );
  const redirectUri = nonEmptyString(
    options.redirectUri,
    'redirectUri',
    'use the redirect URI your app sends to /authorize',
  );
  absoluteUrl(redirectUri, 'redirectUri');
  if (!isRecord(options.hooks)) {
    fail(
      'hooks',
      'is required: { refreshTokenCipher: aesGcmCipher(secret) } at the least',
      options.hooks === undefined ? 'ERR_OPTION_MISSING' : 'ERR_OPTION_INVALID',
    );
  }
  rejectUnknownKeys('spotify-token-swap', options.hooks, HOOK_KEYS, 'hooks.');
  const accountsUrl = resolveServiceUrl(options.accountsUrl, 'accountsUrl', DEFAULT_ACCOUNTS_URL);
  const cipher = resolveCipher(options.hooks.refreshTokenCipher);
  const config: TokenSwapConfig = Object.freeze({
    clientId,
    clientSecret,
    redirectUri,
    redirectUris: resolveRedirectUris(redirectUri, options.allowedRedirectUris),
    accountsUrl,
    tokenUrl: `${accountsUrl}/api/token`,
    timeoutMs: resolveTimeout(options.timeoutMs),
    cipher,
    logger: resolveLogger(options.hooks.logger),
    legacy: resolveLegacy(options.legacyExchange),
    cors: resolveCors(options.cors),
    clientToken: resolveClientToken(options.clientToken),
    apiUrl: resolveServiceUrl(options.apiUrl, 'apiUrl', DEFAULT_API_URL),
    sessions: resolveSessions(options.sessions, cipher),
  });
  return { config, options, hooks: options.hooks };
}
