// Calling the refresh-token cipher hook: a token that fails to open is invalid_grant, a failure to seal is server_error.
import type { RefreshTokenCipher } from '../sealed-format.js';
import { invalidGrant, serverError, type OAuthError } from '../errors.js';

/** One call of the cipher: a throw is `failed()`, and anything but a non-empty string is `empty()`. */
async function cipherCall(call: () => unknown, failed: () => OAuthError, empty: () => OAuthError): Promise<string> {
  let result: unknown;
  try {
    result = await call();
  } catch {
    throw failed();
  }
  if (typeof result !== 'string' || result === '') throw empty();
  return result;
}

const notSealed = () => serverError('The refresh token could not be sealed', 'cipher_failed');

export function sealRefreshToken(cipher: RefreshTokenCipher, refreshToken: string): Promise<string> {
  return cipherCall(() => cipher.encrypt(refreshToken), notSealed, notSealed);
}

/** Answered without calling Spotify: a token this server cannot open was never one it handed out. */
export function openRefreshToken(cipher: RefreshTokenCipher, sealed: string): Promise<string> {
  return cipherCall(
    () => cipher.decrypt(sealed),
    () => invalidGrant('The refresh token is not one this server issued', 'sealed_token_invalid'),
    () => serverError('The refresh token cipher returned no token', 'cipher_failed'),
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
