// createMockSpotify() on its own: it must behave as docs/CONTRACT.md §1 says Spotify does, or every other test proves nothing.
import { createHash } from 'node:crypto';
import { createMockSpotify, type MockSpotify } from '../../src/testing/index.js';
import { MAX_CODES, MAX_REFRESH_TOKENS } from '../../src/testing/token-endpoint.js';
import { MAX_ACCESS_TOKENS, webApi } from '../../src/testing/web-api.js';
import { selfSignedCertificate } from '../../bench/certificate.mjs';
import { itNeeding } from '../helpers/system.js';

let spotify: MockSpotify;
beforeEach(async () => {
  spotify = await createMockSpotify({ clientId: 'id', clientSecret: 'secret' });
});
afterEach(() => spotify.close());

const basic = (id = 'id', secret = 'secret') => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function token(form: Record<string, string>, authorization = basic()) {
  const res = await fetch(spotify.tokenUrl, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}
const json = async (form: Record<string, string>, authorization?: string) => {
  const res = await token(form, authorization);
  return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown> };
};

describe('createMockSpotify', () => {
  it('counts connections', async () => {
    await token({ grant_type: 'refresh_token', refresh_token: spotify.issueRefreshToken() });
    expect(spotify.connections.opened).toBeGreaterThanOrEqual(1);
    expect(spotify.connections.tlsHandshakes).toBe(0);
  });

  itNeeding(['openssl'], 'speaks HTTPS when given a key and certificate, and counts handshakes', async () => {
    const https = await import('node:https');
    const { key, cert } = selfSignedCertificate();
    const secure = await createMockSpotify({ tls: { key, cert } });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await new Promise<number>((resolve, reject) => {
        https
          .get(`${secure.url}/nowhere`, { ca: cert }, (res) => (res.resume(), resolve(res.statusCode ?? 0)))
          .on('error', reject);
      });
      expect(status).toBe(404);
      expect(secure.connections.tlsHandshakes).toBe(1);
    } finally {
      await secure.close();
    }
  });

  it('listens on loopback and names its URLs', () => {
    expect(spotify.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(spotify.tokenUrl).toBe(`${spotify.url}/api/token`);
  });

  it('swaps a code once, bound to its redirect URI', async () => {
    const code = spotify.issueCode({ redirectUri: 'app://cb', scope: 'streaming' });
    const ok = await json({ grant_type: 'authorization_code', code, redirect_uri: 'app://cb' });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      scope: 'streaming',
      expires_in: 3600,
      refresh_token: expect.any(String),
    });
    expect(await json({ grant_type: 'authorization_code', code, redirect_uri: 'app://cb' })).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid authorization code' },
    });
    const other = spotify.issueCode({ redirectUri: 'app://cb' });
    expect(
      (await json({ grant_type: 'authorization_code', code: other, redirect_uri: 'app://cb/' })).body.error_description,
    ).toBe('Invalid redirect URI');
  });

  it('remembers at most MAX_CODES codes and MAX_REFRESH_TOKENS refresh tokens, forgetting the oldest', async () => {
    const firstCode = spotify.issueCode({ redirectUri: 'app://cb' });
    const firstToken = spotify.issueRefreshToken();
    for (let i = 0; i < MAX_CODES; i++) spotify.issueCode({ redirectUri: 'app://cb' });
    for (let i = 0; i < MAX_REFRESH_TOKENS; i++) spotify.issueRefreshToken();
    expect(
      (await json({ grant_type: 'authorization_code', code: firstCode, redirect_uri: 'app://cb' })).body
        .error_description,
    ).toBe('Invalid authorization code');
    expect((await json({ grant_type: 'refresh_token', refresh_token: firstToken })).body.error_description).toBe(
      'Invalid refresh token',
    );
    // A token in use is remembered afresh: only tokens nobody uses are forgotten first.
    const used = spotify.issueRefreshToken();
    for (let i = 0; i < MAX_REFRESH_TOKENS - 1; i++) spotify.issueRefreshToken();
    expect((await json({ grant_type: 'refresh_token', refresh_token: used })).status).toBe(200);
    for (let i = 0; i < MAX_REFRESH_TOKENS / 2; i++) spotify.issueRefreshToken();
    expect((await json({ grant_type: 'refresh_token', refresh_token: used })).status).toBe(200);
    const latest = spotify.issueCode({ redirectUri: 'app://cb' });
    expect((await json({ grant_type: 'authorization_code', code: latest, redirect_uri: 'app://cb' })).status).toBe(200);
  });

  it('expires codes', async () => {
    const code = spotify.issueCode({ redirectUri: 'app://cb', ttlMs: -1 });
    expect(
      (await json({ grant_type: 'authorization_code', code, redirect_uri: 'app://cb' })).body.error_description,
    ).toBe('Authorization code expired');
  });

  it.each(['S256', 'plain'] as const)('checks a %s PKCE verifier', async (method) => {
    const verifier = 'v'.repeat(50);
    const challenge = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
    const issue = () =>
      spotify.issueCode({ redirectUri: 'app://cb', codeChallenge: challenge, codeChallengeMethod: method });
    const grant = { grant_type: 'authorization_code', redirect_uri: 'app://cb' };
    expect((await json({ ...grant, code: issue() })).body).toEqual({
      error: 'invalid_request',
      error_description: 'code_verifier required',
    });
    expect((await json({ ...grant, code: issue(), code_verifier: 'w'.repeat(50) })).body.error_description).toBe(
      'code_verifier was incorrect',
    );
    expect((await json({ ...grant, code: issue(), code_verifier: verifier })).status).toBe(200);
  });

  it('authenticates the client', async () => {
    const form = { grant_type: 'refresh_token', refresh_token: spotify.issueRefreshToken() };
    expect((await json(form, basic('id', 'wrong'))).body.error).toBe('invalid_client');
    expect((await json(form, basic('other', 'secret'))).body.error).toBe('invalid_client');
    expect((await json(form, '')).body.error).toBe('invalid_client');
    expect((await json(form)).status).toBe(200);
  });

  it('needs a grant_type', async () => {
    expect(await json({})).toEqual({
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'grant_type parameter is missing' },
    });
    expect((await json({ grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
  });

  it('refreshes without rotation, and refuses revoked and unknown tokens', async () => {
    const refreshToken = spotify.issueRefreshToken();
    const ok = await json({ grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(ok.status).toBe(200);
    expect(ok.body.refresh_token).toBeUndefined();
    spotify.revoke(refreshToken);
    expect((await json({ grant_type: 'refresh_token', refresh_token: refreshToken })).body.error_description).toBe(
      'Refresh token revoked',
    );
    expect((await json({ grant_type: 'refresh_token', refresh_token: 'nope' })).body.error_description).toBe(
      'Invalid refresh token',
    );
  });

  it('rotates when asked, retiring the old token', async () => {
    const rotating = await createMockSpotify({ rotateRefreshTokens: true, clientId: 'id', clientSecret: 'secret' });
    try {
      const old = rotating.issueRefreshToken();
      const call = (refresh_token: string) =>
        fetch(rotating.tokenUrl, {
          method: 'POST',
          headers: { authorization: basic() },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
      const first = await call(old);
      expect(first.body.refresh_token).toEqual(expect.any(String));
      expect((await call(old)).status).toBe(400);
      expect((await call(first.body.refresh_token as string)).status).toBe(200);
    } finally {
      await rotating.close();
    }
  });

  it('records every request with its form and answer', async () => {
    await token({ grant_type: 'refresh_token', refresh_token: 'nope' });
    expect(spotify.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/api/token',
        query: {},
        form: { grant_type: 'refresh_token', refresh_token: 'nope' },
        answer: 400,
      }),
    ]);
  });

  it('refuses a misspelt option with a hint', async () => {
    await expect(createMockSpotify({ rotateRefreshToken: true } as never)).rejects.toThrow(
      /createMockSpotify: rotateRefreshToken is not an option: did you mean rotateRefreshTokens\?/,
    );
  });

  it('refuses a code with no redirect URI, and misspelt code options', () => {
    expect(() => spotify.issueCode({} as never)).toThrow(/issueCode: redirectUri is required/);
    expect(() => spotify.issueCode({ redirectUri: 'app://cb', challenge: 'x' } as never)).toThrow(
      /challenge is not an option: did you mean codeChallenge\?/,
    );
    expect(() => spotify.issueRefreshToken({ scopes: 'x' } as never)).toThrow(/did you mean scope\?/);
  });

  it('keeps only the latest keepRequests requests, and none with 0', async () => {
    const few = await createMockSpotify({ keepRequests: 2 });
    const none = await createMockSpotify({ keepRequests: 0 });
    try {
      for (const mock of [few, none]) {
        for (const refreshToken of ['one', 'two', 'three']) {
          await fetch(mock.tokenUrl, { method: 'POST', body: new URLSearchParams({ refresh_token: refreshToken }) });
        }
      }
      expect(few.requests.map((request) => request.form.refresh_token)).toEqual(['two', 'three']);
      expect(none.requests).toEqual([]);
    } finally {
      await few.close();
      await none.close();
    }
  });

  it.each([-1, 1.5, Number.NaN])('refuses keepRequests: %p', async (keepRequests) => {
    await expect(createMockSpotify({ keepRequests })).rejects.toThrow(/keepRequests must be a whole number/);
  });

  describe('faults', () => {
    const refresh = () => token({ grant_type: 'refresh_token', refresh_token: spotify.issueRefreshToken() });

    it('serves a one-shot fault once, then answers normally', async () => {
      spotify.fail({ type: 'status', status: 503, body: 'down' });
      expect((await refresh()).status).toBe(503);
      expect((await refresh()).status).toBe(200);
    });

    it('serves a sticky fault until cleared, and counted ones that many times', async () => {
      spotify.fail({ type: 'nonJson' }, { times: Infinity });
      expect((await refresh()).text).toContain('<html>');
      expect((await refresh()).text).toContain('<html>');
      spotify.clearFaults();
      spotify.fail({ type: 'status', status: 500 }, { times: 2 });
      expect([(await refresh()).status, (await refresh()).status, (await refresh()).status]).toEqual([500, 500, 200]);
    });

    it('answers 429 with Retry-After', async () => {
      spotify.fail({ type: 'rateLimit', retryAfter: 12 });
      const res = await refresh();
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('12');
    });

    it('resets the connection', async () => {
      spotify.fail({ type: 'reset' });
      await expect(refresh()).rejects.toThrow();
      expect(spotify.requests.at(-1)?.answer).toBe('reset');
    });

    it('delays, then serves what follows', async () => {
      spotify.fail({ type: 'latency', ms: 50, then: { type: 'status', status: 502 } });
      expect((await refresh()).status).toBe(502);
    });

    it('sends a large body of the size asked', async () => {
      spotify.fail({ type: 'largeBody', bytes: 300_000 });
      expect((await refresh()).text).toHaveLength(300_000);
    });

    it('hangs until closed', async () => {
      spotify.fail({ type: 'hang' });
      const pending = refresh();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(spotify.requests.at(-1)?.answer).toBe('hang');
      await spotify.close();
      await expect(pending).rejects.toThrow();
    });

    it.each([
      ['an unknown fault type', { type: 'timeout' }, /"timeout" is not a fault type: use one of latency/],
      ['a misspelt fault type', { type: 'rateLimt' }, /did you mean rateLimit\?/],
      ['a misspelt field', { type: 'latency', msec: 5 }, /msec is not an option: did you mean ms\?/],
      ['a latency without ms', { type: 'latency' }, /ms must be a number/],
      ['a status that is not one', { type: 'status', status: 42 }, /status must be an HTTP status/],
      ['a bad fault after a latency', { type: 'latency', ms: 1, then: { type: 'nope' } }, /"nope" is not a fault type/],
    ])('refuses %s with a TypeError that says so', (_name, fault, message) => {
      expect(() => spotify.fail(fault as never)).toThrow(TypeError);
      expect(() => spotify.fail(fault as never)).toThrow(message);
    });

    it('refuses a misspelt fault option', () => {
      expect(() => spotify.fail({ type: 'reset' }, { time: 2 } as never)).toThrow(
        /time is not an option: did you mean times\?/,
      );
    });

    it('refuses a fault count that is not positive, and a probability outside (0, 1]', () => {
      expect(() => spotify.fail({ type: 'reset' }, { times: 0 })).toThrow(RangeError);
      expect(() => spotify.fail({ type: 'reset' }, { probability: 0 })).toThrow(RangeError);
      expect(() => spotify.fail({ type: 'reset' }, { probability: 1.5 })).toThrow(RangeError);
    });

    it('serves a fault with a probability to about that share of requests', async () => {
      spotify.fail({ type: 'status', status: 503 }, { times: Infinity, probability: 0.3 });
      const statuses = [];
      for (let i = 0; i < 200; i++) statuses.push((await refresh()).status);
      const failed = statuses.filter((status) => status === 503).length;
      // 200 draws at 0.3: outside 30..90 has odds far below one in a million.
      expect(failed).toBeGreaterThan(30);
      expect(failed).toBeLessThan(90);
      expect(statuses.filter((status) => status === 200)).toHaveLength(200 - failed);
    });
  });

  describe('/authorize, the consent page', () => {
    const address = (params: Record<string, string>) =>
      `${spotify.url}/authorize?${new URLSearchParams(params).toString()}`;
    /** The consent form's answer: it posts back to the address it was shown at. */
    const consent = (params: Record<string, string>, answer: string) =>
      fetch(address(params), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `consent=${answer}`,
        redirect: 'manual',
      });
    const params = {
      client_id: 'id',
      response_type: 'code',
      redirect_uri: 'app://cb',
      state: 's1',
      scope: 'streaming',
    };

    it('with redirectUris, refuses any other redirect URI before consent, as Spotify does, and takes the registered', async () => {
      const registered = await createMockSpotify({ clientId: 'id', redirectUris: ['app://cb'] });
      try {
        const at = (uri: string) =>
          `${registered.url}/authorize?${new URLSearchParams({ ...params, redirect_uri: uri }).toString()}`;
        const refused = await fetch(at('https://evil.example/steal'), { redirect: 'manual' });
        expect(refused.status).toBe(400);
        expect(await refused.json()).toEqual({
          error: 'invalid_request',
          error_description: 'INVALID_CLIENT: Invalid redirect URI',
        });
        const agreed = await fetch(at('https://evil.example/steal'), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'consent=agree',
          redirect: 'manual',
        });
        expect({ status: agreed.status, location: agreed.headers.get('location') }).toEqual({
          status: 400,
          location: null,
        });
        expect((await fetch(at('app://cb'), { redirect: 'manual' })).status).toBe(200);
      } finally {
        await registered.close();
      }
      await expect(createMockSpotify({ redirectUris: 'app://cb' as never })).rejects.toThrow(
        /redirectUris must be an array/,
      );
    });

    it('shows the client id and each scope, escaped, with Agree and Cancel, and sends no code yet', async () => {
      const res = await fetch(address({ ...params, scope: 'streaming <b>x</b>' }), { redirect: 'manual' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
      const page = await res.text();
      expect(page).toContain('<code id="client-id">id</code>');
      expect(page).toContain('<li><code>streaming</code></li><li><code>&lt;b&gt;x&lt;/b&gt;</code></li>');
      expect(page).toContain('value="agree"');
      expect(page).toContain('value="cancel"');
      expect(page).not.toContain('code=');
    });

    it('Agree: back to the redirect URI with a code bound to it and its scope, and the state', async () => {
      const res = await consent(params, 'agree');
      expect(res.status).toBe(303);
      const target = new URL(res.headers.get('location')!);
      expect(target.protocol).toBe('app:');
      expect(target.searchParams.get('state')).toBe('s1');
      const swap = await json({
        grant_type: 'authorization_code',
        code: target.searchParams.get('code')!,
        redirect_uri: 'app://cb',
      });
      expect(swap.status).toBe(200);
      expect(swap.body.scope).toBe('streaming');
    });

    it('Cancel: back to the redirect URI with error=access_denied and the state, and no code', async () => {
      const target = new URL((await consent(params, 'cancel')).headers.get('location')!);
      expect(Object.fromEntries(target.searchParams)).toEqual({ error: 'access_denied', state: 's1' });
    });

    it('refuses a consent that is neither', async () => {
      expect((await consent(params, 'maybe')).status).toBe(400);
    });

    it('binds a PKCE challenge sent to it', async () => {
      const verifier = 'p'.repeat(60);
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const res = await consent({ ...params, code_challenge: challenge, code_challenge_method: 'S256' }, 'agree');
      const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
      expect(
        (await json({ grant_type: 'authorization_code', code, redirect_uri: 'app://cb' })).body.error_description,
      ).toBe('code_verifier required');
    });

    it('refuses an unknown client, and sends an unsupported response_type back as an error', async () => {
      expect((await fetch(address({ ...params, client_id: 'nope' }))).status).toBe(400);
      const res = await fetch(address({ ...params, response_type: 'token' }), { redirect: 'manual' });
      expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('unsupported_response_type');
    });
  });

  describe('GET /v1/me', () => {
    const me = (authorization?: string) =>
      fetch(`${spotify.url}/v1/me`, authorization === undefined ? {} : { headers: { authorization } });

    it('answers a profile for an access token it issued, with what its scopes allow', async () => {
      const swap = await json({
        grant_type: 'authorization_code',
        code: spotify.issueCode({ redirectUri: 'app://cb', scope: 'user-read-email' }),
        redirect_uri: 'app://cb',
      });
      const res = await me(`Bearer ${swap.body.access_token as string}`);
      expect(res.status).toBe(200);
      const profile = await res.json();
      expect(profile).toMatchObject({ id: 'mock-listener', display_name: 'Mock Listener', email: expect.any(String) });
      expect(profile).not.toHaveProperty('country');
    });

    it('answers 401 in the Web API error shape for no token, an unknown one, or an expired one', async () => {
      expect(await (await me()).json()).toEqual({ error: { status: 401, message: 'No token provided' } });
      expect((await me('Bearer not-issued')).status).toBe(401);
      const shortLived = await createMockSpotify({ expiresIn: 0 });
      try {
        const refreshed = await fetch(shortLived.tokenUrl, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${shortLived.clientId}:${shortLived.clientSecret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: `grant_type=refresh_token&refresh_token=${shortLived.issueRefreshToken()}`,
        });
        const { access_token } = (await refreshed.json()) as { access_token: string };
        const res = await fetch(`${shortLived.url}/v1/me`, { headers: { authorization: `Bearer ${access_token}` } });
        expect(await res.json()).toEqual({ error: { status: 401, message: 'The access token expired' } });
      } finally {
        await shortLived.close();
      }
    });

    it(`forgets the oldest access tokens past ${MAX_ACCESS_TOKENS}`, () => {
      const api = webApi();
      const asked = (accessToken: string) => api.me({ headers: { authorization: `Bearer ${accessToken}` } } as never);
      for (let i = 0; i <= MAX_ACCESS_TOKENS; i++) api.remember(`token-${i}`, '', 3600, 'mock-listener');
      expect(asked('token-0').status).toBe(401);
      expect(asked('token-1').status).toBe(200);
      expect(asked(`token-${MAX_ACCESS_TOKENS}`).status).toBe(200);
    });
  });

  it('answers 404 off the token path and 405 to other methods', async () => {
    expect((await fetch(`${spotify.url}/v1/tracks`)).status).toBe(404);
    expect((await fetch(spotify.tokenUrl)).status).toBe(405);
  });
});
