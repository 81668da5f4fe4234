// The one Web API call this package makes: GET /v1/me with a user's access token, for the Spotify user id that a
// session is filed under and that `DELETE /me` proves. Spotify's answers map to ours as the token endpoint's do.
import { OAuthError, badGateway, DEFAULT_RETRY_AFTER_SECONDS, retryAfterSeconds, tooManyRequests } from './errors.js';
import { readCapped } from './fetch-transport.js';
import type { UpstreamTrace } from './spotify.js';
import { isRecord } from './values.js';

/** A profile is well under 2 kB; anything near this is not one. */
const MAX_PROFILE_BYTES = 64 * 1024;

export type UserIdOf = (accessToken: string, trace?: UpstreamTrace) => Promise<string>;

/** An access token Spotify did not take (RFC 6750's `invalid_token`), or none given. */
export function invalidToken(description: string): OAuthError {
  return new OAuthError(401, 'invalid_token', description, 'access_token_refused', {
    'www-authenticate': 'Bearer error="invalid_token"',
  });
}

/** Who an access token belongs to, asked of `<apiUrl>/v1/me` through `fetchImpl` within `timeoutMs`. Not retried. */
export function webApiClient(apiUrl: string, fetchImpl: typeof fetch, timeoutMs: number): UserIdOf {
  const meUrl = `${apiUrl}/v1/me`;
  return async function userIdOf(accessToken, trace) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let status: number;
    let body: string | undefined;
    let retryAfter: string | null;
    try {
      if (trace !== undefined) trace.attempts += 1;
      const response = await fetchImpl(meUrl, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        signal: controller.signal,
        redirect: 'manual',
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      body = await readCapped(response.body, MAX_PROFILE_BYTES);
    } catch {
      if (controller.signal.aborted) {
        throw new OAuthError(
          504,
          'gateway_timeout',
          `Spotify did not answer within ${timeoutMs} ms`,
          'spotify_timeout',
        );
      }
      throw badGateway('Spotify could not be reached', 'spotify_unreachable');
    } finally {
      clearTimeout(timer);
    }
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

function profileId(body: string | undefined): string | undefined {
  try {
    const profile: unknown = body === undefined ? undefined : JSON.parse(body);
    const id = isRecord(profile) ? profile.id : undefined;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}
