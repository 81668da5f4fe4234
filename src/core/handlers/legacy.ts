// SpotifyAPI-NET 5.x's single exchange URL: GET / to /authorize, GET /callback back to the app, POST / for swap and refresh.
import { optionalString, type Fields } from '../fields.js';
import { OAuthError, invalidRequest } from '../errors.js';
import type { TokenSwapConfig } from '../options.js';
import type { TokenSwapRoute } from '../logging.js';
import { redirectAnswer, type Answer } from '../answer.js';
import { postRoute, type DoorRequest, type Route } from '../route.js';
import { queryOf } from '../paths.js';
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

/**
 * A GET route that sends the browser on: a 303 to `base` with the parameters `params` picks from the query, in order
 * (undefined ones are left out). `params` throws to refuse the request.
 */
function redirectRoute(
  path: string,
  event: TokenSwapRoute,
  base: string,
  params: (query: URLSearchParams) => Record<string, string | undefined>,
): Route {
  const handle = (request: DoorRequest): Promise<Answer> => {
    const target = new URL(base);
    for (const [name, value] of Object.entries(params(queryOf(request.target)))) {
      if (value !== undefined) target.searchParams.set(name, value);
    }
    return Promise.resolve(redirectAnswer(target.href));
  };
  return { method: 'GET', path, event, handle };
}

export function legacyRoutes(config: TokenSwapConfig, swap: Grant, refresh: Grant): Route[] {
  const { clientCallbackUrl } = config.legacy ?? {};
  if (clientCallbackUrl === undefined) return [];

  /** The browser leg: to Spotify's consent page with this server's client id and redirect URI, the app's state kept. */
  const authorize = redirectRoute('/', 'legacy_authorize', `${config.accountsUrl}/authorize`, (query) => {
    const state = queryParam(query, 'state');
    if (state === undefined) throw invalidRequest('state is required', 'field_missing');
    return {
      client_id: config.clientId,
      response_type: 'code',
      redirect_uri: config.redirectUri,
      state,
      scope: queryParam(query, 'scope'),
      show_dialog: showDialog(queryParam(query, 'show_dialog')),
    };
  });

  /** Spotify sends the browser here; it goes on to the app's loopback listener with only code, state and error. */
  const callback = redirectRoute('/callback', 'legacy_callback', clientCallbackUrl, (query) => {
    const code = queryParam(query, 'code');
    const error = queryParam(query, 'error');
    if (code === undefined && error === undefined) throw invalidRequest('code or error is required', 'field_missing');
    return { code, error, state: queryParam(query, 'state') };
  });

  /** 5.x posts every grant to one URL, always with both `code` and `refresh_token`, one of them empty. */
  const exchange = postRoute('/', 'legacy_exchange', config.timeoutMs, (fields, trace) => {
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
