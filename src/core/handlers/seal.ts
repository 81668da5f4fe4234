// Calling the refresh-token cipher hook: a token that fails to open is invalid_grant, a failure to seal is server_error,
// and a cipher that says its failure is for a moment (a KMS that did not answer) gets a 503 the client retries.
import type { RefreshTokenCipher } from '../sealed-format.js';
import { DEFAULT_RETRY_AFTER_SECONDS, OAuthError, invalidGrant, retryAfterSeconds, serverError } from '../errors.js';

/** Whether a cipher's error says it is for a moment: `retryable: true` on what it threw. */
function retryable(thrown: unknown): thrown is { retryable: true; retryAfterSeconds?: unknown } {
  return typeof thrown === 'object' && thrown !== null && (thrown as { retryable?: unknown }).retryable === true;
}

/** A cipher that cannot answer now: retried by the client after its own `retryAfterSeconds`, or five seconds. */
function cipherUnavailable(thrown: { retryAfterSeconds?: unknown }): OAuthError {
  const given = typeof thrown.retryAfterSeconds === 'number' ? retryAfterSeconds(thrown.retryAfterSeconds) : undefined;
  return new OAuthError(
    503,
    'temporarily_unavailable',
    'The refresh token cannot be read or sealed right now: retry later',
    'cipher_unavailable',
    { 'retry-after': String(given ?? DEFAULT_RETRY_AFTER_SECONDS) },
  );
}

/**
 * One call of the cipher: a throw is `failed()` (or, when `retry` and the error is retryable, a 503), and anything
 * but a non-empty string is `empty()`.
 */
async function cipherCall(
  call: () => unknown,
  failed: () => OAuthError,
  empty: () => OAuthError,
  retry: boolean,
): Promise<string> {
  let result: unknown;
  try {
    result = await call();
  } catch (thrown) {
    throw retry && retryable(thrown) ? cipherUnavailable(thrown) : failed();
  }
  if (typeof result !== 'string' || result === '') throw empty();
  return result;
}

const notSealed = () => serverError('The refresh token could not be sealed', 'cipher_failed');

/**
 * Seals a refresh token. `retry` says whether the client can retry the request: a refresh can, a swap cannot (its
 * code is spent), so a swap's failure to seal is a 500 whatever the cipher says.
 */
export function sealRefreshToken(cipher: RefreshTokenCipher, refreshToken: string, retry: boolean): Promise<string> {
  return cipherCall(() => cipher.encrypt(refreshToken), notSealed, notSealed, retry);
}

/** Answered without calling Spotify: a token this server cannot open was never one it handed out. */
export function openRefreshToken(cipher: RefreshTokenCipher, sealed: string): Promise<string> {
  return cipherCall(
    () => cipher.decrypt(sealed),
    () => invalidGrant('The refresh token is not one this server issued', 'sealed_token_invalid'),
    () => serverError('The refresh token cipher returned no token', 'cipher_failed'),
    true,
  );
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
