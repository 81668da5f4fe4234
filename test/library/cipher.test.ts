// aesGcmCipher: round trips, URL-safe output, key rotation, and every altered, truncated or foreign token refused alike.
import { aesGcmCipher as asyncTyped, plaintextRefreshTokens } from '../../src/index.js';

/** The built-in cipher is synchronous, though typed as any cipher may be. */
const aesGcmCipher = (secrets: string | string[]) =>
  asyncTyped(secrets) as {
    encrypt(token: string): string;
    decrypt(sealed: string): string;
    isCurrent(sealed: string): boolean;
  };

const A = 'first-secret-that-is-32-chars-ok!';
const B = 'second-secret-that-is-32-chars-ok';
const TOKEN = 'AQD-spotify-refresh-token_value.with/odd+chars=';

function refused(open: () => unknown): Error {
  try {
    open();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the token opened');
}

describe('aesGcmCipher', () => {
  const cipher = aesGcmCipher([A, B]);

  it('opens what it seals', () => {
    expect(cipher.decrypt(cipher.encrypt(TOKEN))).toBe(TOKEN);
    expect(cipher.decrypt(cipher.encrypt('ü ✓ 😀'))).toBe('ü ✓ 😀');
  });

  it('seals the same token differently each time (random IV) and never contains it', () => {
    const one = cipher.encrypt(TOKEN);
    const two = cipher.encrypt(TOKEN);
    expect(one).not.toBe(two);
    expect(one).not.toContain('spotify-refresh-token');
  });

  it('writes URL-safe base64 only: nothing a query string or form body would mangle', () => {
    for (let i = 0; i < 50; i++) expect(cipher.encrypt(TOKEN + i)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('says a token is current only when the sealing secret sealed it', () => {
    expect(cipher.isCurrent(cipher.encrypt(TOKEN))).toBe(true);
    expect(cipher.isCurrent(aesGcmCipher(B).encrypt(TOKEN))).toBe(false);
    expect(aesGcmCipher([B, A]).isCurrent(cipher.encrypt(TOKEN))).toBe(false);
  });

  it('seals with the first secret and opens with any: rotation keeps users logged in', () => {
    const old = aesGcmCipher(B).encrypt(TOKEN);
    expect(cipher.decrypt(old)).toBe(TOKEN);
    const fresh = cipher.encrypt(TOKEN);
    expect(aesGcmCipher(A).decrypt(fresh)).toBe(TOKEN);
    expect(() => aesGcmCipher(B).decrypt(fresh)).toThrow();
  });

  it('refuses a token sealed under a secret it does not hold', () => {
    const foreign = aesGcmCipher('third-secret-that-is-32-chars-ok!').encrypt(TOKEN);
    expect(() => cipher.decrypt(foreign)).toThrow();
  });

  it('refuses every single-character change, every truncation and every extension the same way', () => {
    const sealed = cipher.encrypt(TOKEN);
    const messages = new Set<string>();
    const alphabet = 'ABab09_-';
    for (let i = 0; i < sealed.length; i++) {
      for (const c of alphabet) {
        if (c === sealed[i]) continue;
        messages.add(refused(() => cipher.decrypt(sealed.slice(0, i) + c + sealed.slice(i + 1))).message);
      }
    }
    for (let n = 0; n < sealed.length; n++) messages.add(refused(() => cipher.decrypt(sealed.slice(0, n))).message);
    messages.add(refused(() => cipher.decrypt(`${sealed}A`)).message);
    messages.add(refused(() => cipher.decrypt(`${sealed}==`)).message);
    messages.add(refused(() => cipher.decrypt(sealed.replace(/-/g, '+').replace(/_/g, '/') + '+')).message);
    expect([...messages]).toHaveLength(1);
    expect([...messages][0]).not.toContain(sealed.slice(0, 8));
  });

  it('refuses non-strings and plain tokens', () => {
    expect(() => cipher.decrypt(TOKEN)).toThrow();
    expect(() => cipher.decrypt(undefined as unknown as string)).toThrow();
  });

  it.each([
    ['a short secret', 'too-short'],
    ['an empty list', []],
    ['a short second secret', [A, 'short']],
    ['a non-string', [A, 42]],
  ])('refuses %s at construction, naming the rule', (_name, secrets) => {
    expect(() => aesGcmCipher(secrets as string[])).toThrow(TypeError);
    expect(() => aesGcmCipher(secrets as string[])).toThrow(/32 characters|needs a secret/);
  });

  it.each([
    ['one character repeated', 'x'.repeat(40)],
    ['two characters alternating', 'ab'.repeat(20)],
    ['seven different characters', 'abcdefg'.repeat(6)],
  ])('refuses a placeholder: %s', (_name, secret) => {
    expect(() => aesGcmCipher(secret)).toThrow(/different characters/);
    expect(() => aesGcmCipher([A, secret])).toThrow(/secret #2/);
  });

  it('takes a secret of eight different characters', () => {
    expect(() => aesGcmCipher('abcdefgh'.repeat(4))).not.toThrow();
  });

  it('does not echo a refused secret', () => {
    expect(() => aesGcmCipher('my-short-secret')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('my-short-secret') }),
    );
  });
});

describe('plaintextRefreshTokens', () => {
  it('hands tokens through unchanged', () => {
    expect(plaintextRefreshTokens.encrypt(TOKEN)).toBe(TOKEN);
    expect(plaintextRefreshTokens.decrypt(TOKEN)).toBe(TOKEN);
  });
});
