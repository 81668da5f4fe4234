// The one client to Spotify's token endpoint, on an undici Pool: the calls, the deadline, the retry policy, and how
// Spotify's answers map to ours.
import { stringify } from 'node:querystring';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { DEFAULT_RETRY_AFTER_SECONDS, OAuthError, badGateway, retryAfterSeconds, tooManyRequests } from './errors.js';

/** A successful token answer, normalised to what every client accepts: an integer expires_in, a token_type. */
export interface TokenSet {
  access_token: string;
  token_type: string;
  scope: string;
  expires_in: number;
  refresh_token?: string;
}

/** What the client gets: a token set whose refresh token is always there, and sealed. */
export type TokenAnswer = Required<TokenSet>;

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
}

export interface SpotifyClientOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

type GrantType = 'authorization_code' | 'refresh_token';

type Outcome =
  | { kind: 'answer'; status: number; retryAfter: string | string[] | undefined; body: string }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; neverSent: boolean }
  | { kind: 'oversized' };

const MAX_ATTEMPTS = 3;
const BACKOFF_MS = 100;
/** A retry that would leave less than this for its own call is not worth making. */
const MIN_ATTEMPT_MS = 100;
/** Spotify's token answers are well under 2 kB; anything near this is not one. */
const MAX_BODY_BYTES = 64 * 1024;
const OAUTH_ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;
/**
 * At most this many connections to Spotify at once; further calls wait in the pool's queue, inside their deadline.
 * At Spotify's usual 100 ms or so per call, that carries over 1,000 calls a second.
 */
export const MAX_CONNECTIONS = 128;
/**
 * Errors that prove the request never left this machine, so that even a swap may be retried: no connection was
 * made (refused, the name did not resolve, the TCP or TLS handshake did not finish in time). Everything else that
 * goes wrong on a connection (a reset, a close, a parse error) may come after Spotify read the request.
 */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether a failed call provably never reached Spotify. */
export function neverSent(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NEVER_SENT.has(code);
}

/**
 * How long to wait before calling again, or undefined for "answer now". A code is single-use, so a swap is
 * retried only when the request provably never reached Spotify; a refresh also on
 * 5xx, on 429 with a Retry-After, and on connection failures. No 4xx is ever retried.
 */
function retryDelay(grant: GrantType, outcome: Outcome, attempts: number): number | undefined {
  if (attempts >= MAX_ATTEMPTS) return undefined;
  const backoff = BACKOFF_MS * 2 ** (attempts - 1);
  if (outcome.kind === 'unreachable' && outcome.neverSent) return backoff;
  if (grant !== 'refresh_token') return undefined;
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
/** A description longer than this is not one of Spotify's short sentences. */
const MAX_DESCRIPTION_LENGTH = 256;
/** A description holding this many characters in a row of anything sent to Spotify is replaced. */
const QUOTE_LENGTH = 8;

/** Whether `text` holds QUOTE_LENGTH characters in a row of any of the values. */
function quotes(text: string, values: readonly string[]): boolean {
  return values.some((value) => {
    if (value.length < QUOTE_LENGTH) return text.includes(value);
    for (let start = 0; start + QUOTE_LENGTH <= value.length; start++) {
      if (text.includes(value.slice(start, start + QUOTE_LENGTH))) return true;
    }
    return false;
  });
}

/**
 * Spotify's 400, 401 and 403 pass through with its status, `error` and `error_description`, nothing else. A
 * description that quotes any part of what was sent is replaced, so no code, token or secret can echo back through it.
 */
function passThrough(status: number, body: unknown, sent: readonly string[]): OAuthError {
  // RFC 6749 error codes are words joined by underscores. Anything else is not one, and must not reach a log line.
  if (!isRecord(body) || typeof body.error !== 'string' || !OAUTH_ERROR_CODE.test(body.error)) {
    return badGateway(`Spotify answered ${status} without an OAuth error`);
  }
  const description = body.error_description;
  const safe =
    typeof description === 'string' &&
    description !== '' &&
    description.length <= MAX_DESCRIPTION_LENGTH &&
    !quotes(description, sent)
      ? description
      : 'Spotify refused the request';
  return new OAuthError(status, body.error, safe);
}

function interpret(outcome: Outcome, timeoutMs: number, sent: readonly string[]): TokenSet {
  switch (outcome.kind) {
    case 'timeout':
      throw new OAuthError(504, 'gateway_timeout', `Spotify did not answer within ${timeoutMs} ms`);
    case 'unreachable':
      throw badGateway('Spotify could not be reached');
    case 'oversized':
      throw badGateway('Spotify answered with an oversized body');
    case 'answer':
      break;
  }
  const { status, body } = outcome;
  if (status === 200) {
    const tokens = readTokenSet(parseJson(body));
    if (tokens === undefined) throw badGateway('Spotify answered 200 without the documented token JSON');
    return tokens;
  }
  if (status === 429) {
    const seconds = retryAfterSeconds(outcome.retryAfter) ?? DEFAULT_RETRY_AFTER_SECONDS;
    throw tooManyRequests(seconds, 'Spotify is rate limiting token requests');
  }
  if (PASSED_THROUGH.has(status)) throw passThrough(status, parseJson(body), sent);
  throw badGateway(`Spotify answered ${status}`);
}

/** Made once per router: one keep-alive pool of connections to Spotify, reused by every request. */
export function createSpotifyClient(options: SpotifyClientOptions): SpotifyClient {
  const { tokenUrl, clientId, clientSecret, timeoutMs } = options;
  const { origin, pathname } = new URL(tokenUrl);
  const pool = new Pool(origin, {
    connections: MAX_CONNECTIONS,
    // Spotify's answer is read whole or not at all: past this, undici destroys the connection as it streams.
    maxResponseSize: MAX_BODY_BYTES,
    // The deadline below covers every wait; these would only add timers of their own to each call.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const credentials = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
  const headers = {
    authorization: `Basic ${credentials}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    'user-agent': 'spotify-token-swap',
  };

  async function attempt(body: string, signal: AbortSignal): Promise<Outcome> {
    let sent = false;
    try {
      const response = await pool.request({ path: pathname, method: 'POST', headers, body, signal });
      sent = true;
      const text = await response.body.text();
      return {
        kind: 'answer',
        status: response.statusCode,
        retryAfter: response.headers['retry-after'],
        body: text,
      };
    } catch (error) {
      if (signal.aborted) return { kind: 'timeout' };
      if ((error as { code?: unknown }).code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return { kind: 'oversized' };
      return { kind: 'unreachable', neverSent: !sent && neverSent(error) };
    }
  }

  async function call(form: Record<string, string>, trace: UpstreamTrace, sent: readonly string[]): Promise<TokenSet> {
    const grant = form.grant_type as GrantType;
    const body = stringify(form);
    const deadline = performance.now() + timeoutMs;
    // One signal over every attempt, the pool's queue and the waits between them.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      for (;;) {
        trace.attempts += 1;
        const outcome = await attempt(body, controller.signal);
        if (outcome.kind === 'answer') trace.status = outcome.status;
        const delay = retryDelay(grant, outcome, trace.attempts);
        if (delay === undefined || performance.now() + delay + MIN_ATTEMPT_MS > deadline) {
          return interpret(outcome, timeoutMs, sent);
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
      return call(form, trace, [
        code,
        clientSecret,
        credentials,
        ...(codeVerifier === undefined ? [] : [codeVerifier]),
      ]);
    },
    refresh(refreshToken, trace) {
      const sent = [refreshToken, clientSecret, credentials];
      return call({ grant_type: 'refresh_token', refresh_token: refreshToken }, trace, sent);
    },
  };
}
