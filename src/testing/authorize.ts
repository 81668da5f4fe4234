// The mock's /authorize: Spotify's consent page. GET shows the client and the scopes with Agree and Cancel; the form
// posts back to the same address, and the answer sends the browser to the redirect URI with a code or an error.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { escapeHtml } from '../html.js';
import { send } from './http.js';
import { DEFAULT_SCOPE } from './token-endpoint.js';
import type { IssueCodeOptions } from './types.js';

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#111}' +
  'code{overflow-wrap:anywhere}button{font:inherit;padding:.5rem 1.5rem;margin-right:.5rem;border-radius:2rem;' +
  'border:1px solid #777;background:#fff}button[value=agree]{background:#1db954;border-color:#1db954;color:#000}';
// No script at all, and only this style: the page is served as the real one is, under a Content-Security-Policy.
const CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

function consentPage(clientId: string, scope: string, redirectUri: URL): string {
  const scopes = scope.split(' ').filter((item) => item !== '');
  const list =
    scopes.length === 0
      ? '<p>No scopes: only your public profile.</p>'
      : `<ul>${scopes.map((item) => `<li><code>${escapeHtml(item)}</code></li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Mock Spotify: authorize</title>
<style>${STYLE}</style></head>
<body>
<h1>Mock Spotify</h1>
<p>The app <code id="client-id">${escapeHtml(clientId)}</code> asks to connect to your account with these scopes:</p>
${list}
<p>Afterwards you go to <code>${escapeHtml(redirectUri.origin + redirectUri.pathname)}</code>.</p>
<form method="post">
<button name="consent" value="agree">Agree</button>
<button name="consent" value="cancel">Cancel</button>
</form>
</body>
</html>
`;
}

/**
 * GET /authorize shows the consent page; POST /authorize with the same query and `consent=agree` or `consent=cancel`
 * answers the way Spotify does: a 303 to the redirect URI with a fresh code (bound to that URI, the scope and any
 * PKCE challenge), or with `error=access_denied`, and the state either way. Returns the status sent.
 */
export function authorize(
  method: 'GET' | 'POST',
  query: URLSearchParams,
  form: Record<string, string>,
  res: ServerResponse,
  app: {
    clientId: string;
    /** The registered redirect URIs, or undefined for any. */
    redirectUris: ReadonlySet<string> | undefined;
    issueCode: (options: IssueCodeOptions) => string;
  },
): number {
  const { clientId, redirectUris, issueCode } = app;
  const redirectUri = query.get('redirect_uri') ?? '';
  if (query.get('client_id') !== clientId || redirectUri === '') {
    send(res, 400, JSON.stringify({ error: 'invalid_client', error_description: 'INVALID_CLIENT: Invalid client' }));
    return 400;
  }
  // Spotify refuses a redirect URI the app has not registered on its own page, before any consent: no code (and no
  // error) is ever sent anywhere else.
  if (redirectUris !== undefined && !redirectUris.has(redirectUri)) {
    send(
      res,
      400,
      JSON.stringify({ error: 'invalid_request', error_description: 'INVALID_CLIENT: Invalid redirect URI' }),
    );
    return 400;
  }
  let target: URL;
  try {
    target = new URL(redirectUri);
  } catch {
    send(
      res,
      400,
      JSON.stringify({ error: 'invalid_request', error_description: 'INVALID_CLIENT: Invalid redirect URI' }),
    );
    return 400;
  }
  const scope = query.get('scope') ?? DEFAULT_SCOPE;
  const supported = query.get('response_type') === 'code';
  if (method === 'GET' && supported) {
    const page = consentPage(clientId, scope, target);
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(page),
      'Content-Security-Policy': CSP,
      'Cache-Control': 'no-store',
    });
    res.end(page);
    return 200;
  }
  if (!supported) {
    target.searchParams.set('error', 'unsupported_response_type');
  } else if (form.consent === 'agree') {
    const challenge = query.get('code_challenge');
    const challengeMethod = query.get('code_challenge_method') === 'plain' ? 'plain' : 'S256';
    target.searchParams.set(
      'code',
      issueCode({
        redirectUri,
        scope,
        ...(challenge === null ? {} : { codeChallenge: challenge, codeChallengeMethod: challengeMethod }),
      }),
    );
  } else if (form.consent === 'cancel') {
    target.searchParams.set('error', 'access_denied');
  } else {
    send(res, 400, JSON.stringify({ error: 'invalid_request', error_description: 'consent must be agree or cancel' }));
    return 400;
  }
  const state = query.get('state');
  if (state !== null) target.searchParams.set('state', state);
  res.writeHead(303, { Location: target.href, 'Content-Length': 0 }).end();
  return 303;
}
