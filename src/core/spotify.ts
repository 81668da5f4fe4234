// The client to Spotify's token endpoint, over whichever transport a door gives it: the calls, the deadline over all
// attempts, the retry policy, and how Spotify's answers map to ours.
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
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

type GrantType = 'authorization_code' | 'refresh_token';

/** What one attempt came to. `neverSent` is true only when the transport can prove the request never left. */
export type Outcome =
  | { kind: 'answer'; status: number; retryAfter: string | string[] | null | undefined; body: string }
  | { kind: 'timeout' }
  | { kind: 'unreachable'; neverSent: boolean }
  | { kind: 'oversized' };

/**
 * One POST of a form to Spotify's token URL, with the headers given, abandoned when `signal` aborts. It never
 * rejects: every failure is an Outcome. Reads at most MAX_BODY_BYTES of the answer.
 */
export type Transport = (
  form: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
) => Promise<Outcome>;

const MAX_ATTEMPTS = 3;
const BACKOFF_MS = 100;
/** A retry that would leave less than this for its own call is not worth making. */
const MIN_ATTEMPT_MS = 100;
/** Spotify's token answers are well under 2 kB; anything near this is not one. */
export const MAX_BODY_BYTES = 64 * 1024;
const OAUTH_ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** HTTP Basic credentials, with the id and secret as UTF-8 (RFC 7617), in plain JavaScript so every runtime has it. */
export function basicCredentials(clientId: string, clientSecret: string): string {
  const bytes = new TextEncoder().encode(`${clientId}:${clientSecret}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Made once per door: the headers, and the calls with their deadline and retries, over the door's transport. */
export function createSpotifyClient(options: SpotifyClientOptions, transport: Transport): SpotifyClient {
  const { clientId, clientSecret, timeoutMs } = options;
  const credentials = basicCredentials(clientId, clientSecret);
  const headers = Object.freeze({
    authorization: `Basic ${credentials}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    'user-agent': 'spotify-token-swap',
  });

  async function call(form: Record<string, string>, trace: UpstreamTrace, sent: readonly string[]): Promise<TokenSet> {
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
