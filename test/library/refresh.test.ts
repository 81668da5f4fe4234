// POST /refresh: opening the sealed token, rotation, the token sent back when Spotify keeps it, and refusals.
import {
  TokenSwapOptionError,
  aesGcmCipher,
  plaintextRefreshTokens,
  tokenSwap,
  type RefreshTokenCipher,
} from '../../src/index.js';
import { SECRETS, startHarness, trackingCipher, type Harness } from '../helpers/harness.js';
import { remember } from '../helpers/secrets.js';

const openSealed = (sealed: string) => aesGcmCipher(SECRETS).decrypt(sealed);

describe('POST /refresh', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('opens the sealed token, refreshes it with Spotify, and answers the documented JSON (form body)', async () => {
    const { plain, sealed } = await h.sealedRefreshToken();
    const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Object.keys(res.body)).toEqual(['access_token', 'token_type', 'scope', 'expires_in', 'refresh_token']);
    // Sealed by encrypt alone (h.sealedRefreshToken), so with no login time: the field is left out.
    expect(res.body.token_type).toBe('Bearer');
    expect(Number.isInteger(res.body.expires_in)).toBe(true);
    expect(h.spotify.requests[0]?.form).toEqual({ grant_type: 'refresh_token', refresh_token: plain });
  });

  it('accepts a JSON body', async () => {
    const { sealed } = await h.sealedRefreshToken();
    const res = await h.http.post('/spotify/refresh').send({ refresh_token: sealed });
    expect(res.status).toBe(200);
  });

  it('sends back the very token the client sent when Spotify does not rotate it', async () => {
    const { sealed } = await h.sealedRefreshToken();
    const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
    expect(res.body.refresh_token).toBe(sealed);
  });

  it('answers 400 invalid_grant without calling Spotify for a token it cannot open', async () => {
    const { sealed } = await h.sealedRefreshToken();
    const tampered = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
    for (const token of [
      tampered,
      sealed.slice(0, -4),
      'not-a-sealed-token',
      aesGcmCipher('a-foreign-secret-nobody-configured-here').encrypt('t'),
    ]) {
      const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: token });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
    }
    expect(h.spotify.requests).toHaveLength(0);
  });

  it.each(['null', '(null)', 'nil', 'undefined'])(
    'answers a refresh_token of %s (an app that lost its token) with invalid_grant, without calling Spotify',
    async (token) => {
      const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: token });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: expect.stringContaining('log in again') });
      expect(h.spotify.requests).toHaveLength(0);
    },
  );

  it("passes through Spotify's invalid_grant for a revoked token", async () => {
    const { plain, sealed } = await h.sealedRefreshToken();
    h.spotify.revoke(plain);
    const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'Refresh token revoked' });
  });

  it.each([
    ['missing', {}],
    ['empty', { refresh_token: '' }],
    ['a number', { refresh_token: 7 }],
  ])('answers 400 invalid_request naming refresh_token when it is %s', async (_name, body) => {
    const res = await h.http.post('/spotify/refresh').send(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('refresh_token') });
    expect(h.spotify.requests).toHaveLength(0);
  });
});

describe('POST /refresh with a rotating Spotify', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ mock: { rotateRefreshTokens: true } });
  });
  afterEach(() => h.close());

  it('seals the rotated token, and the new one works where the old one no longer does', async () => {
    const { plain, sealed } = await h.sealedRefreshToken();
    const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).not.toBe(sealed);
    const rotated = await openSealed(res.body.refresh_token);
    expect(rotated).not.toBe(plain);
    expect(rotated).not.toBe(res.body.refresh_token);
    const again = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: res.body.refresh_token });
    expect(again.status).toBe(200);
    const old = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
    expect(old.body.error).toBe('invalid_grant');
  });
});

describe('POST /refresh across a key rotation', () => {
  const [A, B] = ['rotation-test-secret-new-of-32-chars', 'rotation-test-secret-old-of-32-chars'];

  async function refreshThrough(secrets: string[], spotify: Harness['spotify'] | undefined, token: string) {
    const h = await startHarness({
      hooks: { refreshTokenCipher: trackingCipher(aesGcmCipher(secrets)) },
      ...(spotify === undefined ? {} : { accountsUrl: spotify.url }),
    });
    try {
      return await h.http.post('/spotify/refresh').type('form').send({ refresh_token: token });
    } finally {
      await h.close();
    }
  }

  it('hands back a token sealed with a retiring secret sealed with the new one, so dropping the old logs no one out', async () => {
    const h = await startHarness();
    try {
      const plain = h.spotify.issueRefreshToken();
      const sealedWithOld = await trackingCipher(aesGcmCipher(B)).encrypt(plain);
      const during = await refreshThrough([A, B], h.spotify, sealedWithOld);
      expect(during.status).toBe(200);
      expect(during.body.refresh_token).not.toBe(sealedWithOld);
      expect(await aesGcmCipher(A).decrypt(during.body.refresh_token)).toBe(plain);
      const after = await refreshThrough([A], h.spotify, during.body.refresh_token);
      expect(after.status).toBe(200);
      expect(after.body.refresh_token).toBe(during.body.refresh_token);
    } finally {
      await h.close();
    }
  });

  it('keeps the token as sent when the cipher cannot say whether it is current', async () => {
    const inner = aesGcmCipher(SECRETS);
    const unsure: RefreshTokenCipher = {
      encrypt: (token) => inner.encrypt(token),
      decrypt: (sealed) => inner.decrypt(sealed),
      isCurrent: () => Promise.reject(new Error('KMS unavailable')),
    };
    const h = await startHarness({ hooks: { refreshTokenCipher: trackingCipher(unsure) } });
    try {
      const { sealed } = await h.sealedRefreshToken();
      const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
      expect(res.status).toBe(200);
      expect(res.body.refresh_token).toBe(sealed);
    } finally {
      await h.close();
    }
  });
});

describe('POST /refresh with other ciphers', () => {
  const withCipher = async (cipher: RefreshTokenCipher, run: (h: Harness) => Promise<void>) => {
    const h = await startHarness({ hooks: { refreshTokenCipher: cipher } });
    try {
      await run(h);
    } finally {
      await h.close();
    }
  };

  it('plaintextRefreshTokens hands out and takes Spotify tokens as they are', () =>
    withCipher(plaintextRefreshTokens, async (h) => {
      const plain = h.spotify.issueRefreshToken();
      remember(plain);
      const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: plain });
      expect(res.status).toBe(200);
      expect(res.body.refresh_token).toBe(plain);
      const swap = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(h.spotify.requests.at(-1)?.answer).toBe(200);
      expect(swap.body.refresh_token).toEqual(expect.any(String));
    }));

  it('an asynchronous custom cipher is awaited both ways', () => {
    const inner = aesGcmCipher(SECRETS);
    const asyncCipher: RefreshTokenCipher = {
      encrypt: async (token) => `kms:${await inner.encrypt(token)}`,
      decrypt: async (sealed) => {
        if (!sealed.startsWith('kms:')) throw new Error('not ours');
        return inner.decrypt(sealed.slice(4));
      },
    };
    return withCipher(trackingCipher(asyncCipher), async (h) => {
      const swap = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(swap.body.refresh_token).toMatch(/^kms:/);
      const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: swap.body.refresh_token });
      expect(res.status).toBe(200);
      const foreign = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: 'plain-token-value' });
      expect(foreign.body.error).toBe('invalid_grant');
    });
  });

  it('a cipher that fails to seal gives 500 server_error with no stack and no token', () => {
    const broken: RefreshTokenCipher = {
      encrypt: (token) => {
        throw new Error(`KMS down while sealing ${token}`);
      },
      decrypt: (sealed) => sealed,
    };
    return withCipher(broken, async (h) => {
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'server_error', error_description: expect.any(String) });
      expect(res.text).not.toMatch(/KMS|at \w+ \(/);
    });
  });

  it('a cipher whose decrypt returns no string gives 500, not a call to Spotify', () =>
    withCipher({ encrypt: (t) => t, decrypt: () => undefined as unknown as string }, async (h) => {
      const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: 'whatever-token' });
      expect(res.status).toBe(500);
      expect(h.spotify.requests).toHaveLength(0);
    }));

  describe('a cipher whose failure is for a moment (retryable: true)', () => {
    const unavailable = (extra: Record<string, unknown> = {}) =>
      Object.assign(new Error('KMS did not answer'), { retryable: true, ...extra });
    const kms = (extra?: Record<string, unknown>): RefreshTokenCipher => ({
      encrypt: () => Promise.reject(unavailable(extra)),
      decrypt: () => Promise.reject(unavailable(extra)),
    });

    const events: unknown[] = [];
    const logger = { info: events.push.bind(events), warn: events.push.bind(events), error: events.push.bind(events) };

    it.each([
      ['no wait of its own', undefined, '5'],
      ['retryAfterSeconds: 30', { retryAfterSeconds: 30 }, '30'],
      ['retryAfterSeconds: Infinity', { retryAfterSeconds: Infinity }, '86400'],
    ])(
      'answers a refresh 503 temporarily_unavailable with a Retry-After (%s), never invalid_grant, and calls nobody',
      async (_name, extra, retryAfter) => {
        const h = await startHarness({ hooks: { refreshTokenCipher: kms(extra), logger } });
        try {
          const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: 'a-sealed-token' });
          expect(res.status).toBe(503);
          expect(res.headers['retry-after']).toBe(retryAfter);
          expect(res.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
          expect(res.text).not.toContain('KMS');
          expect(h.spotify.requests).toHaveLength(0);
          expect(events.at(-1)).toMatchObject({ event: 'refresh', status: 503, reason: 'cipher_unavailable' });
        } finally {
          await h.close();
        }
      },
    );

    it("answers a swap whose token it cannot seal 500 all the same: the swap's code is spent, a retry cannot work", () =>
      withCipher(kms(), async (h) => {
        const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
        expect(res.status).toBe(500);
        expect(res.body.error).toBe('server_error');
      }));

    it('answers a refresh whose rotated token it cannot seal 503: the client retries with the token it has', async () => {
      const inner = aesGcmCipher(SECRETS);
      const sealing: RefreshTokenCipher = {
        encrypt: () => Promise.reject(unavailable()),
        decrypt: (sealed) => inner.decrypt(sealed),
      };
      const h = await startHarness({ mock: { rotateRefreshTokens: true }, hooks: { refreshTokenCipher: sealing } });
      try {
        const plain = h.spotify.issueRefreshToken();
        const sealed = await inner.encrypt(plain);
        remember(plain, sealed);
        const res = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
        expect(res.status).toBe(503);
        expect(res.body.error).toBe('temporarily_unavailable');
      } finally {
        await h.close();
      }
    });
  });
});

describe('POST /refresh says when the login ends', () => {
  const DAY = 86_400_000;
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const refreshLoggedIn = async (daysAgo: number) => {
    const plain = h.spotify.issueRefreshToken();
    const sealed = await h.cipher.seal!({ refreshToken: plain, loginAt: Date.now() - daysAgo * DAY });
    remember(plain, sealed);
    return h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
  };

  it('counts six calendar months from the login, not from the last refresh', async () => {
    const res = await refreshLoggedIn(150);
    expect(res.status).toBe(200);
    // Six months are 181 to 184 days.
    expect(res.body.refresh_token_expires_in).toBeGreaterThanOrEqual(31 * 86_400 - 5);
    expect(res.body.refresh_token_expires_in).toBeLessThanOrEqual(34 * 86_400);
  });

  it('says 0 once the six months have passed, and leaves Spotify to refuse or not', async () => {
    const res = await refreshLoggedIn(200);
    expect(res.status).toBe(200);
    expect(res.body.refresh_token_expires_in).toBe(0);
  });
});

describe('a cipher without seal and open', () => {
  it('plaintextRefreshTokens: no login time to tell, so no refresh_token_expires_in', async () => {
    const h = await startHarness({ hooks: { refreshTokenCipher: plaintextRefreshTokens } });
    try {
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(200);
      expect(res.body).not.toHaveProperty('refresh_token_expires_in');
    } finally {
      await h.close();
    }
  });

  it('is refused with only one of the two', () => {
    const only = { encrypt: (t: string) => t, decrypt: (t: string) => t, seal: () => 'x' };
    const options = {
      clientId: 'id',
      clientSecret: 'secret',
      redirectUri: 'myapp://callback',
      hooks: { refreshTokenCipher: only as never },
    };
    expect(() => tokenSwap(options)).toThrow(TokenSwapOptionError);
    expect(() => tokenSwap(options)).toThrow(/seal and open must be methods given together/);
  });
});
