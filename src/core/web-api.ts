// The one Web API call this package makes: GET /v1/me with a user's access token, for the Spotify user id that a
// session is filed under and that `DELETE /me` proves. Spotify's answers map to ours as the token endpoint's do.
import { OAuthError, badGateway, DEFAULT_RETRY_AFTER_SECONDS, retryAfterSeconds, tooManyRequests } from './errors.js';
import { readCapped } from './fetch-transport.js';
import { MAX_BODY_BYTES, answerOf, type Attempt, type UpstreamTrace } from './spotify.js';
import { isRecord } from './values.js';

export type UserIdOf = (accessToken: string, trace?: UpstreamTrace) => Promise<string>;

/** An access token Spotify did not take (RFC 6750's `invalid_token`), or none given. */
export function invalidToken(description: string): OAuthError {
  return new OAuthError(401, 'invalid_token', description, 'access_token_refused', {
    'www-authenticate': 'Bearer error="invalid_token"',
  });
}

/**
 * One GET of a Web API path with the headers given, abandoned when `signal` aborts; every failure is an Attempt, as
 * the token endpoint's transport gives. Reads at most MAX_BODY_BYTES.
 */
export type WebGet = (path: string, headers: Readonly<Record<string, string>>, signal: AbortSignal) => Promise<Attempt>;

/** The Web API over fetch: every runtime that has it. */
export function fetchWebGet(apiUrl: string, fetchImpl: typeof fetch): WebGet {
  return async (path, headers, signal) => {
    try {
      const response = await fetchImpl(`${apiUrl}${path}`, { headers, signal, redirect: 'manual' });
      const body = await readCapped(response.body, MAX_BODY_BYTES);
      if (body === undefined) return { kind: 'oversized' };
      return { kind: 'answer', status: response.status, retryAfter: response.headers.get('retry-after'), body };
    } catch {
      return signal.aborted ? { kind: 'timeout' } : { kind: 'unreachable', neverSent: false };
    }
  };
}

/** Who an access token belongs to, asked of `/v1/me` through `get` within `timeoutMs`. Not retried. */
export function webApiClient(get: WebGet, timeoutMs: number): UserIdOf {
  return async function userIdOf(accessToken, trace) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let outcome: Attempt;
    try {
      if (trace !== undefined) trace.attempts += 1;
      outcome = await get(
        '/v1/me',
        { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        controller.signal,
      );
    } finally {
      clearTimeout(timer);
    }
    const { status, body, retryAfter } = answerOf(outcome, timeoutMs);
    if (trace !== undefined) trace.status = status;
    if (status === 200) {
      const id = profileId(body);
      if (id === undefined) throw badGateway('Spotify answered 200 without a user id', 'spotify_bad_answer');
      return id;
    }
    if (status === 401) throw invalidToken('Spotify did not accept the access token: it expired or was never one');
    if (status === 403) {
      throw new OAuthError(403, 'access_denied', 'Spotify refused this user the Web API', 'spotify_refused');
    }
    if (status === 429) {
      const seconds = retryAfterSeconds(retryAfter) ?? DEFAULT_RETRY_AFTER_SECONDS;
      throw tooManyRequests(seconds, 'Spotify is rate limiting Web API requests', 'spotify_rate_limited');
    }
    throw badGateway(`Spotify answered ${status}`, status >= 500 ? 'spotify_error' : 'spotify_bad_answer');
  };
}

function profileId(body: string): string | undefined {
  try {
    const profile: unknown = JSON.parse(body);
    const id = isRecord(profile) ? profile.id : undefined;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}
