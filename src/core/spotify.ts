// The client to Spotify's token endpoint, over whichever transport a door gives it: the calls, the deadline over all
// attempts, the retry policy, and how Spotify's answers map to ours.
import {
  type TokenSwapReason,
  DEFAULT_RETRY_AFTER_SECONDS,
  OAuthError,
  badGateway,
  retryAfterSeconds,
  tooManyRequests,
} from './errors.js';
import { isRecord } from './values.js';
import { webApiClient, type UserIdOf, type WebGet } from './web-api.js';

/** A successful token answer, normalised to what every client accepts: an integer expires_in, a token_type. */
export interface TokenSet {
  access_token: string;
  token_type: string;
  scope: string;
  expires_in: number;
  refresh_token?: string;
}

/**
 * What the client gets: a token set whose refresh token is always there, and sealed; and, when the cipher keeps the
 * login's time, the seconds until that login ends.
 */
export type TokenAnswer = Required<TokenSet> & { refresh_token_expires_in?: number };

export interface CodeGrant {
  code: string;
  redirectUri: string;
  codeVerifier: string | undefined;
}

/** What one request's calls to Spotify came to; the router puts it in the log event. */
export interface UpstreamTrace {
  attempts: number;
  status?: number;
}

export interface SpotifyClient {
  exchangeCode(grant: CodeGrant, trace: UpstreamTrace): Promise<TokenSet>;
  refresh(refreshToken: string, trace: UpstreamTrace): Promise<TokenSet>;
  /** An app-only token: the client credentials grant. */
  clientCredentials(trace: UpstreamTrace): Promise<TokenSet>;
  /** The Spotify user id an access token belongs to (the Web API's `/v1/me`). */
  userId: UserIdOf;
}

export interface SpotifyClientOptions {
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** What one attempt came to. `neverSent` is true only when the transport can prove the request never left. */
export type Attempt =
  | { kind: 'answer'; status: number; retryAfter: string | string[] | null | undefined; body: string }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; neverSent: boolean }
  | { kind: 'oversized' };

/**
 * One POST of a form to Spotify's token URL, with the headers given, abandoned when `signal` aborts. It never
 * rejects: every failure is an Attempt. Reads at most MAX_BODY_BYTES of the answer.
 */
export type Transport = (
  form: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
) => Promise<Attempt>;

const MAX_ATTEMPTS = 3;
const BACKOFF_MS = 100;
/** A retry that would leave less than this for its own call is not worth making. */
const MIN_ATTEMPT_MS = 100;
/** Spotify's token answers are well under 2 kB; anything near this is not one. */
export const MAX_BODY_BYTES = 64 * 1024;
/**
 * How long to wait before calling again, or undefined for "answer now". A code is single-use, so a swap is
 * retried only when the request provably never reached Spotify; a refresh and an app-only token (which any number of
 * calls may ask for) also on 5xx, on 429 with a Retry-After, and on connection failures. No 4xx is ever retried.
 */
function retryDelay(grant: GrantType, outcome: Attempt, attempts: number): number | undefined {
  if (attempts >= MAX_ATTEMPTS) return undefined;
  const backoff = BACKOFF_MS * 2 ** (attempts - 1);
  if (outcome.kind === 'unreachable' && outcome.neverSent) return backoff;
  if (grant === 'authorization_code') return undefined;
  if (outcome.kind === 'unreachable') return backoff;
  if (outcome.kind !== 'answer') return undefined;
  if (outcome.status >= 500) return backoff;
  if (outcome.status === 429) {
    const seconds = retryAfterSeconds(outcome.retryAfter);
    return seconds === undefined ? undefined : seconds * 1000;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Spotify's access tokens last an hour; a lifetime past a week, negative or unreadable is not one of its answers. */
export const MAX_EXPIRES_IN_SECONDS = 604_800;

/** `expires_in` as whole seconds: a JSON number or a decimal string ("3600", "3600.0"), within the bound. */
function readExpiresIn(value: unknown): number | undefined {
  const seconds =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d{1,9}(\.\d{1,9})?$/.test(value)
        ? Number(value)
        : NaN;
  return seconds >= 0 && seconds <= MAX_EXPIRES_IN_SECONDS ? Math.floor(seconds) : undefined;
}

function readTokenSet(body: unknown): TokenSet | undefined {
  if (!isRecord(body)) return undefined;
  const { access_token, token_type, scope, expires_in, refresh_token } = body;
  if (typeof access_token !== 'string' || access_token === '') return undefined;
  const expiresIn = readExpiresIn(expires_in);
  if (expiresIn === undefined) return undefined;
  if (refresh_token !== undefined && refresh_token !== null && typeof refresh_token !== 'string') return undefined;
  return {
    access_token,
    token_type: typeof token_type === 'string' && token_type !== '' ? token_type : 'Bearer',
    scope: typeof scope === 'string' ? scope : '',
    expires_in: expiresIn,
    ...(typeof refresh_token === 'string' && refresh_token !== '' ? { refresh_token } : {}),
  };
}

/** The statuses at which an OAuth client reads the error body (RFC 6749 §5.2); Spotify's other 4xx are a 502. */
const PASSED_THROUGH = new Set([400, 401, 403]);

/**
 * The error codes of RFC 6749 §5.2, each with what to check when Spotify's description is not one it is known to
 * send. Nothing else passes: a code is a client's word to branch on, and a free text there could carry anything,
 * the client secret included.
 */
const OAUTH_ERRORS: ReadonlyMap<string, string> = new Map([
  [
    'invalid_request',
    'Spotify refused the request as malformed: check the fields the app sent (code_verifier with PKCE)',
  ],
  ['invalid_client', 'Spotify refused the client credentials: check clientId and clientSecret'],
  [
    'invalid_grant',
    'Spotify refused the code or refresh token: it was used, expired or revoked, or the redirect URI differs',
  ],
  ['unauthorized_client', 'Spotify does not allow this app that grant: check its settings in the developer dashboard'],
  ['unsupported_grant_type', 'Spotify does not take that grant type'],
  ['invalid_scope', 'Spotify refused the scope the app asked for'],
]);

/**
 * The descriptions Spotify's token endpoint is known to send, each with the reason it means: they pass through
 * exactly as sent, and no others.
 */
const KNOWN_DESCRIPTIONS: ReadonlyMap<string, TokenSwapReason> = new Map([
  ['Invalid authorization code', 'code_used_or_unknown'],
  ['Authorization code expired', 'code_expired'],
  ['Invalid redirect URI', 'redirect_uri_mismatch'],
  ['Refresh token revoked', 'refresh_token_revoked'],
  ['Invalid refresh token', 'refresh_token_unknown'],
  ['Invalid client', 'bad_client_credentials'],
  ['Invalid client secret', 'bad_client_credentials'],
  ['grant_type parameter is missing', 'grant_type_refused'],
  ['grant_type must be client_credentials, authorization_code or refresh_token', 'grant_type_refused'],
  ['code_verifier required', 'pkce_verifier_missing'],
  ['code_verifier was incorrect', 'pkce_verifier_wrong'],
]);

export const SPOTIFY_DESCRIPTIONS: ReadonlySet<string> = new Set(KNOWN_DESCRIPTIONS.keys());

/**
 * Spotify's 400, 401 and 403 pass through with its status, an `error` of RFC 6749's and a description it is known to
 * send; another description is replaced by the code's own, and anything else is a 502. Allow-listed, never filtered:
 * nothing Spotify (or a proxy on the way) writes reaches a client or a log line unless it is one of these words.
 */
function passThrough(status: number, body: unknown): OAuthError {
  const code = isRecord(body) && typeof body.error === 'string' ? body.error : undefined;
  const fallback = code === undefined ? undefined : OAUTH_ERRORS.get(code);
  if (code === undefined || fallback === undefined) {
    return badGateway(`Spotify answered ${status} without an OAuth error`, 'spotify_bad_answer');
  }
  const description = (body as Record<string, unknown>).error_description;
  const reason = typeof description === 'string' ? KNOWN_DESCRIPTIONS.get(description) : undefined;
  return reason === undefined
    ? new OAuthError(status, code, fallback, 'spotify_refused')
    : new OAuthError(status, code, description as string, reason);
}

/** The answer of an attempt that got one; an attempt that did not is thrown as its 504 or 502. */
export function answerOf(outcome: Attempt, timeoutMs: number): Extract<Attempt, { kind: 'answer' }> {
  switch (outcome.kind) {
    case 'timeout':
      throw new OAuthError(504, 'gateway_timeout', `Spotify did not answer within ${timeoutMs} ms`, 'spotify_timeout');
    case 'unreachable':
      throw badGateway('Spotify could not be reached', 'spotify_unreachable');
    case 'oversized':
      throw badGateway('Spotify answered with an oversized body', 'spotify_bad_answer');
    case 'answer':
      return outcome;
  }
}

function interpret(outcome: Attempt, timeoutMs: number): TokenSet {
  const { status, body, retryAfter } = answerOf(outcome, timeoutMs);
  if (status === 200) {
    const tokens = readTokenSet(parseJson(body));
    if (tokens === undefined) {
      throw badGateway('Spotify answered 200 without the documented token JSON', 'spotify_bad_answer');
    }
    return tokens;
  }
  if (status === 429) {
    const seconds = retryAfterSeconds(retryAfter) ?? DEFAULT_RETRY_AFTER_SECONDS;
    throw tooManyRequests(seconds, 'Spotify is rate limiting token requests', 'spotify_rate_limited');
  }
  if (PASSED_THROUGH.has(status)) throw passThrough(status, parseJson(body));
  throw badGateway(`Spotify answered ${status}`, status >= 500 ? 'spotify_error' : 'spotify_bad_answer');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** HTTP Basic credentials, with the id and secret as UTF-8 (RFC 7617), in plain JavaScript so every runtime has it. */
export function basicCredentials(clientId: string, clientSecret: string): string {
  const bytes = new TextEncoder().encode(`${clientId}:${clientSecret}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Made once per door: the headers, and the calls with their deadline and retries, over the door's transport; the Web
 * API (a login's /v1/me, a deletion's) over `webGet`.
 */
export function createSpotifyClient(
  options: SpotifyClientOptions,
  transport: Transport,
  webGet: WebGet,
): SpotifyClient {
  const { clientId, clientSecret, timeoutMs } = options;
  const headers = Object.freeze({
    authorization: `Basic ${basicCredentials(clientId, clientSecret)}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    'user-agent': 'spotify-token-swap',
  });

  async function call(form: Record<string, string>, trace: UpstreamTrace): Promise<TokenSet> {
    const grant = form.grant_type as GrantType;
    const deadline = performance.now() + timeoutMs;
    // One signal over every attempt, the pool's queue and the waits between them.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      for (;;) {
        trace.attempts += 1;
        const outcome = await transport(form, headers, controller.signal);
        if (outcome.kind === 'answer') trace.status = outcome.status;
        const delay = retryDelay(grant, outcome, trace.attempts);
        if (delay === undefined || performance.now() + delay + MIN_ATTEMPT_MS > deadline) {
          return interpret(outcome, timeoutMs);
        }
        await sleep(delay);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    exchangeCode({ code, redirectUri, codeVerifier }, trace) {
      const form: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: redirectUri };
      if (codeVerifier !== undefined) form.code_verifier = codeVerifier;
      return call(form, trace);
    },
    refresh(refreshToken, trace) {
      return call({ grant_type: 'refresh_token', refresh_token: refreshToken }, trace);
    },
    clientCredentials(trace) {
      return call({ grant_type: 'client_credentials' }, trace);
    },
    userId: webApiClient(webGet, timeoutMs),
  };
}
