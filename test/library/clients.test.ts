// Each client of docs/CONTRACT.md §2, replayed as it really sends, checked for what that client needs to accept the answer.
import { createHash } from 'node:crypto';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

/** SpotifyAPI-NET 7 reads a body only if its media type is exactly application/json. */
const mediaType = (header: string | undefined) => header?.split(';')[0]?.trim();

describe('SpotifyAPI-NET 7 (TokenSwapTokenRequest / TokenSwapRefreshRequest)', () => {
  const post = (path: string, field: string, value: string) =>
    h.http
      .post(path)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('User-Agent', 'SpotifyAPI-NET')
      .send(`${field}=${encodeURIComponent(value)}`);

  it('gets JSON with an integer expires_in from the swap and the refresh', async () => {
    const swap = await post('/spotify/swap', 'code', h.code());
    expect(mediaType(swap.headers['content-type'])).toBe('application/json');
    expect(swap.text).toMatch(/"expires_in":\d+[,}]/);
    const refresh = await post('/spotify/refresh', 'refresh_token', swap.body.refresh_token);
    expect(mediaType(refresh.headers['content-type'])).toBe('application/json');
    expect(refresh.text).toMatch(/"expires_in":\d+[,}]/);
  });

  it('gets a failure status outside 200-399 and a string error', async () => {
    const res = await post('/spotify/swap', 'code', 'a-code-spotify-never-issued');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(typeof res.body.error).toBe('string');
  });

  it('gets a 429 that carries Retry-After as integer seconds (it throws on anything else)', async () => {
    h.spotify.fail({ type: 'rateLimit', retryAfter: '1.5' });
    const res = await post('/spotify/swap', 'code', h.code());
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
  });
});

describe('Spotify iOS SDK and react-native-spotify-remote', () => {
  it('swap with code and code_verifier returns access_token, expires_in and a refresh_token', async () => {
    const verifier = 'x'.repeat(64);
    const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code(), code_verifier: verifier });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      access_token: expect.any(String),
      expires_in: expect.any(Number),
      refresh_token: expect.any(String),
    });
    expect(h.spotify.requests[0]?.form.code_verifier).toBe(verifier);
  });

  it('never receives the refresh token Spotify issued (it must be encrypted or a reference)', async () => {
    const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
    const issued = await h.cipher.decrypt(res.body.refresh_token);
    expect(res.body.refresh_token).not.toBe(issued);
  });
});

describe('react-native-spotify (older)', () => {
  it('gets expires_in as a JSON number, and errors always carry an error key', async () => {
    const ok = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
    expect(typeof ok.body.expires_in).toBe('number');
    const bad = await h.http.post('/spotify/refresh').type('form').send({ refresh_token: 'garbage-token' });
    expect(bad.body).toHaveProperty('error');
    expect(ok.body).not.toHaveProperty('error');
  });
});

describe('plain HTTP: curl and browser fetch', () => {
  it('curl -d sends a form and gets JSON', async () => {
    const res = await h.http
      .post('/spotify/swap')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('User-Agent', 'curl/8.5.0')
      .send(`code=${h.code()}`);
    expect(res.status).toBe(200);
  });

  it('fetch with a JSON body gets JSON', async () => {
    const res = await h.http
      .post('/spotify/swap')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ code: h.code() }));
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
  });
});

/** Every character of `text` as %XX, as Spotify's iOS SDK 3.0 writes a refresh token. */
const percentEncodedFully = (text: string) =>
  [...Buffer.from(text)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

describe('Spotify iOS SDK 3.0', () => {
  const post = (path: string, body: string) =>
    h.http.post(path).set('Content-Type', 'application/x-www-form-urlencoded').send(body);

  it('swaps code=<code> as written and renews with client_id and a fully percent-encoded token', async () => {
    const swap = await post('/spotify/swap', `code=${h.code()}`);
    // It never reads the status: an answer is a success when it has no error key.
    expect(swap.body).not.toHaveProperty('error');
    const sealed = swap.body.refresh_token as string;
    const renew = await post(
      '/spotify/refresh',
      `client_id=${h.spotify.clientId}&grant_type=refresh_token&refresh_token=${percentEncodedFully(sealed)}`,
    );
    expect(renew.body).not.toHaveProperty('error');
    // It keeps its token when an answer has none: every refresh answer carries one, the same when Spotify kept it.
    expect(renew.body.refresh_token).toBe(sealed);
    expect(h.spotify.requests.at(-1)?.form).not.toHaveProperty('client_id');
  });

  it('gets an error key on every failure, whatever the status', async () => {
    const res = await post(
      '/spotify/refresh',
      `client_id=x&grant_type=refresh_token&refresh_token=${'%41'.repeat(40)}`,
    );
    expect(res.body).toHaveProperty('error', 'invalid_grant');
  });
});

describe('expo-spotify-sdk 2.3', () => {
  /** Its Android client: a form with one field, its own User-Agent. */
  const post = (path: string, field: string, value: string, extra = '') =>
    h.http
      .post(path)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('User-Agent', 'expo-spotify-sdk/2.3.2')
      .send(`${field}=${encodeURIComponent(value)}${extra}`);
  /** Its own reading of a refresh's failure. */
  const verdict = (res: { status: number; body: { error?: unknown } }) =>
    res.status === 400 && res.body.error === 'invalid_grant' ? 'REFRESH_TOKEN_EXPIRED' : 'failure';

  it('swaps and refreshes on Android, with expires_in a number', async () => {
    const swap = await post('/spotify/swap', 'code', h.code());
    expect(swap.status).toBe(200);
    expect(Number.isFinite(Number(swap.body.expires_in))).toBe(true);
    const refresh = await post('/spotify/refresh', 'refresh_token', swap.body.refresh_token);
    expect(refresh.status).toBe(200);
  });

  it('refreshes on iOS with refresh_token and client_id, and gets expires_in as a whole JSON number', async () => {
    const { sealed } = await h.sealedRefreshToken();
    const refresh = await post('/spotify/refresh', 'refresh_token', sealed, `&client_id=${h.spotify.clientId}`);
    expect(refresh.status).toBe(200);
    expect(refresh.text).toMatch(/"expires_in":\d+[,}]/);
  });

  it('reads a revoked token as REFRESH_TOKEN_EXPIRED, and a Spotify outage as a failure that keeps the token', async () => {
    const { plain, sealed } = await h.sealedRefreshToken();
    h.spotify.fail({ type: 'status', status: 503 }, { times: 3 });
    expect(verdict(await post('/spotify/refresh', 'refresh_token', sealed))).toBe('failure');
    h.spotify.clearFaults();
    h.spotify.revoke(plain);
    expect(verdict(await post('/spotify/refresh', 'refresh_token', sealed))).toBe('REFRESH_TOKEN_EXPIRED');
  });
});

describe('Flutter spotify_sdk 4.0 on the web', () => {
  const PAGE = 'https://app.example';
  const PAGE_REDIRECT = `${PAGE}/auth.html`;
  let web: Harness;
  beforeEach(async () => {
    web = await startHarness({ allowedRedirectUris: [PAGE_REDIRECT], cors: { origins: [PAGE] } });
  });
  afterEach(() => web.close());

  it("posts code and its page's redirect_uri from the browser, and gets a refresh_token it can read", async () => {
    const preflight = await web.http
      .options('/spotify/swap')
      .set('Origin', PAGE)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(preflight.headers['access-control-allow-origin']).toBe(PAGE);
    const code = web.code({ redirectUri: PAGE_REDIRECT });
    const swap = await web.http
      .post('/spotify/swap')
      .set('Origin', PAGE)
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=utf-8')
      .send(`code=${code}&redirect_uri=${encodeURIComponent(PAGE_REDIRECT)}`);
    expect(swap.status).toBe(200);
    expect(swap.headers['access-control-allow-origin']).toBe(PAGE);
    expect(swap.body.refresh_token).toEqual(expect.any(String));
    // `tokenResponse['expires_in'] as int`: a whole JSON number, or the plugin throws.
    expect(Number.isInteger(swap.body.expires_in)).toBe(true);
    expect(web.spotify.requests.at(-1)?.form.redirect_uri).toBe(PAGE_REDIRECT);
    const refresh = await web.http
      .post('/spotify/refresh')
      .set('Origin', PAGE)
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=utf-8')
      .send(`refresh_token=${encodeURIComponent(swap.body.refresh_token)}`);
    expect(refresh.status).toBe(200);
    expect(refresh.headers['access-control-allow-origin']).toBe(PAGE);
  });
});

describe('android-auth 2.2 and later', () => {
  it("passes Spotify's code_verifier required through when the app set its own PKCE and sent no verifier", async () => {
    const verifier = 'android-auth-verifier-'.padEnd(64, 'v');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const missing = await h.http
      .post('/spotify/swap')
      .type('form')
      .send({ code: h.code({ codeChallenge: challenge }) });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'invalid_request', error_description: 'code_verifier required' });
    const sent = await h.http
      .post('/spotify/swap')
      .type('form')
      .send({ code: h.code({ codeChallenge: challenge }), code_verifier: verifier });
    expect(sent.status).toBe(200);
  });
});
