// The standalone server's Express app: health check, CORS, the router with its hooks, and JSON for everything else.
import cors from 'cors';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { TokenSwapOptionError, tokenSwap, type RefreshTokenCipher, type TokenSwapOptions } from '../index.js';
import { checkPage, checkRedirectUri } from './check/routes.js';
import { NOT_FOUND, serverError } from '../core/errors.js';
import { DEFAULT_ACCOUNTS_URL } from '../core/options.js';
import { sendJson } from '../respond.js';
import { ConfigError, ENV_FOR_OPTION, type ServerConfig, type SpotifyEndpoint } from './config.js';

export interface AppState {
  /** Set on SIGTERM/SIGINT: the health check turns 503 so load balancers stop sending traffic. */
  draining: boolean;
  /** Set when a request came through a proxy while TRUST_PROXY is unset: the health check says so from then on. */
  untrustedProxySeen?: boolean;
}

export interface AppParts {
  config: ServerConfig;
  cipher: RefreshTokenCipher;
  /** In demo mode, the mock's URL and credentials stand in for Spotify's. */
  spotify: SpotifyEndpoint;
  rateLimit: RequestHandler | undefined;
  /** True while the shared rate limit's store cannot be reached: /healthz says so, and keeps answering 200. */
  rateLimitDegraded: () => boolean;
  log: PinoLogger;
  state: AppState;
  /** Where browsers reach this server, without a trailing slash: the check page's redirect URI is built on it. */
  publicUrl: string;
}

/** tokenSwap() checks its options; a refusal is reported under the variable that fed the option. */
function router(options: TokenSwapOptions): ReturnType<typeof tokenSwap> {
  try {
    return tokenSwap(options);
  } catch (error) {
    if (!(error instanceof TokenSwapOptionError)) throw error;
    const message = error.message.replace(/^spotify-token-swap: /, '');
    // The option a variable fed: `legacyExchange.clientCallbackUrl` came from LEGACY_CLIENT_CALLBACK_URL.
    const env = ENV_FOR_OPTION[error.option.split(/[.[]/, 1)[0]!];
    throw new ConfigError(env === undefined ? message : `${env}: ${message}`);
  }
}

export function createApp(parts: AppParts): Express {
  const { config, cipher, spotify, rateLimit, rateLimitDegraded, log, state, publicUrl } = parts;
  // While the check page is on, the swap also takes the page's own redirect URI.
  const allowedRedirectUris = [
    ...(config.allowedRedirectUris ?? []),
    ...(config.loginCheck ? [checkRedirectUri(publicUrl)] : []),
  ];
  const { apiUrl, ...tokenEndpoint } = spotify;
  const options: TokenSwapOptions = {
    ...tokenEndpoint,
    ...(allowedRedirectUris.length === 0 ? {} : { allowedRedirectUris }),
    ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    legacyExchange: config.legacyExchange,
    hooks: { refreshTokenCipher: cipher, logger: log, ...(rateLimit === undefined ? {} : { rateLimit }) },
  };
  const swap = router(options);

  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  // Draining is 503, so load balancers stop sending. A rate limit without its store is 200: every instance shares
  // the store, and taking them all out of rotation would turn a missing limit into an outage.
  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (state.draining) return sendJson(res, 503, { status: 'draining' });
    const proxy = state.untrustedProxySeen === true ? { proxy: 'untrusted X-Forwarded-For seen' } : {};
    if (rateLimitDegraded()) return sendJson(res, 200, { status: 'degraded', rateLimit: 'unavailable', ...proxy });
    return sendJson(res, 200, { status: 'ok', ...proxy });
  });
  if (config.corsOrigins !== undefined) {
    app.use(cors({ origin: config.corsOrigins, methods: ['GET', 'POST'], maxAge: 600 }));
  }
  if (config.loginCheck) {
    app.use(
      '/check',
      checkPage({
        mode: config.mode,
        clientId: spotify.clientId,
        appRedirectUri: spotify.redirectUri,
        accountsUrl: spotify.accountsUrl ?? DEFAULT_ACCOUNTS_URL,
        apiUrl: apiUrl ?? 'https://api.spotify.com',
        publicUrl,
        legacyExchange: config.legacyExchange !== false,
        rateLimit,
      }),
    );
  }
  app.use(swap);
  app.use((_req, res) => sendJson(res, 404, NOT_FOUND));
  const onError: ErrorRequestHandler = (_error, _req, res, _next) => {
    sendJson(res, 500, serverError('The server failed to handle the request').body);
  };
  app.use(onError);
  return app;
}
