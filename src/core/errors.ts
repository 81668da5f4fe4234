// The OAuth error type, the documented error codes, and how an error becomes a JSON answer.

/** The error codes this package answers with itself. Spotify's own 400, 401 and 403 codes pass through too. */
export type OwnErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'access_denied'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'bad_gateway'
  | 'gateway_timeout'
  | 'server_error';

/** The body of every error answer: RFC 6749 §5.2. */
export interface ErrorBody {
  error: string;
  error_description: string;
}

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
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${code}: ${description}`);
  }

  get body(): ErrorBody {
    return { error: this.code, error_description: this.description };
  }
}

export const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);
export const invalidGrant = (description: string) => new OAuthError(400, 'invalid_grant', description);
export const badGateway = (description: string) => new OAuthError(502, 'bad_gateway', description);
export const serverError = (description = 'The token server failed to handle the request') =>
  new OAuthError(500, 'server_error', description);

export function methodNotAllowed(allow: readonly string[]): OAuthError {
  const list = allow.join(', ');
  return new OAuthError(405, 'method_not_allowed', `Use ${list} on this route`, { Allow: list });
}

export function tooManyRequests(retryAfterSeconds: number, description: string): OAuthError {
  return new OAuthError(429, 'too_many_requests', description, { 'Retry-After': String(retryAfterSeconds) });
}

/** Anything thrown becomes an OAuthError; what is not one already is a bug or a failing hook: a bare 500. */
export function toOAuthError(error: unknown): OAuthError {
  return error instanceof OAuthError ? error : serverError();
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
