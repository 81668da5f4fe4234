// The built-in AES-256-GCM refresh-token cipher on node:crypto; its format is shared with the WebCrypto one.
import { createCipheriv, createDecipheriv, hkdfSync, randomFillSync, timingSafeEqual } from 'node:crypto';
import {
  BASE64URL,
  HEADER_BYTES,
  HKDF_SALT,
  IV_BYTES,
  KEY_ID_BYTES,
  KEY_ID_INFO,
  KEY_INFO,
  MIN_SEALED_BYTES,
  TAG_BYTES,
  LOGIN_AT_BYTES,
  SESSION_VERSION,
  UnsealError,
  VERSION,
  checkSecrets,
  packSession,
  unpackSession,
  type RefreshTokenCipher,
  type RefreshTokenSession,
} from '../core/sealed-format.js';

export { plaintextRefreshTokens, type RefreshTokenCipher, type RefreshTokenSession } from '../core/sealed-format.js';

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
  return { id: derive(KEY_ID_INFO, KEY_ID_BYTES), key: derive(KEY_INFO, 32) };
}

/**
 * AES-256-GCM with a fresh random 96-bit IV per token and keys derived once, here, with HKDF-SHA-256.
 * The first secret seals; every secret opens, so secrets can be rotated without logging anyone out.
 * The output is URL-safe base64 with no padding: it survives query strings, form bodies and copy-paste.
 */
export function aesGcmCipher(secrets: string | readonly string[] | undefined): RefreshTokenCipher {
  const keys = checkSecrets(secrets).map(deriveKey);
  const sealing = keys[0]!;
  const headers = new Map(
    [VERSION, SESSION_VERSION].map((version) => [version, Buffer.from([version, ...sealing.id])]),
  );
  // Key ids are 4 bytes: should an older secret's id equal the sealing one's, a token's id cannot tell them apart,
  // and every token is sealed afresh rather than one sealed with the older secret being kept.
  const sealingIdIsUnique = keys.slice(1).every(({ id }) => !id.equals(sealing.id));

  function sealBytes(version: number, plain: Uint8Array): string {
    const header = headers.get(version)!;
    const iv = freshIv();
    const cipher = createCipheriv('aes-256-gcm', sealing.key, iv);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The version and plaintext of a token this cipher sealed; throws UnsealError for anything else. */
  function openBytes(sealed: string): { version: number; plain: Buffer } {
    if (typeof sealed !== 'string' || !BASE64URL.test(sealed)) throw new UnsealError();
    const bytes = Buffer.from(sealed, 'base64url');
    // Base64 decoding ignores the spare bits of the last character: insist on the one canonical spelling.
    if (bytes.length < MIN_SEALED_BYTES || !headers.has(bytes[0]!) || bytes.toString('base64url') !== sealed) {
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
        const plain = Buffer.concat([decipher.update(body), decipher.final()]);
        if (bytes[0] === SESSION_VERSION && plain.length < LOGIN_AT_BYTES) break;
        return { version: bytes[0]!, plain };
      } catch {
        // A key id is 4 bytes, so two secrets may share one: try the next key before giving up.
      }
    }
    throw new UnsealError();
  }

  function open(sealed: string): RefreshTokenSession {
    const { version, plain } = openBytes(sealed);
    return version === SESSION_VERSION ? unpackSession(plain) : { refreshToken: plain.toString('utf8') };
  }

  return Object.freeze({
    encrypt: (refreshToken: string): string => sealBytes(VERSION, Buffer.from(refreshToken, 'utf8')),
    decrypt: (sealed: string): string => open(sealed).refreshToken,
    seal: ({ refreshToken, loginAt }: RefreshTokenSession): string =>
      loginAt === undefined
        ? sealBytes(VERSION, Buffer.from(refreshToken, 'utf8'))
        : sealBytes(SESSION_VERSION, packSession(refreshToken, loginAt)),
    open,
    isCurrent(sealed: string): boolean {
      // The first 8 characters of base64url hold the first 6 bytes: version, key id, and one byte of IV.
      const start = Buffer.from(sealed.slice(0, 8), 'base64url');
      const header = headers.get(start[0]!);
      return (
        sealingIdIsUnique &&
        header !== undefined &&
        start.length > HEADER_BYTES &&
        start.subarray(0, HEADER_BYTES).equals(header)
      );
    },
  });
}
