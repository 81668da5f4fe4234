// The WebCrypto aesGcmCipher of spotify-token-swap/fetch against the node:crypto one: one format, so a token sealed by
// either opens in the other, rotation included; the same refusals of secrets and of altered tokens.
import { aesGcmCipher as webCipher } from '../../src/fetch/index.js';
import { aesGcmCipher as nodeCipher } from '../../src/index.js';

const A = 'first-secret-that-is-32-chars-ok!';
const B = 'second-secret-that-is-32-chars-ok';
const TOKEN = 'AQD-spotify-refresh-token_value.with/odd+chars=';

async function refusal(open: () => unknown): Promise<string> {
  try {
    await open();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the token opened');
}

function thrown(construct: () => unknown): string {
  try {
    construct();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  return 'nothing thrown';
}

describe('the WebCrypto aesGcmCipher', () => {
  it('opens what it seals, and seals differently each time in URL-safe base64', async () => {
    const cipher = webCipher([A, B]);
    const one = await cipher.encrypt(TOKEN);
    expect(await cipher.decrypt(one)).toBe(TOKEN);
    expect(await cipher.decrypt(await cipher.encrypt('ü ✓ 😀'))).toBe('ü ✓ 😀');
    expect(await cipher.encrypt(TOKEN)).not.toBe(one);
    expect(one).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('writes the same version and key id as the Node cipher', async () => {
    const web = await webCipher(A).encrypt(TOKEN);
    const node = await nodeCipher(A).encrypt(TOKEN);
    // 5 bytes of header: the first 6 base64url characters hold them whole.
    expect(web.slice(0, 6)).toBe(node.slice(0, 6));
    expect(web.length).toBe(node.length);
  });

  it('opens what the Node cipher seals and the other way round, with either secret of a rotation', async () => {
    for (const [seal, open] of [
      [nodeCipher, webCipher],
      [webCipher, nodeCipher],
    ] as const) {
      const current = await seal([A, B]).encrypt(TOKEN);
      const retired = await seal(B).encrypt(TOKEN);
      expect(await open([A, B]).decrypt(current)).toBe(TOKEN);
      expect(await open([A, B]).decrypt(retired)).toBe(TOKEN);
      expect(await open(A).decrypt(current)).toBe(TOKEN);
      expect(await refusal(() => open(B).decrypt(current))).toMatch(/not one this server sealed/);
    }
  });

  it('says a token is current exactly when the Node cipher does', async () => {
    const tokens = [await nodeCipher(A).encrypt(TOKEN), await webCipher(B).encrypt(TOKEN), 'short'];
    for (const secrets of [[A, B], [B, A], [A]]) {
      for (const token of tokens) {
        expect(await webCipher(secrets).isCurrent!(token)).toBe(await nodeCipher(secrets).isCurrent!(token));
      }
    }
  });

  it('refuses every single-character change, truncation and extension the same way, saying nothing of it', async () => {
    const cipher = webCipher([A, B]);
    const sealed = await cipher.encrypt(TOKEN);
    const altered = new Set<string>();
    for (let i = 0; i < sealed.length; i++) {
      for (const c of 'Ab9_-') if (c !== sealed[i]) altered.add(sealed.slice(0, i) + c + sealed.slice(i + 1));
    }
    for (let n = 0; n < sealed.length; n++) altered.add(sealed.slice(0, n));
    for (const extra of ['A', '==', '+']) altered.add(sealed + extra);
    altered.add(TOKEN);
    const messages = new Set(await Promise.all([...altered].map((token) => refusal(() => cipher.decrypt(token)))));
    expect([...messages]).toEqual(['The refresh token is not one this server sealed, or it was altered']);
    await expect(cipher.decrypt(undefined as unknown as string)).rejects.toThrow();
  });

  it.each([
    ['a short secret', 'too-short'],
    ['an empty list', []],
    ['a short second secret', [A, 'short']],
    ['a non-string', [A, 42]],
    ['a placeholder', 'x'.repeat(40)],
    ['a placeholder second', [A, 'ab'.repeat(20)]],
    ['undefined (an unset variable)', undefined],
  ])('refuses %s at construction exactly as the Node cipher does', (_name, secrets) => {
    const message = thrown(() => webCipher(secrets as string[]));
    expect(message).toMatch(/^TypeError: aesGcmCipher/);
    expect(message).toBe(thrown(() => nodeCipher(secrets as string[])));
  });

  it('names an unset environment variable, and what to set where, when given undefined', () => {
    for (const cipher of [webCipher, nodeCipher]) {
      expect(() => cipher(undefined)).toThrow(/given undefined: set the variable it reads \(TOKEN_ENCRYPTION_SECRETS/);
      expect(() => cipher(undefined)).toThrow(/\.dev\.vars for `wrangler dev`/);
    }
  });

  it.each([',', ' , ', ''])('refuses a value that holds no secret: %j', (value) => {
    const message = thrown(() => webCipher(value));
    expect(message).toMatch(/needs a secret, a comma-separated list of them, or an array/);
    expect(message).toBe(thrown(() => nodeCipher(value)));
  });
});

// Issue 28: the standalone server trimmed "new, old" and the recipes split it bare, so after a rotation a token sealed
// with the old secret stopped opening on the recipes' hosts. Now the value goes in as it is, in both ciphers.
describe("a variable's value as it is: comma-separated, each secret trimmed", () => {
  it.each([
    ['new, old', `${A}, ${B}`],
    ['new ,old with a trailing comma and newline', ` ${A} ,${B},\n`],
    ['an array with spaces', [` ${A}`, `${B} `]],
  ])('%s: opens a token sealed with the second secret, and seals with the first', async (_name, value) => {
    for (const cipher of [webCipher, nodeCipher]) {
      const sealedOld = await nodeCipher(B).encrypt('old-token-value');
      const both = cipher(value);
      expect(await both.decrypt(sealedOld)).toBe('old-token-value');
      const fresh = await both.encrypt('new-token-value');
      expect(await nodeCipher(A).decrypt(fresh)).toBe('new-token-value');
    }
  });
});

// Issue 27: a sealed token carries its login's time (format version 2), so that every answer can say when the login
// ends. Tokens of version 1 still open, with no login time.
describe('the login time in a sealed token (format version 2)', () => {
  const LOGIN_AT = Date.UTC(2026, 6, 1, 12, 30, 45, 678);
  const ciphers = [
    ['node:crypto', nodeCipher],
    ['WebCrypto', webCipher],
  ] as const;

  it.each(ciphers)(
    '%s: seal and open carry the login time, in whole seconds, and either cipher opens the other',
    async (_name, make) => {
      const [sealer, other] = [make([A, B]), (make === nodeCipher ? webCipher : nodeCipher)([A, B])];
      const sealed = await sealer.seal!({ refreshToken: 'token-ü-value', loginAt: LOGIN_AT });
      const expected = { refreshToken: 'token-ü-value', loginAt: Math.floor(LOGIN_AT / 1000) * 1000 };
      expect(await sealer.open!(sealed)).toEqual(expected);
      expect(await other.open!(sealed)).toEqual(expected);
      // decrypt gives the token alone, whichever version; a version-2 token sealed with the current key is current.
      expect(await other.decrypt(sealed)).toBe('token-ü-value');
      expect(await other.isCurrent!(sealed)).toBe(true);
      expect(await make([B, A]).isCurrent!(sealed)).toBe(false);
    },
  );

  it.each(ciphers)(
    '%s: opens a version-1 token with no login time, and seals one when none is given',
    async (_name, make) => {
      const cipher = make(A);
      const old = await cipher.encrypt('old-token-value');
      expect(await cipher.open!(old)).toEqual({ refreshToken: 'old-token-value' });
      const without = await cipher.seal!({ refreshToken: 'old-token-value' });
      expect(Buffer.from(without, 'base64url')[0]).toBe(1);
      expect(Buffer.from(await cipher.seal!({ refreshToken: 'x', loginAt: LOGIN_AT }), 'base64url')[0]).toBe(2);
    },
  );

  it.each(ciphers)(
    '%s: refuses a version-2 token whose version byte was changed, as every altered token',
    async (_name, make) => {
      const cipher = make(A);
      const bytes = Buffer.from(await cipher.seal!({ refreshToken: 'token-value', loginAt: LOGIN_AT }), 'base64url');
      bytes[0] = 1;
      await expect(Promise.resolve().then(() => cipher.open!(bytes.toString('base64url')))).rejects.toThrow(
        'The refresh token is not one this server sealed, or it was altered',
      );
    },
  );
});
