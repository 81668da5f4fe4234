// The refresh-token cipher hook's shape, the plaintext opt-out, and what both built-in ciphers share: the sealed
// format, the key derivation's parameters and the checks of the secrets.

/**
 * Seals refresh tokens before they leave the server and opens them when they come back.
 * Either method may return a promise (a KMS call, say). `decrypt` throws or rejects when its input is not genuine:
 * answered `400 invalid_grant`, and the app logs its user out. A failure that is only for a moment (a KMS that did
 * not answer) throws an error with `retryable: true` instead, and optionally `retryAfterSeconds`: answered
 * `503 temporarily_unavailable` with that Retry-After (5 s by default), and the app keeps its token. A swap's
 * `encrypt` cannot be retried (its code is spent): it is a 500 either way.
 */
export interface RefreshTokenCipher {
  encrypt(refreshToken: string): string | Promise<string>;
  decrypt(sealed: string): string | Promise<string>;
  /**
   * Optional: whether a token `decrypt` just opened is sealed the way `encrypt` seals now. When it answers false,
   * a refresh that Spotify did not rotate hands the token back sealed afresh, so that an old key can be retired
   * without logging anyone out. Without it, the token goes back exactly as the client sent it.
   */
  isCurrent?(sealed: string): boolean | Promise<boolean>;
  /**
   * Optional, with `open`: seals a refresh token with the time of the login it belongs to. A cipher that has both
   * lets every answer say when the login ends (`refresh_token_expires_in`); the built-in ones do.
   */
  seal?(session: RefreshTokenSession): string | Promise<string>;
  /** Optional, with `seal`: opens what either method sealed; `loginAt` is absent when it was not sealed with one. */
  open?(sealed: string): RefreshTokenSession | Promise<RefreshTokenSession>;
}

/** A refresh token and, when known, when its user logged in (ms since the epoch). */
export interface RefreshTokenSession {
  refreshToken: string;
  loginAt?: number | undefined;
}

/** The loud opt-out: refresh tokens leave the server as Spotify issued them. */
export const plaintextRefreshTokens: RefreshTokenCipher = Object.freeze({
  encrypt: (refreshToken: string) => refreshToken,
  decrypt: (sealed: string) => sealed,
});

export const MIN_SECRET_LENGTH = 32;
const MIN_DISTINCT_CHARACTERS = 8;

// Layout of a sealed token before base64url: version | key id | IV | ciphertext | GCM tag.
// The version and key id are authenticated as associated data, so neither can be swapped. Version 1 seals the token
// alone; version 2 seals the login's time (whole seconds, 6 bytes, big-endian) before it.
export const VERSION = 1;
export const SESSION_VERSION = 2;
export const LOGIN_AT_BYTES = 6;
export const KEY_ID_BYTES = 4;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const HEADER_BYTES = 1 + KEY_ID_BYTES;
export const MIN_SEALED_BYTES = HEADER_BYTES + IV_BYTES + 1 + TAG_BYTES;
export const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** HKDF-SHA-256 over each secret, with this salt, and one `info` for the key id and one for the key. */
export const HKDF_SALT = 'spotify-token-swap';
export const KEY_ID_INFO = 'refresh-token key id v1';
export const KEY_INFO = 'refresh-token aes-256-gcm v1';

/** Every failure to open looks the same, and says nothing of the input. */
export class UnsealError extends Error {
  override readonly name = 'UnsealError';
  constructor() {
    super('The refresh token is not one this server sealed, or it was altered');
  }
}

/**
 * The secrets given to `aesGcmCipher`, checked: at least one, each long and varied enough to be a real secret. A
 * string is an environment variable's value as it is, comma-separated (`"new, old"`); every secret is trimmed, so
 * the value a person wrote works as the standalone server reads it. `undefined` (a variable that is not set) is named
 * as such.
 */
export function checkSecrets(secrets: unknown): readonly string[] {
  const generate = `(generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))")`;
  if (secrets === undefined) {
    throw new TypeError(
      'aesGcmCipher(secrets) was given undefined: set the variable it reads (TOKEN_ENCRYPTION_SECRETS in the ' +
        "recipes) where this runs: in .dev.vars for `wrangler dev`, in the host's environment variables or secrets " +
        `once deployed ${generate}`,
    );
  }
  const given: unknown = typeof secrets === 'string' ? secrets.split(',') : secrets;
  const list = Array.isArray(given)
    ? given.map((secret: unknown) => (typeof secret === 'string' ? secret.trim() : secret)).filter((s) => s !== '')
    : given;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(
      'aesGcmCipher(secrets) needs a secret, a comma-separated list of them, or an array, the sealing one first',
    );
  }
  list.forEach((secret: unknown, index) => {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new TypeError(
        `aesGcmCipher: secret #${index + 1} must be a string of at least ${MIN_SECRET_LENGTH} characters ${generate}`,
      );
    }
    // A placeholder such as 32 x's or "abababab…" is long enough but no secret.
    if (new Set(secret).size < MIN_DISTINCT_CHARACTERS) {
      throw new TypeError(
        `aesGcmCipher: secret #${index + 1} has fewer than ${MIN_DISTINCT_CHARACTERS} different characters: ` +
          `use a random one ${generate}`,
      );
    }
  });
  return list as string[];
}

/** The plaintext of a version-2 token: the login's time in whole seconds, then the token in UTF-8. */
export function packSession(refreshToken: string, loginAt: number): Uint8Array<ArrayBuffer> {
  const token = new TextEncoder().encode(refreshToken);
  const bytes = new Uint8Array(LOGIN_AT_BYTES + token.length);
  let seconds = Math.max(0, Math.floor(loginAt / 1000));
  for (let i = LOGIN_AT_BYTES - 1; i >= 0; i--) {
    bytes[i] = seconds % 256;
    seconds = Math.floor(seconds / 256);
  }
  bytes.set(token, LOGIN_AT_BYTES);
  return bytes;
}

/** A version-2 plaintext as the session it holds. */
export function unpackSession(bytes: Uint8Array): Required<RefreshTokenSession> {
  let seconds = 0;
  for (let i = 0; i < LOGIN_AT_BYTES; i++) seconds = seconds * 256 + bytes[i]!;
  return { refreshToken: new TextDecoder().decode(bytes.subarray(LOGIN_AT_BYTES)), loginAt: seconds * 1000 };
}

/** Bytes as base64url without padding, in plain JavaScript so every runtime has it. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
