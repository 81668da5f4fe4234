// legacyExchange: SpotifyAPI-NET 5.x's single exchange URL, replayed as 5.x sends it, including the browser legs.
import type { TokenSwapEvent } from '../../src/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { remember, spyLogger } from '../helpers/secrets.js';

const SERVER_CALLBACK = 'https://swap.example/spotify/callback';

const events: TokenSwapEvent[] = [];
const logger = {
  info: (e: TokenSwapEvent) => (events.push(e), spyLogger.info(e)),
  warn: (e: TokenSwapEvent) => (events.push(e), spyLogger.warn(e)),
  error: (e: TokenSwapEvent) => (events.push(e), spyLogger.error(e)),
};

let h: Harness;
beforeEach(async () => {
  events.length = 0;
  h = await startHarness({ legacyExchange: true, redirectUri: SERVER_CALLBACK, hooks: { logger } });
});
afterEach(() => h.close());

/** 5.x's POST: form, always all three fields, the unused one empty. */
const exchange = (fields: { grant_type: string; code: string; refresh_token: string }) =>
  h.http
    .post('/spotify/')
    .type('form')
    .send(
      `grant_type=${fields.grant_type}&code=${encodeURIComponent(fields.code)}&refresh_token=${encodeURIComponent(fields.refresh_token)}`,
    );

/** What 5.x takes for success: a non-empty access_token, no error key, a token_type, an expires_in it parses as a double. */
function expect5xSuccess(body: Record<string, unknown>) {
  expect(body.access_token).toEqual(expect.stringMatching(/.+/));
  expect(body).not.toHaveProperty('error');
  expect(body.token_type).toBe('Bearer');
  expect(Number.isFinite(Number(body.expires_in))).toBe(true);
}

describe('GET / (the browser leg to Spotify)', () => {
  it("redirects to Spotify's /authorize with the server's client and redirect URI and the app's state, scope and dialog", async () => {
    const res = await h.http.get(
      '/spotify/?response_type=code&state=7f3a9c&scope=user-read-private%20streaming&show_dialog=True',
    );
    expect(res.status).toBe(303);
    const target = new URL(res.headers.location!);
    expect(`${target.origin}${target.pathname}`).toBe(`${h.spotify.url}/authorize`);
    expect(Object.fromEntries(target.searchParams)).toEqual({
      client_id: h.spotify.clientId,
      response_type: 'code',
      redirect_uri: SERVER_CALLBACK,
      state: '7f3a9c',
      scope: 'user-read-private streaming',
      show_dialog: 'true',
    });
  });

  it('normalises show_dialog=False and leaves out what the app did not send', async () => {
    const res = await h.http.get('/spotify/?state=s1&show_dialog=False');
    const params = new URL(res.headers.location!).searchParams;
    expect(params.get('show_dialog')).toBe('false');
    expect(params.has('scope')).toBe(false);
  });

  it.each([
    ['no state', '/spotify/?response_type=code&scope=streaming'],
    ['an empty state', '/spotify/?state='],
    ['state twice', '/spotify/?state=a&state=b'],
    ['a show_dialog that is not a boolean', '/spotify/?state=a&show_dialog=maybe'],
  ])('answers %s with 400 JSON, not a redirect', async (_name, url) => {
    const res = await h.http.get(url);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
  });
});

describe('GET /callback (Spotify sends the browser here)', () => {
  it('redirects with 303 to the app on localhost:4002 with the code and state', async () => {
    const res = await h.http.get('/spotify/callback?code=AQBcode123&state=7f3a9c');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('http://localhost:4002/auth?code=AQBcode123&state=7f3a9c');
  });

  it('passes an error from Spotify on, with the state', async () => {
    const res = await h.http.get('/spotify/callback?error=access_denied&state=7f3a9c');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('http://localhost:4002/auth?error=access_denied&state=7f3a9c');
  });

  it('forwards only code, state and error', async () => {
    const res = await h.http.get('/spotify/callback?code=c0de&state=s&next=https://evil.example&redirect_uri=x');
    expect(new URL(res.headers.location!).search).toBe('?code=c0de&state=s');
  });

  it('answers 400 when there is neither a code nor an error', async () => {
    const res = await h.http.get('/spotify/callback?state=s');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('uses a configured clientCallbackUrl', async () => {
    const custom = await startHarness({ legacyExchange: { clientCallbackUrl: 'http://127.0.0.1:5050/spotify' } });
    try {
      const res = await custom.http.get('/spotify/callback?code=abc&state=s');
      expect(res.headers.location).toBe('http://127.0.0.1:5050/spotify?code=abc&state=s');
    } finally {
      await custom.close();
    }
  });
});

describe('POST / (the exchange)', () => {
  it('runs the whole 5.x flow: browser legs, swap with an empty refresh_token, refresh with an empty code', async () => {
    const start = await h.http.get('/spotify/?response_type=code&state=abc123&scope=streaming&show_dialog=False');
    // The browser follows to Spotify, where the user agrees, and is sent to the server's callback.
    const consent = await fetch(start.headers.location!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'consent=agree',
      redirect: 'manual',
    });
    const atCallback = new URL(consent.headers.get('location')!);
    expect(`${atCallback.origin}${atCallback.pathname}`).toBe(SERVER_CALLBACK);
    const back = await h.http.get(`/spotify/callback${atCallback.search}`);
    const atApp = new URL(back.headers.location!);
    expect(atApp.searchParams.get('state')).toBe('abc123');
    const code = atApp.searchParams.get('code')!;
    remember(code);

    const swapped = await exchange({ grant_type: 'authorization_code', code, refresh_token: '' });
    expect(swapped.status).toBe(200);
    expect5xSuccess(swapped.body);
    expect(swapped.body.scope).toBe('streaming');
    expect(h.spotify.requests.at(-1)?.form).toEqual({
      grant_type: 'authorization_code',
      code,
      redirect_uri: SERVER_CALLBACK,
    });

    const refreshed = await exchange({
      grant_type: 'refresh_token',
      code: '',
      refresh_token: swapped.body.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    expect5xSuccess(refreshed.body);
  });

  it('accepts the JSON body the 5.x docs describe', async () => {
    const res = await h.http
      .post('/spotify/')
      .send({ grant_type: 'authorization_code', code: h.code({ redirectUri: SERVER_CALLBACK }), refresh_token: '' });
    expect(res.status).toBe(200);
  });

  it.each([
    ['unknown', 'password'],
    ['empty', ''],
  ])('answers an %s grant_type with 400 unsupported_grant_type', async (_name, grantType) => {
    const res = await exchange({ grant_type: grantType, code: 'x', refresh_token: 'y' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
    expect(h.spotify.requests).toHaveLength(0);
  });

  it('answers a swap with an empty code as a missing one', async () => {
    const res = await exchange({ grant_type: 'authorization_code', code: '', refresh_token: '' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'code is required' });
  });

  it("gives 5.x's immediate re-POST of a used code a failure it recognises", async () => {
    const code = h.code({ redirectUri: SERVER_CALLBACK });
    await exchange({ grant_type: 'authorization_code', code, refresh_token: '' });
    const again = await exchange({ grant_type: 'authorization_code', code, refresh_token: '' });
    expect(again.body.error).toBe('invalid_grant');
  });
});

describe('methods and logging', () => {
  it('answers other methods with 405 and the Allow of the path', async () => {
    const root = await h.http.put('/spotify/');
    expect(root.status).toBe(405);
    expect(root.headers.allow).toBe('GET, HEAD, POST');
    const callback = await h.http.post('/spotify/callback');
    expect(callback.status).toBe(405);
    expect(callback.headers.allow).toBe('GET, HEAD');
    // Each is logged as the URL it hit: PUT / hit the exchange URL, not the browser's leg to Spotify.
    expect(events.map((event) => [event.event, event.status, event.reason])).toEqual([
      ['legacy_exchange', 405, 'method_not_allowed'],
      ['legacy_callback', 405, 'method_not_allowed'],
    ]);
  });

  it('answers HEAD as GET, without a body', async () => {
    const get = await h.http.get('/spotify/?state=s1');
    const head = await h.http.head('/spotify/?state=s1');
    expect(head.status).toBe(303);
    expect(new URL(head.headers.location!).searchParams.get('state')).toBe('s1');
    expect(new URL(get.headers.location!).pathname).toBe(new URL(head.headers.location!).pathname);
    expect(head.text ?? '').toBe('');
    const refused = await h.http.head('/spotify/');
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('logs each leg under its own name', async () => {
    await h.http.get('/spotify/?state=s');
    await h.http.get('/spotify/callback?code=c&state=s');
    await exchange({
      grant_type: 'authorization_code',
      code: h.code({ redirectUri: SERVER_CALLBACK }),
      refresh_token: '',
    });
    expect(events.map((e) => [e.event, e.status])).toEqual([
      ['legacy_authorize', 303],
      ['legacy_callback', 303],
      ['legacy_exchange', 200],
    ]);
  });
});

it('does not exist unless asked for', async () => {
  const plain = await startHarness();
  try {
    expect((await plain.http.get('/spotify/?state=s')).status).toBe(404);
    expect(
      (await plain.http.post('/spotify/').type('form').send('grant_type=authorization_code&code=x&refresh_token='))
        .status,
    ).toBe(404);
    expect((await plain.http.get('/spotify/callback?code=c')).status).toBe(404);
  } finally {
    await plain.close();
  }
});
