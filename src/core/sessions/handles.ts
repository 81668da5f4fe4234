// Refresh handles: what one looks like, how one is made (256 random bits), and the key a store keeps it under (its
// SHA-256), in WebCrypto so that every runtime has it.
import { toBase64Url } from '../sealed-format.js';

const PREFIX = 'rh_';
/** `rh_` and 43 base64url characters: 32 random bytes. A sealed token is longer and never starts so. */
const HANDLE = /^rh_[A-Za-z0-9_-]{43}$/;

export const isHandle = (value: string): boolean => HANDLE.test(value);

export function newHandle(): string {
  return PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** What a store keeps a handle under: its SHA-256, base64url. A handle is random, so no salt is needed. */
export async function handleKey(handle: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(handle))));
}
