// The refresh-token cipher hook: the built-in AES-256-GCM cipher, the plaintext opt-out, and the shape check.
import { createCipheriv, createDecipheriv, hkdfSync, randomFillSync, timingSafeEqual } from 'node:crypto';

/**
 * Seals refresh tokens before they leave the server and opens them when they come back.
 * Either method may return a promise (a KMS call, say). `decrypt` throws or rejects when its input is not genuine.
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
}

/** The loud opt-out: refresh tokens leave the server as Spotify issued them. */
export const plaintextRefreshTokens: RefreshTokenCipher = Object.freeze({
  encrypt: (refreshToken: string) => refreshToken,
  decrypt: (sealed: string) => sealed,
});

export const MIN_SECRET_LENGTH = 32;
const MIN_DISTINCT_CHARACTERS = 8;

// Layout of a sealed token before base64url: version | key id | IV | ciphertext | GCM tag.
// The version and key id are authenticated as associated data, so neither can be swapped.
const VERSION = 1;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
const MIN_SEALED_BYTES = HEADER_BYTES + IV_BYTES + 1 + TAG_BYTES;
const HKDF_SALT = 'spotify-token-swap';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * IVs are cut from a buffer of random bytes filled 128 IVs at a time: one call into OpenSSL's generator for every
 * 128 seals instead of one each. No byte is handed out twice; a fresh buffer replaces a used-up one.
 */
const IV_POOL_BYTES = IV_BYTES * 128;
let ivPool = Buffer.alloc(0);
let ivOffset = 0;

function freshIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomFillSync(Buffer.allocUnsafe(IV_POOL_BYTES));
    ivOffset = 0;
  }
  ivOffset += IV_BYTES;
  return ivPool.subarray(ivOffset - IV_BYTES, ivOffset);
}

interface Key {
  id: Buffer;
  key: Buffer;
}

function deriveKey(secret: string): Key {
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, info, length));
  return { id: derive('refresh-token key id v1', KEY_ID_BYTES), key: derive('refresh-token aes-256-gcm v1', 32) };
}

/** Every failure to open looks the same, and says nothing of the input. */
class UnsealError extends Error {
  override readonly name = 'UnsealError';
  constructor() {
    super('The refresh token is not one this server sealed, or it was altered');
  }
}

/**
 * AES-256-GCM with a fresh random 96-bit IV per token and keys derived once, here, with HKDF-SHA-256.
 * The first secret seals; every secret opens, so secrets can be rotated without logging anyone out.
 * The output is URL-safe base64 with no padding: it survives query strings, form bodies and copy-paste.
 */
export function aesGcmCipher(secrets: string | readonly string[]): RefreshTokenCipher {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError('aesGcmCipher(secrets) needs a secret or a non-empty array of secrets, the sealing one first');
  }
  const generate = `(generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))")`;
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
  const keys = list.map(deriveKey);
  const sealing = keys[0]!;
  const header = Buffer.from([VERSION, ...sealing.id]);
  // Key ids are 4 bytes: should an older secret's id equal the sealing one's, a token's id cannot tell them apart,
  // and every token is sealed afresh rather than one sealed with the older secret being kept.
  const sealingIdIsUnique = keys.slice(1).every(({ id }) => !id.equals(sealing.id));

  return Object.freeze({
    encrypt(refreshToken: string): string {
      const iv = freshIv();
      const cipher = createCipheriv('aes-256-gcm', sealing.key, iv);
      cipher.setAAD(header);
      const body = Buffer.concat([cipher.update(refreshToken, 'utf8'), cipher.final()]);
      return Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64url');
    },

    decrypt(sealed: string): string {
      if (typeof sealed !== 'string' || !BASE64URL.test(sealed)) throw new UnsealError();
      const bytes = Buffer.from(sealed, 'base64url');
      // Base64 decoding ignores the spare bits of the last character: insist on the one canonical spelling.
      if (bytes.length < MIN_SEALED_BYTES || bytes[0] !== VERSION || bytes.toString('base64url') !== sealed) {
        throw new UnsealError();
      }
      const id = bytes.subarray(1, HEADER_BYTES);
      const iv = bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
      const body = bytes.subarray(HEADER_BYTES + IV_BYTES, bytes.length - TAG_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      for (const { id: keyId, key } of keys) {
        if (!timingSafeEqual(keyId, id)) continue;
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
          decipher.setAAD(bytes.subarray(0, HEADER_BYTES));
          decipher.setAuthTag(tag);
          return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
        } catch {
          // A key id is 4 bytes, so two secrets may share one: try the next key before giving up.
        }
      }
      throw new UnsealError();
    },

    isCurrent(sealed: string): boolean {
      // The first 8 characters of base64url hold the first 6 bytes: version, key id, and one byte of IV.
      const start = Buffer.from(sealed.slice(0, 8), 'base64url');
      return sealingIdIsUnique && start.length > HEADER_BYTES && start.subarray(0, HEADER_BYTES).equals(header);
    },
  });
}
