// The login check page at /check/: what to register and configure, a login with Spotify (authorization code with
// PKCE), and a callback page whose script swaps and refreshes through this server's own routes, as an app would.
import express, { type RequestHandler, type Response, type Router } from 'express';
import { errorBody } from 'spotify-token-swap/internal';
import { sendJson } from 'spotify-token-swap/internal';
import { challengeOf, loginCookie, newAttempt } from './login.js';
import { ASSETS, callbackOutcome, checkPages } from './pages.js';
import { fetchProfile } from './profile.js';

export interface CheckOptions {
  /** `demo`: the mock Spotify on this machine plays Spotify's part. */
  mode: 'demo' | 'spotify';
  clientId: string;
  /** The redirect URI the app itself uses: it stays, and the page says so. */
  appRedirectUri: string;
  /** Where /authorize is. */
  accountsUrl: string;
  /** Where /v1/me is. */
  apiUrl: string;
  /** Where browsers reach this server, without a trailing slash. */
  publicUrl: string;
  legacyExchange: boolean;
  /** REFRESH_TOKENS=handles: the page offers Log out (POST /revoke). */
  sessions: boolean;
  rateLimit: RequestHandler | undefined;
}

/** Only what "logged in as" needs: the profile's name, id and plan. */
const CHECK_SCOPE = 'user-read-private';

export const checkRedirectUri = (publicUrl: string): string => `${publicUrl}/check/callback`;

// Scripts, styles and requests from this origin only, no inline code of any kind, and no framing.
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function checkPage(options: CheckOptions): Router {
  const { publicUrl } = options;
  // PUBLIC_URL, read once: the page's origin, its path prefix, and whether it is served over HTTPS.
  const { origin: publicOrigin, pathname, protocol } = new URL(publicUrl);
  const redirectUri = checkRedirectUri(publicUrl);
  const cookie = loginCookie(`${pathname.replace(/\/$/, '')}/check/`, protocol === 'https:');
  const legacy = options.legacyExchange ? 'on' : 'off';
  const pages = checkPages(options, { publicUrl, redirectUri, legacy, sessions: options.sessions ? 'on' : 'off' });

  const html = (res: Response, status: number, page: string) =>
    res.status(status).type('text/html; charset=utf-8').send(page);

  const router = express.Router({ strict: true });
  router.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });
  // The limit guards what costs a call to Spotify (/me here, and the swap and refresh); loading the page and its files
  // counts against nobody's limit.
  const limited: RequestHandler[] = options.rateLimit === undefined ? [] : [options.rateLimit];

  // Every address on the page is relative to /check/, so the page also works under a proxy's path prefix.
  router.get('/', (req, res) => {
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, 'check/');
    const opened = `${req.protocol}://${req.get('host') ?? ''}`;
    return html(res, 200, pages.setup(opened === publicOrigin ? undefined : opened));
  });

  // Spotify's consent page, built as the token URL is: a path prefix of the accounts URL is kept.
  const authorizeBase = `${options.accountsUrl.replace(/\/+$/, '')}/authorize`;
  const authorize = (params: Record<string, string>) =>
    `${authorizeBase}?${new URLSearchParams({
      client_id: options.clientId,
      response_type: 'code',
      scope: CHECK_SCOPE,
      show_dialog: 'true',
      ...params,
    }).toString()}`;

  router.get('/login', (_req, res) => {
    const attempt = newAttempt();
    res.set('Set-Cookie', cookie.set(attempt));
    res.redirect(
      303,
      authorize({
        redirect_uri: redirectUri,
        state: attempt.state,
        code_challenge_method: 'S256',
        code_challenge: challengeOf(attempt.verifier),
      }),
    );
  });

  // Spotify's consent page for the app's own redirect URI: nothing comes back here, so no state or cookie is needed.
  router.get('/app-redirect', (_req, res) => res.redirect(303, authorize({ redirect_uri: options.appRedirectUri })));

  router.get('/callback', (req, res) => {
    const answer = callbackOutcome(req.query, cookie.match(req.headers.cookie, req.query.state), publicUrl);
    // One login, one callback: whatever came back, the attempt is spent.
    res.set('Set-Cookie', cookie.set(undefined));
    html(res, answer.status, pages.callback(answer));
  });

  router.post('/me', ...limited, (req, res, next) => {
    const match = /^Bearer ([\w.~+/=-]+)$/.exec(req.get('authorization') ?? '');
    if (match === null) {
      sendJson(res, 400, errorBody('invalid_request', 'Send the access token as a Bearer token'));
      return;
    }
    fetchProfile(options.apiUrl, match[1]!)
      .then(({ status, body }) => sendJson(res, status, body))
      .catch(next);
  });

  for (const [name, asset] of Object.entries(ASSETS)) {
    router.get(`/${name}`, (_req, res) => res.type(asset.type).send(asset.body));
  }
  return router;
}
