// Calling the refresh-token cipher hook: a token that fails to open is invalid_grant, a failure to seal is server_error,
// and a cipher that says its failure is for a moment (a KMS that did not answer) gets a 503 the client retries.
import type { RefreshTokenCipher, RefreshTokenSession } from '../sealed-format.js';
import type { OAuthError } from '../errors.js';
import { invalidGrant, serverError, temporarilyUnavailable } from '../errors.js';

/** Whether a cipher's error says it is for a moment: `retryable: true` on what it threw. */
function retryable(thrown: unknown): thrown is { retryable: true; retryAfterSeconds?: unknown } {
  return typeof thrown === 'object' && thrown !== null && (thrown as { retryable?: unknown }).retryable === true;
}

/** A cipher that cannot answer now. */
const cipherUnavailable = (thrown: unknown): OAuthError =>
  temporarilyUnavailable(
    thrown,
    'The refresh token cannot be read or sealed right now: retry later',
    'cipher_unavailable',
  );

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** What `open` gave, when it is a session: a non-empty token, and a login time that is a number if there is one. */
function sessionOf(value: unknown): RefreshTokenSession | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { refreshToken, loginAt } = value as Record<string, unknown>;
  if (!nonEmpty(refreshToken) || (loginAt !== undefined && !Number.isFinite(loginAt))) return undefined;
  return { refreshToken, loginAt: loginAt as number | undefined };
}

/**
 * One call of the cipher: a throw is `failed()` (or, when `retry` and the error is retryable, a 503), and anything
 * `read` does not take is `empty()`.
 */
async function cipherCall<T>(
  call: () => unknown,
  read: (result: unknown) => T | undefined,
  failed: () => OAuthError,
  empty: () => OAuthError,
  retry: boolean,
): Promise<T> {
  let result: unknown;
  try {
    result = await call();
  } catch (thrown) {
    throw retry && retryable(thrown) ? cipherUnavailable(thrown) : failed();
  }
  const value = read(result);
  if (value === undefined) throw empty();
  return value;
}

/** Whether the cipher keeps a login's time with its token (`seal` and `open`, as the built-in ones). */
export const keepsLoginTime = (cipher: RefreshTokenCipher): boolean =>
  cipher.seal !== undefined && cipher.open !== undefined;

const notSealed = () => serverError('The refresh token could not be sealed', 'cipher_failed');

/**
 * Seals a refresh token, with its login's time when the cipher keeps one. `retry` says whether the client can retry
 * the request: a refresh can, a swap cannot (its code is spent), so a swap's failure to seal is a 500 whatever the
 * cipher says.
 */
export function sealRefreshToken(
  cipher: RefreshTokenCipher,
  { refreshToken, loginAt }: RefreshTokenSession,
  retry: boolean,
): Promise<string> {
  const call =
    loginAt !== undefined && keepsLoginTime(cipher)
      ? () => cipher.seal!({ refreshToken, loginAt })
      : () => cipher.encrypt(refreshToken);
  return cipherCall(call, (value) => (nonEmpty(value) ? value : undefined), notSealed, notSealed, retry);
}

/** Answered without calling Spotify: a token this server cannot open was never one it handed out. */
export function openRefreshToken(cipher: RefreshTokenCipher, sealed: string): Promise<RefreshTokenSession> {
  const notIssued = () => invalidGrant('The refresh token is not one this server issued', 'sealed_token_invalid');
  const empty = () => serverError('The refresh token cipher returned no token', 'cipher_failed');
  if (keepsLoginTime(cipher)) return cipherCall(() => cipher.open!(sealed), sessionOf, notIssued, empty, true);
  return cipherCall(
    () => cipher.decrypt(sealed),
    (value) => (nonEmpty(value) ? { refreshToken: value } : undefined),
    notIssued,
    empty,
    true,
  );
}

/**
 * Spotify ends a refresh token six months after its user logged in, whatever the refreshes in between: the seconds
 * until then, from a login at `loginAt` (ms), never below zero.
 */
export function loginEndsIn(loginAt: number, now = Date.now()): number {
  return Math.max(0, Math.floor((loginEnd(loginAt) - now) / 1000));
}

/** When a login at `loginAt` ends (ms): six calendar months later, UTC. */
export function loginEnd(loginAt: number): number {
  const end = new Date(loginAt);
  end.setUTCMonth(end.getUTCMonth() + 6);
  return end.getTime();
}

/**
 * Whether a token the cipher opened can go back to the client as it came. A cipher without `isCurrent` always says
 * yes; one whose `isCurrent` fails also keeps it, since the token Spotify kept valid is still good where it is.
 */
export async function isCurrent(cipher: RefreshTokenCipher, sealed: string): Promise<boolean> {
  if (cipher.isCurrent === undefined) return true;
  try {
    return (await cipher.isCurrent(sealed)) !== false;
  } catch {
    return true;
  }
}
