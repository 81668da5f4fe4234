// The login check page's routes, over HTTP: what they answer, the state cookie, the headers that keep codes and
// tokens out of caches, referrers and other origins, and when the page is on at all. The browser flows are in
// check-page.browser.test.ts.
import { jest } from '@jest/globals';
import { createMockSpotify, type MockSpotify } from 'spotify-token-swap/testing';
import {
  checkUrl,
  logEvents,
  serversStoppedAfterEach,
  spotifyEnv,
  startCheckServer,
  type CheckServer,
} from './helpers/check.js';
import { findLeaks } from '../../../test/helpers/secrets.js';

const start = serversStoppedAfterEach();
let spotify: MockSpotify;

beforeAll(async () => {
  spotify = await createMockSpotify();
});
afterAll(() => spotify.close());

const get = (url: string, cookie?: string) =>
  fetch(url, { redirect: 'manual', ...(cookie === undefined ? {} : { headers: { cookie } }) });

/** Starts a login: the address of the consent page it sends the browser to, and the cookie it sets. */
async function login(server: CheckServer) {
  const res = await get(checkUrl(server, 'login'));
  expect(res.status).toBe(303);
  const authorize = new URL(res.headers.get('location')!);
  const setCookie = res.headers.get('set-cookie')!;
  return { authorize, setCookie, cookie: setCookie.split(';', 1)[0]! };
}

/** What the mock sends the browser back with when the user agrees on its consent page. */
async function agree(authorize: URL): Promise<URL> {
  const res = await fetch(authorize, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'consent=agree',
    redirect: 'manual',
  });
  return new URL(res.headers.get('location')!);
}

const dataOf = (page: string, name: string) => new RegExp(`data-${name}="([^"]*)"`).exec(page)?.[1];

describe('in demo mode', () => {
  it('redirects /check to /check/ so that the page can use relative addresses', async () => {
    const server = await start();
    const res = await get(`${server.url}/check`);
    expect(res.status).toBe(301);
    expect(new URL(res.headers.get('location')!, `${server.url}/check`).href).toBe(checkUrl(server));
  });

  it('serves the page with a strict CSP, no-store, no referrer, and the redirect URI and client settings', async () => {
    const server = await start();
    const res = await get(checkUrl(server));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const page = await res.text();
    expect(page).toContain(`<code class="copy" id="redirect-uri">${server.url}/check/callback</code>`);
    expect(page).toContain(`<code>${server.url}/swap</code>`);
    expect(page).toContain(`<code>${server.url}/refresh</code>`);
    expect(page).not.toContain('id="origin-warning"');
    // Nothing from elsewhere: every stylesheet, script and link is relative or this server's.
    for (const [, address] of page.matchAll(/(?:src|href)="([^"]+)"/g)) {
      expect(new URL(address!, checkUrl(server)).origin).toBe(server.url);
    }
  });

  it('serves its stylesheet and script from files, with their types', async () => {
    const server = await start();
    const css = await get(checkUrl(server, 'check.css'));
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('--accent');
    const js = await get(checkUrl(server, 'check.js'));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain("post('../swap'");
  });

  it('prints the check page first, before the curl walk-through', async () => {
    const server = await start();
    const walkthrough = server.output.find((line) => line.includes('curl'))!;
    expect(walkthrough.trim().split('\n')[0]).toBe(
      `Open ${checkUrl(server)} to log in through the mock Spotify and see the swap and refresh answers.`,
    );
  });
});

describe('the login', () => {
  it('starts at /authorize with PKCE (S256), a fresh state, and that state in an HttpOnly, SameSite cookie', async () => {
    const server = await start();
    const { authorize, setCookie } = await login(server);
    const demoSpotify = new URL(authorize.origin);
    expect(demoSpotify.hostname).toBe('127.0.0.1');
    expect(authorize.pathname).toBe('/authorize');
    const params = authorize.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('redirect_uri')).toBe(`${server.url}/check/callback`);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(params.get('state')).toMatch(/^[\w-]{43}$/);
    expect(setCookie).toMatch(
      /^check_login=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=600; Path=\/check\/; HttpOnly; SameSite=Lax$/,
    );
    expect(setCookie.split(';', 1)[0]).toContain(params.get('state'));

    const second = await login(server);
    expect(second.authorize.searchParams.get('state')).not.toBe(params.get('state'));
  });

  it('hands the page the code and the verifier when the state matches, spends the cookie, and the swap takes them', async () => {
    const server = await start();
    const { authorize, cookie } = await login(server);
    const back = await agree(authorize);
    const res = await get(back.href, cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^check_login=; Max-Age=0; Path=\/check\/;/);
    const page = await res.text();
    const code = dataOf(page, 'code')!;
    expect(code).toBe(back.searchParams.get('code'));

    const swap = await fetch(`${server.url}/swap`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        code,
        code_verifier: dataOf(page, 'verifier')!,
        redirect_uri: dataOf(page, 'redirect-uri')!,
      }),
    });
    expect(swap.status).toBe(200);
    const tokens = (await swap.json()) as Record<string, string>;

    const me = await fetch(checkUrl(server, 'me'), {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await me.json()).toEqual({ id: 'mock-listener', display_name: 'Mock Listener', product: 'premium' });
    expect(findLeaks(server.output, [code, tokens.access_token!, tokens.refresh_token!])).toEqual([]);
  });

  it.each([
    ['a state that differs from the cookie', (state: string) => `state=${state}x`],
    ['no state', () => ''],
  ])('refuses a callback with %s: 400, and no code on the page', async (_name, changed) => {
    const server = await start();
    const { authorize, cookie } = await login(server);
    const back = await agree(authorize);
    const state = back.searchParams.get('state')!;
    const res = await get(
      `${server.url}/check/callback?code=${back.searchParams.get('code')}&${changed(state)}`,
      cookie,
    );
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('Refused');
    expect(dataOf(page, 'code')).toBe('');
  });

  it.each([
    ['unsigned, as another page of the host could set it', (state: string, verifier: string) => `${state}.${verifier}`],
    ['signed by another server', (state: string, verifier: string, other: string) => `${state}.${verifier}.${other}`],
  ])(
    "refuses a login planted with a cookie %s: the attacker's own code does not log the victim in",
    async (_name, plant) => {
      // The attacker starts a login of its own on the page, and keeps what its cookie holds.
      const server = await start();
      const attacker = await login(server);
      const [state, verifier, signature] = attacker.cookie.slice('check_login='.length).split('.') as [
        string,
        string,
        string,
      ];
      const otherServer = await start();
      const [, , otherSignature] = (await login(otherServer)).cookie.split('.') as [string, string, string];
      const back = await agree(attacker.authorize);
      expect(signature).toMatch(/^[\w-]{43}$/);
      // Then plants it in the victim's browser, and sends the victim to the callback with the attacker's code.
      const res = await get(back.href, `check_login=${plant(state, verifier, otherSignature)}`);
      expect(res.status).toBe(400);
      const page = await res.text();
      expect(page).toContain('Refused');
      expect(dataOf(page, 'code')).toBe('');
    },
  );

  // Issue 26: the signed cookie proved that this server made it, not which browser holds it or when; the same cookie
  // and callback worked twice, and a planted one for as long as the browser kept it.
  it('refuses a callback replayed with its own cookie: a login works once', async () => {
    const server = await start();
    const { authorize, cookie } = await login(server);
    const back = await agree(authorize);
    expect((await get(back.href, cookie)).status).toBe(200);
    const again = await get(back.href, cookie);
    expect(again.status).toBe(400);
    const page = await again.text();
    expect(page).toContain('Refused');
    expect(dataOf(page, 'code')).toBe('');
  });

  it('refuses a genuine cookie and its callback once ten minutes have passed, whatever the browser kept', async () => {
    const server = await start();
    const { authorize, cookie } = await login(server);
    const back = await agree(authorize);
    const later = Date.now() + 601_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => later);
    try {
      const res = await get(back.href, cookie);
      expect(res.status).toBe(400);
      expect(dataOf(await res.text(), 'code')).toBe('');
    } finally {
      clock.mockRestore();
    }
  });

  it("is served by a demo mock that sends codes only to the redirect URIs it registered, as Spotify's dashboard does", async () => {
    const server = await start();
    const { authorize } = await login(server);
    const elsewhere = new URL(authorize);
    elsewhere.searchParams.set('redirect_uri', 'https://evil.example/steal');
    expect((await get(elsewhere.href)).status).toBe(400);
    const consent = await fetch(elsewhere, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'consent=agree',
      redirect: 'manual',
    });
    expect(consent.status).toBe(400);
    expect(consent.headers.get('location')).toBeNull();
    expect((await agree(authorize)).href).toMatch(new RegExp(`^${server.url}/check/callback\\?code=`));
  });

  it('refuses a callback whose browser holds no cookie', async () => {
    const server = await start();
    const back = await agree((await login(server)).authorize);
    const res = await get(back.href);
    expect(res.status).toBe(400);
    expect(dataOf(await res.text(), 'code')).toBe('');
  });

  it('says what access_denied means, and that nothing came back on a reload', async () => {
    const server = await start();
    const { authorize, cookie } = await login(server);
    const state = authorize.searchParams.get('state')!;
    const denied = await (await get(checkUrl(server, `callback?error=access_denied&state=${state}`), cookie)).text();
    expect(denied).toContain('access_denied');
    expect(denied).toContain('User Management');
    const reload = await (await get(checkUrl(server, 'callback'))).text();
    expect(reload).toContain('Nothing to check here');
  });

  it("answers /check/me's failures as 400 or 502 JSON, never passing Spotify's body on", async () => {
    const server = await start();
    const none = await fetch(checkUrl(server, 'me'), { method: 'POST' });
    expect(none.status).toBe(400);
    const unknown = await fetch(checkUrl(server, 'me'), {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-token-spotify-issued' },
    });
    expect(unknown.status).toBe(502);
    expect(await unknown.json()).toEqual({
      error: 'bad_gateway',
      error_description: "Spotify's /v1/me answered 401",
    });
  });
});

describe('with Spotify credentials', () => {
  it('is off unless LOGIN_CHECK=1, and the swap then refuses its redirect URI', async () => {
    const server = await start(spotifyEnv(spotify));
    expect((await get(checkUrl(server))).status).toBe(404);
    const code = spotify.issueCode({ redirectUri: `${server.url}/check/callback` });
    const swap = await fetch(`${server.url}/swap`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code, redirect_uri: `${server.url}/check/callback` }),
    });
    expect(swap.status).toBe(400);
    expect(((await swap.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('with LOGIN_CHECK=1 and PUBLIC_URL: the redirect URI, a Secure cookie under its path, a warning, a log line', async () => {
    const server = await start(
      spotifyEnv(spotify, { LOGIN_CHECK: '1', PUBLIC_URL: 'https://swap.example.com/spotify/' }),
    );
    const page = await (await get(checkUrl(server))).text();
    expect(page).toContain(
      '<code class="copy" id="redirect-uri">https://swap.example.com/spotify/check/callback</code>',
    );
    expect(page).toContain('<code>https://swap.example.com/spotify/swap</code>');
    expect(page).toContain('turn LOGIN_CHECK off');
    // Opened at 127.0.0.1: the login would come back to swap.example.com, without this browser's cookie.
    expect(page).toContain('id="origin-warning"');
    const { setCookie, authorize } = await login(server);
    // Over HTTPS, __Host-: set only by a secure page of this very host, for the whole host, never by a subdomain.
    expect(setCookie).toMatch(
      /^__Host-check_login=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=600; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
    expect(authorize.searchParams.get('client_id')).toBe(spotify.clientId);
    const line = logEvents(server).find((l) => l.event === 'login_check');
    expect(line).toMatchObject({ level: 40, redirectUri: 'https://swap.example.com/spotify/check/callback' });
  });
});

describe('the addresses of Spotify it uses', () => {
  /** An access token the mock issued, as a swap through the page would have handed the browser. */
  async function accessToken(): Promise<string> {
    const res = await fetch(spotify.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${spotify.clientId}:${spotify.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: spotify.issueRefreshToken() }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it('asks /v1/me of SPOTIFY_API_URL, not of the accounts service, even when that is set to its default', async () => {
    const server = await start(
      spotifyEnv(spotify, { LOGIN_CHECK: '1', SPOTIFY_ACCOUNTS_URL: 'https://accounts.spotify.com' }),
    );
    const me = await fetch(checkUrl(server, 'me'), {
      method: 'POST',
      headers: { authorization: `Bearer ${await accessToken()}` },
    });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe('mock-listener');
  });

  it('keeps a path prefix of the accounts URL in /authorize, as in the token URL', async () => {
    const server = await start(
      spotifyEnv(spotify, { LOGIN_CHECK: '1', SPOTIFY_ACCOUNTS_URL: 'https://accounts.example.com/spotify/' }),
    );
    const { authorize } = await login(server);
    expect(`${authorize.origin}${authorize.pathname}`).toBe('https://accounts.example.com/spotify/authorize');
  });

  it('refuses a SPOTIFY_API_URL that would send access tokens in the clear', async () => {
    await expect(startCheckServer(spotifyEnv(spotify, { SPOTIFY_API_URL: 'http://api.example.com' }))).rejects.toThrow(
      /SPOTIFY_API_URL must be an https:\/\/ URL/,
    );
  });
});

describe('the rate limit', () => {
  it('leaves the page and its files out, and guards /check/me', async () => {
    const server = await start({ RATE_LIMIT_PER_MINUTE: '2' });
    for (const path of ['', '', '', 'check.css', 'check.js', 'icon.svg', 'callback']) {
      expect((await get(checkUrl(server, path))).status).toBe(200);
    }
    const me = () => fetch(checkUrl(server, 'me'), { method: 'POST' });
    expect([(await me()).status, (await me()).status]).toEqual([400, 400]);
    // Refused as the token routes refuse: the documented JSON, with when to come back.
    const limited = await me();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.json()).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
  });

  it('names its own icon, so that browsers do not ask the server root for /favicon.ico', async () => {
    const server = await start();
    const page = await (await get(checkUrl(server))).text();
    expect(page).toContain('<link rel="icon" href="icon.svg" type="image/svg+xml" />');
    const icon = await get(checkUrl(server, 'icon.svg'));
    expect(icon.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(await icon.text()).toMatch(/^<svg /);
  });
});

describe("the app's own redirect URI", () => {
  it('has a step of its own that opens Spotify with it, as the app will', async () => {
    const server = await start(spotifyEnv(spotify, { LOGIN_CHECK: '1' }));
    const page = await (await get(checkUrl(server))).text();
    expect(page).toContain('id="app-redirect" href="app-redirect"');
    const res = await get(checkUrl(server, 'app-redirect'));
    expect(res.status).toBe(303);
    const authorize = new URL(res.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${spotify.url}/authorize`);
    expect(authorize.searchParams.get('redirect_uri')).toBe('myapp://callback');
    expect(authorize.searchParams.get('client_id')).toBe(spotify.clientId);
    expect(page).not.toContain('id="app-redirect-problems"');
  });

  it.each([
    ['myapp://spotify-login-callback/', /ends with a slash/],
    ['http://localhost:8080/callback', /names localhost/],
    ['http://swap.example.com/callback', /plain http:\/\/ on a host that is not loopback/],
    ['https://app.example/callback#done', /has a fragment/],
  ])('says what is wrong with %s, on the page and in the log at warn', async (redirectUri, problem) => {
    const server = await start(spotifyEnv(spotify, { LOGIN_CHECK: '1', SPOTIFY_REDIRECT_URI: redirectUri }));
    const page = await (await get(checkUrl(server))).text();
    expect(page).toMatch(new RegExp(`<ul class="warning" id="app-redirect-problems"><li>[^<]*${problem.source}`));
    const events = logEvents(server).filter((line) => line.event === 'redirect_uri');
    expect(events).toEqual([expect.objectContaining({ level: 40, redirectUri, msg: expect.stringMatching(problem) })]);
  });

  it('refuses a PUBLIC_URL on localhost, saying why', async () => {
    await expect(
      startCheckServer(spotifyEnv(spotify, { LOGIN_CHECK: '1', PUBLIC_URL: 'http://localhost:3000' })),
    ).rejects.toThrow(/PUBLIC_URL: use 127\.0\.0\.1 .* rather than localhost/);
  });
});

it('lists the same clients on the set-up page and in what the callback page judges, from one list', async () => {
  const server = await start();
  const setup = await (await get(checkUrl(server))).text();
  const listed = [...setup.matchAll(/<tr><td>([^<]+)<\/td>/g)].map((match) => match[1]);
  const { cookie, authorize } = await login(server);
  const callback = await (await get((await agree(authorize)).href, cookie)).text();
  const judged = (JSON.parse(dataOf(callback, 'clients')!.replace(/&quot;/g, '"')) as { name: string }[]).map(
    (client) => client.name,
  );
  expect(listed).toHaveLength(8);
  expect(judged).toEqual(listed);
});
