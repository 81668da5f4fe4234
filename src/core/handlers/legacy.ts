// SpotifyAPI-NET 5.x's single exchange URL: GET / to /authorize, GET /callback back to the app, POST / for swap and refresh.
import { optionalString, type Fields } from '../fields.js';
import { OAuthError, invalidRequest } from '../errors.js';
import type { TokenSwapConfig } from '../options.js';
import { postRoute, type Route } from '../route.js';
import type { TokenAnswer, UpstreamTrace } from '../spotify.js';

type Grant = (fields: Fields, trace: UpstreamTrace) => Promise<TokenAnswer>;

const MAX_PARAM_LENGTH = 1024;

/** One query parameter: absent or empty is undefined, given twice or absurdly long is a 400. */
function queryParam(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw invalidRequest(`${name} must be given once`, 'field_malformed');
  const value = values[0];
  if (value !== undefined && value.length > MAX_PARAM_LENGTH)
    throw invalidRequest(`${name} is too long`, 'field_malformed');
  return value === '' ? undefined : value;
}

/** C#'s bool.ToString() says True/False; Spotify wants true/false. */
function showDialog(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower !== 'true' && lower !== 'false')
    throw invalidRequest('show_dialog must be true or false', 'field_malformed');
  return lower;
}

export function legacyRoutes(config: TokenSwapConfig, swap: Grant, refresh: Grant): Route[] {
  const { clientCallbackUrl } = config.legacy ?? {};
  if (clientCallbackUrl === undefined) return [];
  const authorizeUrl = `${config.accountsUrl}/authorize`;

  /** The browser leg: to Spotify's consent page with this server's client id and redirect URI, the app's state kept. */
  const authorize: Route = {
    method: 'GET',
    path: '/',
    event: 'legacy_authorize',
    handle(request) {
      const query = request.query();
      const state = queryParam(query, 'state');
      if (state === undefined) throw invalidRequest('state is required', 'field_missing');
      const target = new URL(authorizeUrl);
      target.searchParams.set('client_id', config.clientId);
      target.searchParams.set('response_type', 'code');
      target.searchParams.set('redirect_uri', config.redirectUri);
      target.searchParams.set('state', state);
      const scope = queryParam(query, 'scope');
      if (scope !== undefined) target.searchParams.set('scope', scope);
      const dialog = showDialog(queryParam(query, 'show_dialog'));
      if (dialog !== undefined) target.searchParams.set('show_dialog', dialog);
      return Promise.resolve({ status: 303, location: target.href });
    },
  };

  /** Spotify sends the browser here; it goes on to the app's loopback listener with only code, state and error. */
  const callback: Route = {
    method: 'GET',
    path: '/callback',
    event: 'legacy_callback',
    handle(request) {
      const query = request.query();
      const target = new URL(clientCallbackUrl);
      const code = queryParam(query, 'code');
      const error = queryParam(query, 'error');
      if (code === undefined && error === undefined) throw invalidRequest('code or error is required', 'field_missing');
      if (code !== undefined) target.searchParams.set('code', code);
      if (error !== undefined) target.searchParams.set('error', error);
      const state = queryParam(query, 'state');
      if (state !== undefined) target.searchParams.set('state', state);
      return Promise.resolve({ status: 303, location: target.href });
    },
  };

  /** 5.x posts every grant to one URL, always with both `code` and `refresh_token`, one of them empty. */
  const exchange = postRoute('/', 'legacy_exchange', (fields, trace) => {
    const grantType = optionalString(fields, 'grant_type');
    if (grantType === 'authorization_code') return swap(fields, trace);
    if (grantType === 'refresh_token') return refresh(fields, trace);
    throw new OAuthError(
      400,
      'unsupported_grant_type',
      'grant_type must be authorization_code or refresh_token',
      'grant_type_unsupported',
    );
  });

  return [authorize, exchange, callback];
}
