// The standalone server's configuration: environment variables read, checked and turned into options, or refused.
import express from 'express';
import { aesGcmCipher, plaintextRefreshTokens, type RefreshTokenCipher } from '../index.js';
import { DEFAULT_MAX_IN_FLIGHT } from './admission.js';

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
  /** Requests per minute per client IP; 0 turns rate limiting off. */
  rateLimitPerMinute: number;
  redisUrl: string | undefined;
  /** `true` for any origin (`*`), a list of origins, or undefined for no CORS at all. */
  corsOrigins: true | string[] | undefined;
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

/** A configuration the server refuses to start with; its message names the variable and never holds a secret. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
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
};

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function list(env: Env, name: string): string[] | undefined {
  const value = text(env, name);
  return value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function flag(env: Env, name: string): boolean {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new ConfigError(`${name} must be 1 or 0`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function trustProxy(env: Env): ServerConfig['trustProxy'] {
  const value = text(env, 'TRUST_PROXY');
  if (value === undefined || value === 'false') return undefined;
  if (value === 'true') {
    // Express would then take the client's own X-Forwarded-For as its address: anyone could pick a fresh one for
    // every request, and the rate limit would count nobody.
    throw new ConfigError(
      'TRUST_PROXY=true would believe any client that claims an address, which turns the rate limit off: set the ' +
        'number of proxies in front of this server (TRUST_PROXY=1) or their addresses (TRUST_PROXY=loopback,10.0.0.0/8)',
    );
  }
  if (/^\d+$/.test(value)) {
    // Each hop trusted is one more X-Forwarded-For entry a client can write itself: past a few, the limit counts
    // whatever address a client claims, as with true.
    if (Number(value) > MAX_PROXY_HOPS) {
      throw new ConfigError(
        `TRUST_PROXY=${value} trusts more proxies than any deployment has, which lets a client pick its own address ` +
          `and turns the rate limit off: set the number of proxies in front of this server, at most ${MAX_PROXY_HOPS}`,
      );
    }
    return Number(value);
  }
  // Express's list of addresses, subnets and names (loopback, linklocal, uniquelocal), checked as Express will.
  try {
    express().set('trust proxy', value);
  } catch {
    throw new ConfigError(
      'TRUST_PROXY must be a number of proxies, or a comma-separated list of their addresses, subnets ' +
        '(10.0.0.0/8) or the names loopback, linklocal and uniquelocal',
    );
  }
  const wide = value.split(',').find((entry) => tooWide(entry.trim()));
  if (wide !== undefined) {
    throw new ConfigError(
      `TRUST_PROXY: ${wide.trim()} is wider than a /8 (IPv4) or a /32 (IPv6): it would trust clients as proxies, and ` +
        "a client could pick its own address past the rate limit. List the proxies' own addresses or subnets",
    );
  }
  return value;
}

/** Hops of TRUST_PROXY beyond which a count is a mistake (a CDN, a load balancer and an ingress make three). */
const MAX_PROXY_HOPS = 3;

/** The prefix length of a subnet's mask, written as a length (/8) or as an IPv4 mask (/255.0.0.0). */
function prefixLength(mask: string): number {
  if (/^\d+$/.test(mask)) return Number(mask);
  return mask.split('.').reduce((bits, octet) => bits + (Number(octet).toString(2).match(/1/g)?.length ?? 0), 0);
}

/**
 * Whether a TRUST_PROXY subnet covers more than a /8 of IPv4 or a /32 of IPv6. An IPv4-mapped IPv6 subnet
 * (::ffff:0:0/96) covers IPv4 clients, so it is held to the IPv4 bound.
 */
function tooWide(entry: string): boolean {
  const slash = entry.indexOf('/');
  if (slash < 0) return false;
  const address = entry.slice(0, slash).toLowerCase();
  const bits = prefixLength(entry.slice(slash + 1));
  if (!address.includes(':')) return bits < 8;
  if (/^(0{0,4}:){0,5}:?ffff:/.test(address) || address.startsWith('::ffff:')) return bits - 96 < 8;
  return bits < 32;
}

/** SPOTIFY_API_URL: users' access tokens travel there, so https://, or http:// to a mock on this machine. */
function apiUrl(env: Env): string | undefined {
  const value = text(env, 'SPOTIFY_API_URL');
  if (value === undefined) return undefined;
  const url = parseUrl(value);
  const loopback = url !== undefined && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (
    url === undefined ||
    !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new ConfigError(
      'SPOTIFY_API_URL must be an https:// URL with no query or credentials, such as https://api.spotify.com ' +
        '(http:// only for a mock on this machine)',
    );
  }
  return url.href.replace(/\/+$/, '');
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Each origin as a browser sends it: scheme, host and port, with no path or trailing slash. */
function corsOrigins(env: Env): ServerConfig['corsOrigins'] {
  const origins = list(env, 'CORS_ORIGINS');
  if (origins === undefined) return undefined;
  if (origins.includes('*')) return true;
  for (const origin of origins) {
    const url = parseUrl(origin);
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== origin) {
      const hint = url === undefined ? `https://${origin.replace(/\/+$/, '')}` : url.origin;
      throw new ConfigError(
        `CORS_ORIGINS: "${origin}" is not an origin as browsers send it: write ${hint} (scheme, host and port, no path or trailing slash)`,
      );
    }
  }
  return origins;
}

/** An http(s) URL with no query or fragment: the check page's redirect URI is built on it, so it must be exact. */
function publicUrl(env: Env): string | undefined {
  const value = text(env, 'PUBLIC_URL');
  if (value === undefined) return undefined;
  const url = parseUrl(value);
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.search !== '' || url.hash !== '') {
    throw new ConfigError(
      'PUBLIC_URL must be the http(s) address browsers and apps reach this server at, with no query: https://swap.example.com',
    );
  }
  if (url.hostname === 'localhost') {
    throw new ConfigError(
      'PUBLIC_URL: use 127.0.0.1 (or [::1]) rather than localhost: the check page builds its redirect URI on it, and ' +
        'Spotify takes a loopback redirect URI only as an IP address',
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** A redis:// or rediss:// URL that parses; the message never quotes it, since it may hold a password. */
function redisUrl(env: Env): string | undefined {
  const value = text(env, 'REDIS_URL');
  if (value === undefined) return undefined;
  const url = parseUrl(value);
  if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL: redis://[:password@]host[:port][/db]');
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
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 60, 0, 1_000_000),
    redisUrl: redisUrl(env),
    corsOrigins: corsOrigins(env),
    trustProxy: trustProxy(env),
    logLevel: logLevel as LogLevel,
    loginCheck: clientId === undefined || flag(env, 'LOGIN_CHECK'),
    publicUrl: publicUrl(env),
  };
  const sealing = cipher(env);
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
