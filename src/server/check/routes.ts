// The login check page at /check/: what to register and configure, a login with Spotify (authorization code with
// PKCE), and a callback page whose script swaps and refreshes through this server's own routes, as an app would.
import { readFileSync } from 'node:fs';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { escapeHtml } from '../../html.js';
import { challengeOf, loginCookie, newAttempt, type LoginCookie } from './login.js';
import { clientRows, clientsJson } from './clients.js';
import { fetchProfile } from './profile.js';
import { redirectUriProblems } from '../redirect-uri-lint.js';

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

/** Where the page warns that it was opened at another address than its redirect URI's. */
const ORIGIN_WARNING = '<!-- origin warning -->';

const file = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');

/** `{{name}}` is escaped; `{{{name}}}` is put in as it is, and only ever gets HTML built here. */
function render(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\{?)(\w+)\}?\}\}/g, (_match, raw: string, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`check page: no value for {{${name}}}`);
    return raw === '{' ? value : escapeHtml(value);
  });
}

interface Callback {
  status: number;
  outcome: 'ok' | 'error' | 'refused';
  headline: string;
  advice: string;
  code?: string;
  verifier?: string;
}

/** What Spotify's answer at the callback means, once its state has been checked against this browser's cookie. */
function callbackOutcome(req: Request, publicUrl: string, cookie: LoginCookie): Callback {
  const { code, error, state } = req.query;
  if (code === undefined && error === undefined && state === undefined) {
    return {
      status: 200,
      outcome: 'error',
      headline: 'Nothing to check here',
      advice: 'A login comes back here once, and its code works once. Start again to log in anew.',
    };
  }
  const attempt = cookie.match(req.headers.cookie, state);
  if (attempt === undefined) {
    return {
      status: 400,
      outcome: 'refused',
      headline: 'Refused: this login was not started in this browser',
      advice:
        'The state Spotify sent back does not match the one this browser was given, so nothing was swapped. ' +
        `Start again from ${publicUrl}/check/ (the address of the redirect URI, so that the browser keeps its cookie).`,
    };
  }
  if (error === 'access_denied') {
    return {
      status: 200,
      outcome: 'error',
      headline: 'Spotify answered access_denied: the login was cancelled',
      advice:
        'If you did not press Cancel: while a Spotify app is in development mode, only the accounts added under ' +
        'User Management in its dashboard may log in to it.',
    };
  }
  if (typeof error === 'string' || typeof code !== 'string' || code === '') {
    return {
      status: 200,
      outcome: 'error',
      headline: `Spotify answered error=${typeof error === 'string' ? error : 'none, and no code'}`,
      advice: 'Start again; if it persists, check the app in the Spotify dashboard.',
    };
  }
  return { status: 200, outcome: 'ok', headline: 'Swapping the code…', advice: '', code, verifier: attempt.verifier };
}

export function checkPage(options: CheckOptions): Router {
  const { publicUrl } = options;
  const publicOrigin = new URL(publicUrl).origin;
  const redirectUri = checkRedirectUri(publicUrl);
  const cookie = loginCookie(
    `${new URL(publicUrl).pathname.replace(/\/$/, '')}/check/`,
    publicUrl.startsWith('https:'),
  );
  const legacy = options.legacyExchange ? 'on' : 'off';
  const problems = redirectUriProblems(options.appRedirectUri);
  const appRedirectProblems =
    problems.length === 0
      ? ''
      : `<ul class="warning" id="app-redirect-problems">${problems
          .map((problem) => `<li>${escapeHtml(options.appRedirectUri)} ${escapeHtml(problem)}</li>`)
          .join('')}</ul>`;
  const setup = render(file('setup.html'), {
    mode:
      options.mode === 'demo'
        ? "Demo mode: a mock Spotify on this machine plays Spotify's part, and its consent page needs no account."
        : `Spotify, client id ${options.clientId}. A set-up tool: turn LOGIN_CHECK off when your app logs in.`,
    originWarning: ORIGIN_WARNING,
    redirectUri,
    appRedirectUri: options.appRedirectUri,
    appRedirectProblems,
    clientRows: clientRows({
      swap: `${publicUrl}/swap`,
      refresh: `${publicUrl}/refresh`,
      exchange: `${publicUrl}/`,
      legacy: legacy === 'on' ? 'on (LEGACY_EXCHANGE=1)' : 'off: set LEGACY_EXCHANGE=1 for 5.x',
    }),
  });
  const callback = file('callback.html');
  const assets = {
    'check.css': { type: 'text/css; charset=utf-8', body: file('check.css') },
    'check.js': { type: 'text/javascript; charset=utf-8', body: file('check.js') },
    // Named by the pages, so that a browser asks for it here rather than for /favicon.ico.
    'icon.svg': { type: 'image/svg+xml; charset=utf-8', body: file('icon.svg') },
  };

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
    const warning =
      opened === publicOrigin
        ? ''
        : `<p class="warning" id="origin-warning">This page was opened at ${escapeHtml(opened)}, but its redirect URI ` +
          `is on ${escapeHtml(publicUrl)}: the login would come back to another address and be refused. Open ` +
          `<a href="${escapeHtml(publicUrl)}/check/">${escapeHtml(publicUrl)}/check/</a>, or set PUBLIC_URL to the ` +
          'address browsers reach this server at.</p>';
    return html(
      res,
      200,
      setup.replace(ORIGIN_WARNING, () => warning),
    );
  });

  router.get('/login', (_req, res) => {
    const attempt = newAttempt();
    // Built as the token URL is: a path prefix of the accounts URL is kept.
    const target = new URL(`${options.accountsUrl.replace(/\/+$/, '')}/authorize`);
    target.search = new URLSearchParams({
      client_id: options.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: CHECK_SCOPE,
      state: attempt.state,
      code_challenge_method: 'S256',
      code_challenge: challengeOf(attempt.verifier),
      show_dialog: 'true',
    }).toString();
    res.set('Set-Cookie', cookie.set(attempt));
    res.redirect(303, target.href);
  });

  // Spotify's consent page for the app's own redirect URI: nothing comes back here, so no state or cookie is needed.
  router.get('/app-redirect', (_req, res) => {
    const target = new URL(`${options.accountsUrl.replace(/\/+$/, '')}/authorize`);
    target.search = new URLSearchParams({
      client_id: options.clientId,
      response_type: 'code',
      redirect_uri: options.appRedirectUri,
      scope: CHECK_SCOPE,
      show_dialog: 'true',
    }).toString();
    res.redirect(303, target.href);
  });

  router.get('/callback', (req, res) => {
    const answer = callbackOutcome(req, publicUrl, cookie);
    // One login, one callback: whatever came back, the attempt is spent.
    res.set('Set-Cookie', cookie.set(undefined));
    html(
      res,
      answer.status,
      render(callback, {
        outcome: answer.outcome,
        headline: answer.headline,
        advice: answer.advice,
        code: answer.code ?? '',
        verifier: answer.verifier ?? '',
        redirectUri,
        legacy,
        clients: clientsJson,
      }),
    );
  });

  router.post('/me', ...limited, (req, res, next) => {
    const match = /^Bearer ([\w.~+/=-]+)$/.exec(req.get('authorization') ?? '');
    if (match === null) {
      res.status(400).json({ error: 'invalid_request', error_description: 'Send the access token as a Bearer token' });
      return;
    }
    fetchProfile(options.apiUrl, match[1]!)
      .then(({ status, body }) => res.status(status).json(body))
      .catch(next);
  });

  for (const [name, asset] of Object.entries(assets)) {
    router.get(`/${name}`, (_req, res) => res.type(asset.type).send(asset.body));
  }
  return router;
}
