// The login check page and the SpotifyAPI-NET 5.x browser leg in a real browser: Debian's Chromium, headless.
// With SCREENSHOT=1 (npm run screenshot), the demo's login also redraws check-page.png for the server's README.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { tokenSwap } from 'spotify-token-swap';
import { createMockSpotify, type MockSpotify } from 'spotify-token-swap/testing';
import { launchChromium } from './helpers/browser.js';
import { checkUrl, spotifyEnv, startCheckServer, type CheckServer } from './helpers/check.js';
import { closeServer, routerOptions } from '../../../test/helpers/harness.js';
import { findLeaks } from '../../../test/helpers/secrets.js';
import { describeNeeding } from '../../../test/helpers/system.js';

const SCREENSHOT = new URL('../check-page.png', import.meta.url);

describeNeeding(['chromium'], 'in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const running: CheckServer[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser.close());
  beforeEach(async () => {
    // A fresh profile for each test: no cookie of another test's login.
    context = await browser.newContext({ viewport: { width: 800, height: 900 } });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context.close();
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });

  async function start(env: Record<string, string> = {}): Promise<CheckServer> {
    const server = await startCheckServer(env);
    running.push(server);
    return server;
  }

  /** A table's body, cell by cell. (Strings run in the page: this project's types have no DOM.) */
  const table = (id: string) =>
    page.evaluate<string[][]>(
      `[...document.querySelectorAll('#${id} tbody tr')].map((row) => [...row.cells].map((cell) => cell.textContent))`,
    );

  /** From the check page to the mock's consent page. */
  async function toConsent(server: CheckServer): Promise<void> {
    await page.goto(checkUrl(server));
    await page.click('#login');
    await page.waitForSelector('button[value=agree]');
  }

  /** Agree on the consent page; resolves once the callback page shows the swap and who logged in. */
  async function agreeAndSwap(): Promise<void> {
    await page.click('button[value=agree]');
    await page.waitForSelector('#swap:not([hidden])');
    // A selector, not a function: the page's CSP forbids the eval that polling a function needs.
    await page.waitForSelector('#profile:not(:empty)');
  }

  it('demo: Agree, the swap shown field by field with each client, then Refresh with its new expiry', async () => {
    const server = await start();
    await toConsent(server);
    expect(await page.textContent('#client-id')).toBe('mock-client-id');
    await agreeAndSwap();

    expect(await page.textContent('#headline')).toBe('Swapped: POST /swap answered 200');
    expect(await page.textContent('#profile')).toBe(
      'Logged in as Mock Listener (mock-listener), premium: the access token works.',
    );
    const fields = new Map((await table('fields')).map(([name, value]) => [name, value]));
    expect(fields.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(fields.get('access_token')).toMatch(/^present, \d+ characters \(not shown\)$/);
    expect(fields.get('refresh_token')).toMatch(/^present, \d+ characters \(not shown\)$/);
    expect(fields.get('expires_in')).toMatch(/^3600 \(number\): expires in 3600 s/);
    expect(fields.get('refresh_token_expires_in')).toMatch(/^\d+: the login ends in 18[1-4] days, on /);
    const clients = await table('clients');
    expect(clients).toContainEqual(['Spotify iOS SDK', 'yes', 'has all it needs']);
    expect(clients).toContainEqual(['SpotifyAPI-NET 7', 'yes', 'has all it needs']);
    // The demo does not turn the legacy exchange on, and the page says what would.
    expect(clients).toContainEqual([
      'SpotifyAPI-NET 5',
      'no',
      "needs this server's exchange URL: set LEGACY_EXCHANGE=1",
    ]);
    expect(clients).toHaveLength(8);

    if (process.env.SCREENSHOT === '1') await page.locator('main').screenshot({ path: SCREENSHOT.pathname });

    await page.click('#refresh');
    await page.waitForSelector('#refreshed:not([hidden])');
    expect(await page.textContent('#refresh-outcome')).toMatch(
      /^POST \/refresh answered 200: a new access token, expires in 3600 s, at \d\d:\d\d:\d\d\. The refresh token did not change/,
    );

    // No code or token left behind: not in the address bar, not in storage, not on the page, not in a log line.
    expect(page.url()).toBe(checkUrl(server, 'callback'));
    expect(await page.evaluate('localStorage.length + sessionStorage.length')).toBe(0);
    const html = await page.content();
    expect(html).not.toMatch(/data-code="[^"]/);
  });

  it('demo with REFRESH_TOKENS=handles: Log out revokes the handle, and the refresh after it fails', async () => {
    const server = await start({ REFRESH_TOKENS: 'handles' });
    await toConsent(server);
    await agreeAndSwap();
    expect(await page.isHidden('#logout')).toBe(false);
    await page.click('#refresh');
    await page.waitForSelector('#refreshed:not([hidden])');
    expect(await page.textContent('#refresh-outcome')).toContain('The refresh token did not change');
    await page.click('#logout');
    await page.waitForSelector('#logout-outcome:not([hidden])');
    expect(await page.getAttribute('#logout-outcome', 'class')).toBe('ok');
    expect(await page.textContent('#logout-outcome')).toMatch(
      /^Logged out: POST \/revoke answered 200, and a refresh with the same handle now answers 400 invalid_grant/,
    );
    expect(await page.isDisabled('#refresh')).toBe(true);
    const events = server.output
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event?: string; reason?: string });
    expect(events.filter((line) => line.event === 'revoke')).toHaveLength(1);
    expect(events.some((line) => line.event === 'refresh' && line.reason === 'session_unknown')).toBe(true);
  });

  it('demo, sealed tokens: no Log out to offer', async () => {
    const server = await start();
    await toConsent(server);
    await agreeAndSwap();
    expect(await page.isHidden('#logout')).toBe(true);
  });

  it('demo: Cancel comes back as access_denied, with what to check', async () => {
    const server = await start();
    await toConsent(server);
    await page.click('button[value=cancel]');
    await page.waitForURL(/\/check\/callback/);
    expect(await page.textContent('#headline')).toBe('Spotify answered access_denied: the login was cancelled');
    expect(await page.textContent('#advice')).toContain('User Management');
    expect(await page.isHidden('#swap')).toBe(true);
  });

  it('demo: a state changed on the way is refused, and nothing is swapped', async () => {
    const server = await start();
    await toConsent(server);
    const consent = new URL(page.url());
    consent.searchParams.set('state', `${consent.searchParams.get('state')}x`);
    await page.goto(consent.href);
    const [callback] = await Promise.all([
      page.waitForResponse((res) => res.url().includes('/check/callback')),
      page.click('button[value=agree]'),
    ]);
    expect(callback.status()).toBe(400);
    expect(await page.textContent('#headline')).toBe(
      'Refused: this login was not started in this browser, or is spent',
    );
    expect(await page.isHidden('#swap')).toBe(true);
  });

  it('with LOGIN_CHECK=1 against a Spotify that rotates: every client fits, and Refresh says the token changed', async () => {
    const spotify = await createMockSpotify({ rotateRefreshTokens: true });
    try {
      const server = await start(spotifyEnv(spotify, { LOGIN_CHECK: '1', LEGACY_EXCHANGE: '1' }));
      await toConsent(server);
      await agreeAndSwap();
      const fits = (await table('clients')).map((row) => row[1]);
      expect(fits).toEqual(Array(8).fill('yes'));
      await page.click('#refresh');
      await page.waitForSelector('#refreshed:not([hidden])');
      expect(await page.textContent('#refresh-outcome')).toContain('The refresh token changed');
      const sent = spotify.requests.flatMap((request) => [request.form.code, request.form.refresh_token]);
      expect(
        findLeaks(
          server.output,
          sent.filter((value): value is string => value !== undefined),
        ),
      ).toEqual([]);
    } finally {
      await spotify.close();
    }
  });

  it.each([
    [
      "Spotify's 429",
      { type: 'rateLimit', retryAfter: 7 } as const,
      'The swap failed: 429 too_many_requests',
      'wait 7 seconds',
    ],
    [
      'a redirect URI mismatch',
      {
        type: 'status',
        status: 400,
        body: '{"error":"invalid_grant","error_description":"Invalid redirect URI"}',
      } as const,
      'The swap failed: 400 invalid_grant',
      'Redirect URI mismatch',
    ],
  ])('shows %s with what to fix', async (_name, fault, headline, advice) => {
    const spotify = await createMockSpotify();
    try {
      const server = await start(spotifyEnv(spotify, { LOGIN_CHECK: '1' }));
      await toConsent(server);
      spotify.fail(fault);
      await page.click('button[value=agree]');
      await page.waitForSelector('#outcome.error');
      expect(await page.textContent('#headline')).toBe(headline);
      expect(await page.textContent('#advice')).toContain(advice);
      expect(await page.isHidden('#swap')).toBe(true);
    } finally {
      await spotify.close();
    }
  });

  describe('SpotifyAPI-NET 5.x, the browser leg', () => {
    let spotify: MockSpotify;
    let server: Server;
    let app: Server;
    let url: string;
    let arrived: Promise<URL>;

    beforeEach(async () => {
      spotify = await createMockSpotify();
      // The app's own listener, as 5.x runs one at its callback URL: it takes the code and the state from the browser.
      let deliver: (url: URL) => void;
      arrived = new Promise((resolve) => (deliver = resolve));
      app = createServer((req: IncomingMessage, res) => {
        deliver(new URL(req.url ?? '/', 'http://127.0.0.1'));
        res.writeHead(200, { 'content-type': 'text/plain' }).end('You may close this window.');
      }).listen(0, '127.0.0.1');
      await once(app, 'listening');
      const clientCallbackUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/auth`;
      // The server's redirect URI holds its own port: listen first, then mount the router.
      const host = express();
      server = createServer(host).listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      host.use(
        '/spotify',
        tokenSwap(
          routerOptions(spotify, { redirectUri: `${url}/spotify/callback`, legacyExchange: { clientCallbackUrl } }),
        ),
      );
    });
    afterEach(async () => {
      await closeServer(server);
      await closeServer(app);
      await spotify.close();
    });

    it('GET / → consent page → /callback → the app, which then posts the code to /', async () => {
      await page.goto(`${url}/spotify/?response_type=code&state=5f1e&scope=user-read-private&show_dialog=False`);
      expect(await page.textContent('#client-id')).toBe(spotify.clientId);
      await page.click('button[value=agree]');
      const atApp = await arrived;
      expect(atApp.pathname).toBe('/auth');
      expect(atApp.searchParams.get('state')).toBe('5f1e');
      expect(await page.textContent('body')).toBe('You may close this window.');

      const res = await fetch(`${url}/spotify/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=authorization_code&code=${encodeURIComponent(atApp.searchParams.get('code')!)}&refresh_token=`,
      });
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ token_type: 'Bearer', scope: 'user-read-private' });
      expect(body.access_token).toEqual(expect.stringMatching(/.+/));
      expect(body).not.toHaveProperty('error');
    });
  });
});
