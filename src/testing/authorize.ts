// The mock's GET /authorize: Spotify's consent page, with a user who always agrees.
import type { ServerResponse } from 'node:http';
import { send } from './http.js';
import { DEFAULT_SCOPE } from './token-endpoint.js';
import type { IssueCodeOptions } from './types.js';

/**
 * Spotify's consent page, with a user who always agrees: straight back to the redirect URI with a fresh code
 * (bound to that URI, the scope and any PKCE challenge) and the state.
 */
export function authorize(
  query: URLSearchParams,
  res: ServerResponse,
  clientId: string,
  issueCode: (options: IssueCodeOptions) => string,
): number {
  const redirectUri = query.get('redirect_uri') ?? '';
  if (query.get('client_id') !== clientId || redirectUri === '') {
    send(res, 400, JSON.stringify({ error: 'invalid_client', error_description: 'INVALID_CLIENT: Invalid client' }));
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
  if (query.get('response_type') === 'code') {
    const challenge = query.get('code_challenge');
    const method = query.get('code_challenge_method') === 'plain' ? 'plain' : 'S256';
    target.searchParams.set(
      'code',
      issueCode({
        redirectUri,
        scope: query.get('scope') ?? DEFAULT_SCOPE,
        ...(challenge === null ? {} : { codeChallenge: challenge, codeChallengeMethod: method }),
      }),
    );
  } else {
    target.searchParams.set('error', 'unsupported_response_type');
  }
  const state = query.get('state');
  if (state !== null) target.searchParams.set('state', state);
  res.writeHead(302, { Location: target.href, 'Content-Length': 0 }).end();
  return 302;
}
