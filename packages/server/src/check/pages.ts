// The check page's HTML: its templates and files, the set-up page filled once at start-up, and the callback page
// filled with what Spotify's answer meant.
import { readFileSync } from 'node:fs';
import { escapeHtml } from 'spotify-token-swap/internal';
import { redirectUriProblems } from 'spotify-token-swap/internal';
import { clientRows, clientsJson } from './clients.js';
import type { LoginAttempt } from './login.js';

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

export interface Callback {
  status: number;
  outcome: 'ok' | 'error' | 'refused';
  headline: string;
  advice: string;
  code?: string;
  verifier?: string;
}

/**
 * What Spotify's answer at the callback means: its query, and the login attempt this browser's cookie holds for the
 * state it sent back (none when the state or the cookie does not match).
 */
export function callbackOutcome(
  query: Readonly<Record<string, unknown>>,
  attempt: LoginAttempt | undefined,
  publicUrl: string,
): Callback {
  const { code, error, state } = query;
  if (code === undefined && error === undefined && state === undefined) {
    return {
      status: 200,
      outcome: 'error',
      headline: 'Nothing to check here',
      advice: 'A login comes back here once, and its code works once. Start again to log in anew.',
    };
  }
  if (attempt === undefined) {
    return {
      status: 400,
      outcome: 'refused',
      headline: 'Refused: this login was not started in this browser, or is spent',
      advice:
        'The state Spotify sent back does not match the one this browser was given, was used once already, or is ' +
        'more than ten minutes old, so nothing was swapped. ' +
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

/** The page's stylesheet, script and icon, read once. */
export const ASSETS: Readonly<Record<string, { type: string; body: string }>> = {
  'check.css': { type: 'text/css; charset=utf-8', body: file('check.css') },
  'check.js': { type: 'text/javascript; charset=utf-8', body: file('check.js') },
  // Named by the pages, so that a browser asks for it here rather than for /favicon.ico.
  'icon.svg': { type: 'image/svg+xml; charset=utf-8', body: file('icon.svg') },
};

/**
 * The two pages: the set-up page, filled once (but for the warning when it is opened at another address than
 * PUBLIC_URL's), and the callback page, filled per login.
 */
export function checkPages(
  options: { mode: 'demo' | 'spotify'; clientId: string; appRedirectUri: string },
  where: { publicUrl: string; redirectUri: string; legacy: 'on' | 'off'; sessions: 'on' | 'off' },
): { setup(openedAt: string | undefined): string; callback(answer: Callback): string } {
  const { publicUrl, redirectUri, legacy, sessions } = where;
  const problems = redirectUriProblems(options.appRedirectUri);
  const setup = render(file('setup.html'), {
    mode:
      options.mode === 'demo'
        ? "Demo mode: a mock Spotify on this machine plays Spotify's part, and its consent page needs no account."
        : `Spotify, client id ${options.clientId}. A set-up tool: turn LOGIN_CHECK off when your app logs in.`,
    originWarning: ORIGIN_WARNING,
    redirectUri,
    appRedirectUri: options.appRedirectUri,
    appRedirectProblems:
      problems.length === 0
        ? ''
        : `<ul class="warning" id="app-redirect-problems">${problems
            .map((problem) => `<li>${escapeHtml(options.appRedirectUri)} ${escapeHtml(problem)}</li>`)
            .join('')}</ul>`,
    clientRows: clientRows({
      swap: `${publicUrl}/swap`,
      refresh: `${publicUrl}/refresh`,
      exchange: `${publicUrl}/`,
      legacy: legacy === 'on' ? 'on (LEGACY_EXCHANGE=1)' : 'off: set LEGACY_EXCHANGE=1 for 5.x',
    }),
  });
  const callback = file('callback.html');
  return {
    setup(openedAt) {
      const warning =
        openedAt === undefined
          ? ''
          : `<p class="warning" id="origin-warning">This page was opened at ${escapeHtml(openedAt)}, but its ` +
            `redirect URI is on ${escapeHtml(publicUrl)}: the login would come back to another address and be ` +
            `refused. Open <a href="${escapeHtml(publicUrl)}/check/">${escapeHtml(publicUrl)}/check/</a>, or set ` +
            'PUBLIC_URL to the address browsers reach this server at.</p>';
      return setup.replace(ORIGIN_WARNING, () => warning);
    },
    callback: (answer) =>
      render(callback, {
        outcome: answer.outcome,
        headline: answer.headline,
        advice: answer.advice,
        code: answer.code ?? '',
        verifier: answer.verifier ?? '',
        redirectUri,
        legacy,
        sessions,
        clients: clientsJson,
      }),
  };
}
