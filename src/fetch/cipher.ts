// The built-in AES-256-GCM refresh-token cipher on WebCrypto, for every runtime without node:crypto. It seals and
// opens exactly the format of the node:crypto one: a token sealed by either opens in the other.
import * as format from '../core/sealed-format.js';
import type { RefreshTokenCipher, RefreshTokenSession } from '../core/sealed-format.js';

/** WebCrypto's key type, named without the DOM library's types. */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

interface Key {
  id: Uint8Array;
  key: CryptoKey;
}

const utf8 = new TextEncoder();

async function deriveKey(secret: string): Promise<Key> {
  const { subtle } = crypto;
  const base = await subtle.importKey('raw', utf8.encode(secret), 'HKDF', false, ['deriveBits']);
  const derive = async (info: string, bytes: number) =>
    new Uint8Array(
      await subtle.deriveBits(
        { name: 'HKDF', hash: 'SHA-256', salt: utf8.encode(format.HKDF_SALT), info: utf8.encode(info) },
        base,
        bytes * 8,
      ),
    );
  const [id, raw] = await Promise.all([derive(format.KEY_ID_INFO, format.KEY_ID_BYTES), derive(format.KEY_INFO, 32)]);
  const key = await subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { id, key };
}

/** The bytes of a base64url text, or undefined when it is not one. */
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  let binary: string;
  try {
    binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return undefined;
  }
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/**
 * AES-256-GCM with a fresh random 96-bit IV per token and keys derived with HKDF-SHA-256 on first use, then kept.
 * The first secret seals; every secret opens, so secrets can be rotated without logging anyone out. The output is
 * URL-safe base64 with no padding. The secrets are checked here, at once; only the derivation waits.
 */
export function aesGcmCipher(secrets: string | readonly string[] | undefined): RefreshTokenCipher {
  const list = format.checkSecrets(secrets);
  // Derived on first use: some hosts (Workers) allow no crypto work while a script loads.
  let derived: Promise<readonly Key[]> | undefined;
  const keys = () => (derived ??= Promise.all(list.map(deriveKey)));
  const versions = new Set([format.VERSION, format.SESSION_VERSION]);
  // Key ids are 4 bytes: should an older secret's id equal the sealing one's, a token's id cannot tell them apart,
  // and every token is sealed afresh rather than one sealed with the older secret being kept.
  const sealingIdIsUnique = async () => {
    const [sealing, ...older] = await keys();
    return older.every(({ id }) => !sameBytes(id, sealing!.id));
  };

  async function sealBytes(version: number, plain: Uint8Array<ArrayBuffer>): Promise<string> {
    const sealing = (await keys())[0]!;
    const header = Uint8Array.of(version, ...sealing.id);
    const iv = crypto.getRandomValues(new Uint8Array(format.IV_BYTES));
    const body = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: header, tagLength: format.TAG_BYTES * 8 },
        sealing.key,
        plain,
      ),
    );
    const sealed = new Uint8Array(format.HEADER_BYTES + format.IV_BYTES + body.length);
    sealed.set(header);
    sealed.set(iv, format.HEADER_BYTES);
    sealed.set(body, format.HEADER_BYTES + format.IV_BYTES);
    return format.toBase64Url(sealed);
  }

  /** The version and plaintext of a token this cipher sealed; rejects with UnsealError for anything else. */
  async function openBytes(sealed: string): Promise<{ version: number; plain: Uint8Array }> {
    if (typeof sealed !== 'string' || !format.BASE64URL.test(sealed)) throw new format.UnsealError();
    const bytes = fromBase64Url(sealed);
    // Base64 decoding ignores the spare bits of the last character: insist on the one canonical spelling.
    if (
      bytes === undefined ||
      bytes.length < format.MIN_SEALED_BYTES ||
      !versions.has(bytes[0]!) ||
      format.toBase64Url(bytes) !== sealed
    ) {
      throw new format.UnsealError();
    }
    const header = bytes.subarray(0, format.HEADER_BYTES);
    const id = bytes.subarray(1, format.HEADER_BYTES);
    const iv = bytes.subarray(format.HEADER_BYTES, format.HEADER_BYTES + format.IV_BYTES);
    const body = bytes.subarray(format.HEADER_BYTES + format.IV_BYTES);
    for (const key of await keys()) {
      if (!sameBytes(key.id, id)) continue;
      try {
        const plain = new Uint8Array(
          await crypto.subtle.decrypt(
            { name: 'AES-GCM', iv, additionalData: header, tagLength: format.TAG_BYTES * 8 },
            key.key,
            body,
          ),
        );
        if (bytes[0] === format.SESSION_VERSION && plain.length < format.LOGIN_AT_BYTES) break;
        return { version: bytes[0]!, plain };
      } catch {
        // A key id is 4 bytes, so two secrets may share one: try the next key before giving up.
      }
    }
    throw new format.UnsealError();
  }

  async function open(sealed: string): Promise<RefreshTokenSession> {
    const { version, plain } = await openBytes(sealed);
    return version === format.SESSION_VERSION
      ? format.unpackSession(plain)
      : { refreshToken: new TextDecoder().decode(plain) };
  }

  return Object.freeze({
    encrypt: (refreshToken: string): Promise<string> => sealBytes(format.VERSION, utf8.encode(refreshToken)),
    decrypt: async (sealed: string): Promise<string> => (await open(sealed)).refreshToken,
    seal: ({ refreshToken, loginAt }: RefreshTokenSession): Promise<string> =>
      loginAt === undefined
        ? sealBytes(format.VERSION, utf8.encode(refreshToken))
        : sealBytes(format.SESSION_VERSION, format.packSession(refreshToken, loginAt)),
    open,

    async isCurrent(sealed: string): Promise<boolean> {
      // The first 8 characters of base64url hold the first 6 bytes: version, key id, and one byte of IV.
      const start = fromBase64Url(sealed.slice(0, 8));
      const sealing = (await keys())[0]!;
      return (
        (await sealingIdIsUnique()) &&
        start !== undefined &&
        start.length > format.HEADER_BYTES &&
        versions.has(start[0]!) &&
        sameBytes(start.subarray(1, format.HEADER_BYTES), sealing.id)
      );
    },
  });
}
