// Each client of docs/CONTRACT.md §2, replayed as it really sends, checked for what that client needs to accept the answer.
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
