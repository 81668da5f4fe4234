// The standalone server's request handler: health check, the token routes, the check page, and JSON for everything
// else. It dispatches on the path itself, with no Express app around the routes: docs/decisions/
// standalone-without-express.md says why. Paths are read by the one rule every door shares.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger as PinoLogger } from 'pino';
import {
  TokenSwapOptionError,
  tokenSwap,
  type RefreshTokenCipher,
  type SessionStore,
  type TokenSwapOptions,
  type TokenSwapRouter,
} from 'spotify-token-swap';
import { DEFAULT_ACCOUNTS_URL, pathOf, sendJson, serverError } from 'spotify-token-swap/internal';
import { checkPage, checkRedirectUri } from './check/routes.js';
import { ConfigError, ENV_FOR_OPTION, type ServerConfig, type SpotifyEndpoint } from './config.js';
import type { OwnAnswers } from './own-answers.js';

export interface AppState {
  /** Set on SIGTERM/SIGINT: the health check turns 503 so load balancers stop sending traffic. */
  draining: boolean;
  /**
   * When a request last came through a proxy on a private network while TRUST_PROXY is unset: the health check says so
   * for ten minutes after.
   */
  untrustedProxySeenAt?: number;
}

export interface AppParts {
  config: ServerConfig;
  cipher: RefreshTokenCipher;
  /** In demo mode, the mock's URL and credentials stand in for Spotify's. */
  spotify: SpotifyEndpoint;
  rateLimit: RequestHandler | undefined;
  /** True while the shared rate limit's store cannot be reached: /healthz says so, and keeps answering 200. */
  rateLimitDegraded: () => boolean;
  /** With REFRESH_TOKENS=handles: where sessions live, and whether that cannot be reached now. */
  sessions: AppSessions | undefined;
  log: PinoLogger;
  /** The server's own answers, each with its log line. */
  answers: OwnAnswers;
  state: AppState;
  /** Where browsers reach this server, without a trailing slash: the check page's redirect URI is built on it. */
  publicUrl: string;
}

export type App = (req: IncomingMessage, res: ServerResponse) => void;

export interface AppSessions {
  store: SessionStore;
  unavailable(): boolean;
}

/** The token routes; a refusal of their options is reported under the variable that fed the option. */
function tokenRouter(options: TokenSwapOptions): TokenSwapRouter {
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

function routerOptions(parts: AppParts): TokenSwapOptions {
  const { config, cipher, spotify, rateLimit, log, publicUrl, sessions } = parts;
  // While the check page is on, the swap also takes the page's own redirect URI.
  const allowedRedirectUris = [
    ...(config.allowedRedirectUris ?? []),
    ...(config.loginCheck ? [checkRedirectUri(publicUrl)] : []),
  ];
  return {
    ...spotify,
    ...(allowedRedirectUris.length === 0 ? {} : { allowedRedirectUris }),
    ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    legacyExchange: config.legacyExchange,
    clientToken: config.clientToken,
    ...(sessions === undefined ? {} : { sessions: { store: sessions.store, rotation: config.rotateHandles } }),
    ...(config.corsOrigins === undefined ? {} : { cors: { origins: config.corsOrigins } }),
    hooks: { refreshTokenCipher: cipher, logger: log, ...(rateLimit === undefined ? {} : { rateLimit }) },
  };
}

/** The check page is a set-up tool, opened a few times: it keeps the Express app its pages are written for. */
function checkApp(parts: AppParts): Express {
  const { config, spotify, rateLimit, publicUrl, answers } = parts;
  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.use(
    '/check',
    checkPage({
      mode: config.mode,
      clientId: spotify.clientId,
      appRedirectUri: spotify.redirectUri,
      accountsUrl: spotify.accountsUrl ?? DEFAULT_ACCOUNTS_URL,
      apiUrl: spotify.apiUrl ?? 'https://api.spotify.com',
      publicUrl,
      legacyExchange: config.legacyExchange !== false,
      sessions: config.refreshTokens === 'handles',
      rateLimit,
    }),
  );
  app.use((_req: IncomingMessage, res: ServerResponse) => answers.notFound(res));
  const onError: ErrorRequestHandler = (_error, _req, res, _next) => failed(res);
  app.use(onError);
  return app;
}

const failed = (res: ServerResponse) => sendJson(res, 500, serverError('The server failed to handle the request').body);

/** How long the health check says that a proxy was seen, after the last request that came through one. */
const PROXY_NOTICE_MS = 10 * 60_000;

/** The health check: GET or HEAD of /healthz, its path read as every other (any case, a trailing slash, a query). */
export function isHealthCheck(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && pathOf(req.url ?? '/') === '/healthz';
}

export function createApp(parts: AppParts): App {
  const { config, rateLimitDegraded, state, answers, sessions } = parts;
  const router = tokenRouter(routerOptions(parts));
  const check = config.loginCheck ? checkApp(parts) : undefined;

  // Draining is 503, so load balancers stop sending. A rate limit without its store is 200: every instance shares
  // the store, and taking them all out of rotation would turn a missing limit into an outage.
  const health = (res: ServerResponse) => {
    if (state.draining) return answers.health(res, 503, { status: 'draining' });
    const seenAt = state.untrustedProxySeenAt;
    const proxy =
      seenAt !== undefined && Date.now() - seenAt < PROXY_NOTICE_MS ? { proxy: 'untrusted X-Forwarded-For seen' } : {};
    // Sessions without their store answer 503 on every instance alike: 200 here too, saying so.
    const down = {
      ...(rateLimitDegraded() ? { rateLimit: 'unavailable' } : {}),
      ...(sessions?.unavailable() === true ? { sessions: 'unavailable' } : {}),
    };
    const status = Object.keys(down).length > 0 ? 'degraded' : 'ok';
    return answers.health(res, 200, { status, ...down, ...proxy });
  };

  /** Every request the token routes do not take. */
  const rest = (req: IncomingMessage, res: ServerResponse): void => {
    if (isHealthCheck(req)) return health(res);
    const path = pathOf(req.url ?? '/') ?? '';
    if (check !== undefined && (path === '/check' || path.startsWith('/check/'))) void check(req, res);
    else answers.notFound(res, path);
  };

  return (req, res) => {
    try {
      router(req, res, () => rest(req, res));
    } catch {
      failed(res);
    }
  };
}
