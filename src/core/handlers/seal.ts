// Calling the refresh-token cipher hook: a token that fails to open is invalid_grant, a failure to seal is server_error.
import type { RefreshTokenCipher } from '../sealed-format.js';
import { invalidGrant, serverError } from '../errors.js';

export async function sealRefreshToken(cipher: RefreshTokenCipher, refreshToken: string): Promise<string> {
  let sealed: unknown;
  try {
    sealed = await cipher.encrypt(refreshToken);
  } catch {
    throw serverError('The refresh token could not be sealed', 'cipher_failed');
  }
  if (typeof sealed !== 'string' || sealed === '')
    throw serverError('The refresh token could not be sealed', 'cipher_failed');
  return sealed;
}

/** Answered without calling Spotify: a token this server cannot open was never one it handed out. */
export async function openRefreshToken(cipher: RefreshTokenCipher, sealed: string): Promise<string> {
  let refreshToken: unknown;
  try {
    refreshToken = await cipher.decrypt(sealed);
  } catch {
    throw invalidGrant('The refresh token is not one this server issued', 'sealed_token_invalid');
  }
  if (typeof refreshToken !== 'string' || refreshToken === '')
    throw serverError('The refresh token cipher returned no token', 'cipher_failed');
  return refreshToken;
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
