// POST /swap: the request shapes of every client, what reaches Spotify, the sealed answer, and Spotify's refusals passed through.
import { createHash, randomBytes } from 'node:crypto';
import { aesGcmCipher } from '../../src/index.js';
import { SPOTIFY_DESCRIPTIONS } from '../../src/core/spotify.js';
import { REDIRECT_URI, SECRETS, startHarness, type Harness } from '../helpers/harness.js';
import { logLines } from '../helpers/secrets.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ allowedRedirectUris: ['https://app.example/callback'] });
});
afterEach(() => h.close());

const openSealed = (sealed: string) => aesGcmCipher(SECRETS).decrypt(sealed);

function expectTokenAnswer(body: Record<string, unknown>) {
  expect(Object.keys(body)).toEqual([
    'access_token',
    'token_type',
    'scope',
    'expires_in',
    'refresh_token',
    'refresh_token_expires_in',
  ]);
  expect(body.token_type).toBe('Bearer');
  expect(Number.isInteger(body.expires_in)).toBe(true);
  expect(typeof body.access_token).toBe('string');
  expect(typeof body.refresh_token).toBe('string');
}

describe('POST /swap', () => {
  it('answers a form body with code only (SpotifyAPI-NET 7, iOS SDK) with the documented JSON', async () => {
    const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expectTokenAnswer(res.body);
    expect(res.body.expires_in).toBe(3600);
    expect(res.body.scope).toBe('user-read-email user-read-private');
  });

  it('accepts a JSON body', async () => {
    const res = await h.http.post('/spotify/swap').send({ code: h.code() });
    expect(res.status).toBe(200);
    expectTokenAnswer(res.body);
  });

  it('seals the refresh token: the client never sees the one Spotify issued', async () => {
    const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
    const plain = await openSealed(res.body.refresh_token);
    expect(plain).not.toBe(res.body.refresh_token);
    // The opened token is the one Spotify knows: it refreshes.
    const refreshed = await h.http
      .post('/spotify/refresh')
      .type('form')
      .send({ refresh_token: res.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(h.spotify.requests.at(-1)?.form.refresh_token).toBe(plain);
  });

  it('sends Spotify the form grant with the configured redirect URI and the secret only in Basic auth', async () => {
    const code = h.code();
    await h.http.post('/spotify/swap').send({ code });
    const [call] = h.spotify.requests;
    expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call?.form).toEqual({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    const basic = Buffer.from(`${h.spotify.clientId}:${h.spotify.clientSecret}`).toString('base64');
    expect(call?.headers.authorization).toBe(`Basic ${basic}`);
    const elsewhere = JSON.stringify({ ...call?.headers, authorization: undefined }) + JSON.stringify(call?.form);
    expect(elsewhere).not.toContain(h.spotify.clientSecret);
  });

  it('uses a redirect_uri the client names from the allow-list', async () => {
    const code = h.code({ redirectUri: 'https://app.example/callback' });
    const res = await h.http
      .post('/spotify/swap')
      .type('form')
      .send({ code, redirect_uri: 'https://app.example/callback' });
    expect(res.status).toBe(200);
    expect(h.spotify.requests[0]?.form.redirect_uri).toBe('https://app.example/callback');
  });

  it('refuses an unlisted redirect_uri with 400 invalid_request and never forwards it', async () => {
    const res = await h.http
      .post('/spotify/swap')
      .type('form')
      .send({ code: h.code(), redirect_uri: 'https://evil.example/cb' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('redirect_uri') });
    expect(h.spotify.requests).toHaveLength(0);
  });

  it('treats an empty redirect_uri as missing and uses the configured one', async () => {
    const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code(), redirect_uri: '' });
    expect(res.status).toBe(200);
    expect(h.spotify.requests[0]?.form.redirect_uri).toBe(REDIRECT_URI);
  });

  describe('PKCE', () => {
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');

    it('forwards code_verifier and succeeds when it matches', async () => {
      const code = h.code({ codeChallenge: challenge });
      const res = await h.http.post('/spotify/swap').type('form').send({ code, code_verifier: verifier });
      expect(res.status).toBe(200);
      expect(h.spotify.requests[0]?.form.code_verifier).toBe(verifier);
    });

    it("passes through Spotify's refusal of a wrong verifier", async () => {
      const code = h.code({ codeChallenge: challenge });
      const wrong = randomBytes(48).toString('base64url');
      const res = await h.http.post('/spotify/swap').type('form').send({ code, code_verifier: wrong });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'code_verifier was incorrect' });
    });

    it("passes through Spotify's demand for a missing verifier", async () => {
      const res = await h.http
        .post('/spotify/swap')
        .type('form')
        .send({ code: h.code({ codeChallenge: challenge }) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: 'code_verifier required' });
    });

    it.each([
      ['too short', 'abc'],
      ['bad characters', `${'a'.repeat(43)}+/=`],
    ])('refuses a malformed code_verifier (%s) without calling Spotify', async (_name, bad) => {
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code(), code_verifier: bad });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(h.spotify.requests).toHaveLength(0);
    });
  });

  describe('bad input: 400 invalid_request naming the field, and no call to Spotify', () => {
    it.each([
      ['missing', {}],
      ['empty', { code: '' }],
      ['null', { code: null }],
      ['a number', { code: 42 }],
      ['an object', { code: { a: 1 } }],
      ['an array', { code: ['a', 'b'] }],
    ])('code %s', async (_name, body) => {
      const res = await h.http.post('/spotify/swap').send(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.stringContaining('code') });
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(h.spotify.requests).toHaveLength(0);
    });

    it('code given twice in a form', async () => {
      const res = await h.http.post('/spotify/swap').type('form').send('code=one&code=two');
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(h.spotify.requests).toHaveLength(0);
    });
  });

  describe("Spotify's refusals pass through with its status, error and description only", () => {
    it('a reused code', async () => {
      const code = h.code();
      expect((await h.http.post('/spotify/swap').type('form').send({ code })).status).toBe(200);
      const res = await h.http.post('/spotify/swap').type('form').send({ code });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid authorization code' });
    });

    it('an expired code', async () => {
      const res = await h.http
        .post('/spotify/swap')
        .type('form')
        .send({ code: h.code({ ttlMs: -1 }) });
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'Authorization code expired' });
    });

    it('a code issued for another redirect URI', async () => {
      const res = await h.http
        .post('/spotify/swap')
        .type('form')
        .send({ code: h.code({ redirectUri: 'other://cb' }) });
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid redirect URI' });
    });

    it('extra fields of an error body are dropped', async () => {
      h.spotify.fail({
        type: 'status',
        status: 401,
        body: JSON.stringify({ error: 'invalid_client', error_description: 'Invalid client', debug: 'internal' }),
      });
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Invalid client' });
    });

    it('a description that echoes the code is replaced', async () => {
      const code = h.code();
      h.spotify.fail({
        type: 'status',
        status: 400,
        body: JSON.stringify({ error: 'invalid_grant', error_description: `bad code ${code}` }),
      });
      const res = await h.http.post('/spotify/swap').type('form').send({ code });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
      expect(JSON.stringify(res.body)).not.toContain(code);
    });

    it.each([
      ['8 characters of the code', (code: string) => `code …${code.slice(20, 28)}… is bad`],
      ['the client secret', () => `secret mock-client-secret is wrong`],
      // A filter of quotes can be beaten by cutting a value into pieces shorter than what it looks for.
      ['the client secret in 7-character pieces', () => 'mock-cl ient-se cret'],
      ['nothing sent, but words Spotify is not known to send', () => 'Something else went wrong'],
    ])('a description quoting %s is replaced by what to check', async (_name, describe) => {
      const code = h.code();
      const description = describe(code);
      h.spotify.fail({
        type: 'status',
        status: 400,
        body: JSON.stringify({ error: 'invalid_grant', error_description: description }),
      });
      const res = await h.http.post('/spotify/swap').type('form').send({ code });
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: expect.stringContaining('redirect URI') });
      expect(res.text).not.toContain(description);
    });

    it.each([...SPOTIFY_DESCRIPTIONS])('Spotify\'s known description "%s" passes unchanged', async (description) => {
      h.spotify.fail({
        type: 'status',
        status: 400,
        body: JSON.stringify({ error: 'invalid_request', error_description: description }),
      });
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.body).toEqual({ error: 'invalid_request', error_description: description });
    });

    it("an error code that is not one of RFC 6749's is a 502, though it looks like one: it could carry the secret", async () => {
      const secretLike = 'invalid_client_0123456789abcdef0123456789abcdef';
      h.spotify.fail({
        type: 'status',
        status: 400,
        body: JSON.stringify({ error: secretLike, error_description: 'Invalid client' }),
      });
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(502);
      expect(res.body.error).toBe('bad_gateway');
      expect(res.text).not.toContain('0123456789abcdef');
      expect(logLines.some((line) => line.includes('0123456789abcdef'))).toBe(false);
    });

    it.each([
      'invalid_request',
      'invalid_client',
      'invalid_grant',
      'unauthorized_client',
      'unsupported_grant_type',
      'invalid_scope',
    ])("RFC 6749 §5.2's %s passes, with a description of its own when Spotify gave none", async (error) => {
      h.spotify.fail({ type: 'status', status: 400, body: JSON.stringify({ error }) });
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error, error_description: expect.stringMatching(/^Spotify /) });
    });

    it.each([401, 403])('a %i passes through too', async (status) => {
      h.spotify.fail({
        type: 'status',
        status,
        body: JSON.stringify({ error: 'invalid_client', error_description: 'Invalid client' }),
      });
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Invalid client' });
    });

    it.each([404, 405, 407, 409, 422])('any other 4xx (%i) is a 502, even with an OAuth body', async (status) => {
      h.spotify.fail({
        type: 'status',
        status,
        body: JSON.stringify({ error: 'invalid_request', error_description: 'Not here' }),
      });
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(502);
      expect(res.body.error).toBe('bad_gateway');
    });
  });

  it('answers invalid_client with the status Spotify used when the client secret is wrong', async () => {
    const other = await startHarness({ clientSecret: 'not-the-secret-spotify-knows' });
    try {
      const res = await other.http.post('/spotify/swap').type('form').send({ code: other.code() });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Invalid client secret' });
    } finally {
      await other.close();
    }
  });
});
