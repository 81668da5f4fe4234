// The OAuth error type, the documented error codes, and how an error becomes a JSON answer.

/** The error codes this package answers with itself. Spotify's own 400, 401 and 403 codes pass through too. */
export type OwnErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'access_denied'
  | 'invalid_token'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'temporarily_unavailable'
  | 'bad_gateway'
  | 'gateway_timeout'
  | 'server_error';

/**
 * Why a request was refused or failed, for the log: a fixed word, finer than the error code. Spotify's known
 * descriptions map to the first group, never its raw text.
 */
export type TokenSwapReason =
  // Spotify refused the grant, as its description said.
  | 'code_used_or_unknown'
  | 'code_expired'
  | 'redirect_uri_mismatch'
  | 'refresh_token_revoked'
  | 'refresh_token_unknown'
  | 'bad_client_credentials'
  | 'pkce_verifier_missing'
  | 'pkce_verifier_wrong'
  | 'grant_type_refused'
  | 'spotify_refused'
  // Spotify failed.
  | 'spotify_rate_limited'
  | 'spotify_unreachable'
  | 'spotify_timeout'
  | 'spotify_error'
  | 'spotify_bad_answer'
  // The request, refused before Spotify was called.
  | 'field_missing'
  | 'field_malformed'
  | 'redirect_uri_not_allowed'
  | 'pkce_verifier_malformed'
  | 'grant_type_unsupported'
  | 'sealed_token_invalid'
  | 'refresh_token_lost'
  | 'session_unknown'
  | 'refresh_token_reused'
  | 'access_token_refused'
  | 'body_too_large'
  | 'body_type_unsupported'
  | 'body_encoding_unsupported'
  | 'body_malformed'
  | 'body_truncated'
  | 'body_consumed'
  | 'request_timeout'
  | 'method_not_allowed'
  | 'not_found'
  | 'rate_limited'
  | 'hook_refused'
  // This server failed.
  | 'hook_failed'
  | 'cipher_failed'
  | 'cipher_unavailable'
  | 'store_unavailable'
  | 'internal_error';

/** The body of every error answer: RFC 6749 §5.2. */
export interface ErrorBody {
  error: string;
  error_description: string;
}

/** An error body, for the answers that are not an OAuthError thrown (a hook's refusal, a path no route serves). */
export const errorBody = (error: string, description: string): ErrorBody => ({ error, error_description: description });

/** What a path that is none of the routes gets: the Fetch handler's 404, and the standalone server's. */
export const NOT_FOUND: ErrorBody = Object.freeze(errorBody('not_found', 'No such route'));

/** Seconds a client is told to wait when neither Spotify nor a rate-limit hook said how long. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * An error that is answered as `status` with `{error, error_description}`.
 * Its message and description are written by this package (or are Spotify's, scrubbed): they never hold a secret,
 * a code or a token, and it carries no `cause` that could.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';

  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    readonly reason: TokenSwapReason,
    readonly headers: Readonly<Record<string, string>> = {},
    /** Close the connection after the answer: what is left of the request is not worth reading. */
    readonly close = false,
  ) {
    super(`${code}: ${description}`);
  }

  get body(): ErrorBody {
    return { error: this.code, error_description: this.description };
  }
}

export const invalidRequest = (description: string, reason: TokenSwapReason) =>
  new OAuthError(400, 'invalid_request', description, reason);
export const invalidGrant = (description: string, reason: TokenSwapReason) =>
  new OAuthError(400, 'invalid_grant', description, reason);
export const badGateway = (description: string, reason: TokenSwapReason) =>
  new OAuthError(502, 'bad_gateway', description, reason);
export const serverError = (
  description = 'The token server failed to handle the request',
  reason: TokenSwapReason = 'internal_error',
) => new OAuthError(500, 'server_error', description, reason);

export function methodNotAllowed(allow: readonly string[]): OAuthError {
  const list = allow.join(', ');
  return new OAuthError(405, 'method_not_allowed', `Use ${list} on this route`, 'method_not_allowed', { allow: list });
}

/** What a client that went over a rate limit is told, whichever limit it was. */
export const RATE_LIMITED_DESCRIPTION = 'Too many requests: retry later';

export function tooManyRequests(retryAfterSeconds: number, description: string, reason: TokenSwapReason): OAuthError {
  return new OAuthError(429, 'too_many_requests', description, reason, { 'retry-after': String(retryAfterSeconds) });
}

/**
 * A hook's failure that is for a moment (a KMS, a session store that did not answer): `503 temporarily_unavailable`,
 * retried by the client after the `retryAfterSeconds` on what was thrown, if it says, or five seconds.
 */
export function temporarilyUnavailable(thrown: unknown, description: string, reason: TokenSwapReason): OAuthError {
  const said = typeof thrown === 'object' && thrown !== null ? (thrown as { retryAfterSeconds?: unknown }) : {};
  const given = typeof said.retryAfterSeconds === 'number' ? retryAfterSeconds(said.retryAfterSeconds) : undefined;
  return new OAuthError(503, 'temporarily_unavailable', description, reason, {
    'retry-after': String(given ?? DEFAULT_RETRY_AFTER_SECONDS),
  });
}

/** Anything thrown becomes an OAuthError; what is not one already is a bug (or, where `reason` says, a failing hook). */
export function toOAuthError(error: unknown, reason: TokenSwapReason = 'internal_error'): OAuthError {
  return error instanceof OAuthError ? error : serverError(undefined, reason);
}

/** The longest wait a client is ever told: a day. A Retry-After beyond it (Spotify's or a hook's) is cut to it. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * A Retry-After header (delta-seconds or an HTTP-date) as whole seconds from 0 to MAX_RETRY_AFTER_SECONDS, or
 * undefined when it is absent or unreadable. Clients such as SpotifyAPI-NET 7 throw on anything but an integer, so
 * fractions round up.
 */
export function retryAfterSeconds(
  header: string | string[] | number | null | undefined,
  now = Date.now(),
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value === 'number') {
    // A hook's verdict: Infinity and 1e21 are "a long time" too.
    return Number.isNaN(value) ? undefined : Math.min(Math.max(0, Math.ceil(value)), MAX_RETRY_AFTER_SECONDS);
  }
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  let seconds: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    seconds = Math.ceil(Number(text));
  } else {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    seconds = Math.ceil((date - now) / 1000);
  }
  // A 400-digit header reads as Infinity: it is still "a long time", and goes out as the bound.
  return Math.min(Math.max(0, seconds), MAX_RETRY_AFTER_SECONDS);
}

/** The code answered for an error status written by someone else (a hook): the nearest of our own. */
export function codeForStatus(status: number): OwnErrorCode {
  switch (status) {
    case 401:
    case 403:
      return 'access_denied';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'too_many_requests';
    default:
      return status >= 500 ? 'server_error' : 'invalid_request';
  }
}
