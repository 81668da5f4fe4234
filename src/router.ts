// Builds the Router: one route per path, each running the hooks, then its handler, and answering and logging once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Router } from 'express';
import type { BodyRequest } from './body.js';
import { codeForStatus, methodNotAllowed, toOAuthError } from './errors.js';
import { legacyRoutes } from './handlers/legacy.js';
import { refreshHandler } from './handlers/refresh.js';
import { swapHandler } from './handlers/swap.js';
import { runMiddleware, type Middleware } from './hooks.js';
import { logEvent, outcomeOf, silentLogger, type TokenSwapEvent } from './logging.js';
import { resolveOptions, type TokenSwapConfig, type TokenSwapOptions } from './options.js';
import { answered, sendError, sendJson } from './respond.js';
import { postRoute, type Reply, type Route } from './route.js';
import { createSpotifyClient, type UpstreamTrace } from './spotify.js';

/**
 * An Express Router that is also a plain `(req, res, next)` handler, so it mounts in Connect or node:http
 * without a cast.
 */
export type TokenSwapRouter = Router &
  ((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void);

function sendReply(res: ServerResponse, reply: Reply): void {
  if ('body' in reply) return sendJson(res, reply.status, reply.body);
  if (answered(res)) return;
  res.statusCode = reply.status;
  res.setHeader('Location', reply.location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

/** Runs one request through the routes of its path. Never rejects: every failure ends as the documented JSON. */
async function serve(
  config: TokenSwapConfig,
  routes: readonly Route[],
  req: BodyRequest,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const trace: UpstreamTrace = { attempts: 0 };
  // HEAD is GET without the body; Node leaves the body out by itself.
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const route = routes.find((candidate) => candidate.method === method);
  let error: string | undefined;
  try {
    let passed = true;
    for (const hook of config.rateLimit as readonly Middleware[]) {
      passed = await runMiddleware(hook, req, res);
      if (!passed) break;
    }
    if (!passed) {
      if (res.statusCode >= 400) error = codeForStatus(res.statusCode);
    } else if (route === undefined) {
      throw methodNotAllowed(
        routes.flatMap((candidate) => (candidate.method === 'GET' ? ['GET', 'HEAD'] : [candidate.method])),
      );
    } else {
      sendReply(res, await route.handle(req, trace));
    }
  } catch (thrown) {
    const oauthError = toOAuthError(thrown);
    error = oauthError.code;
    sendError(res, oauthError);
  }
  // The default logger is silent: build nothing for it.
  if (config.logger === silentLogger) return;
  const name = (route ?? routes[0]!).event;
  const durationMs = Math.round(performance.now() - started);
  // Only what reached the client is reported as answered: a status nobody received is not logged as one.
  const event: TokenSwapEvent = res.headersSent
    ? {
        msg: `spotify-token-swap ${name} answered ${res.statusCode}`,
        event: name,
        outcome: outcomeOf(res.statusCode),
        status: res.statusCode,
        durationMs,
      }
    : {
        msg: `spotify-token-swap ${name} abandoned: the connection closed before the answer`,
        event: name,
        outcome: 'abandoned',
        durationMs,
      };
  if (error !== undefined && res.headersSent) event.error = error;
  if (trace.status !== undefined) event.upstreamStatus = trace.status;
  if (trace.attempts > 0) event.upstreamAttempts = trace.attempts;
  logEvent(config.logger, event);
}

/**
 * The token swap router: `POST /swap` and `POST /refresh` (and SpotifyAPI-NET 5.x's routes with `legacyExchange`).
 * Everything is checked and built here, once: the options, the Spotify client and its connection pool.
 */
export function tokenSwap(options: TokenSwapOptions): TokenSwapRouter {
  const config = resolveOptions(options);
  const spotify = createSpotifyClient(config);
  const swap = swapHandler(config, spotify);
  const refresh = refreshHandler(config, spotify);
  const routes: Route[] = [
    postRoute('/swap', 'swap', swap),
    postRoute('/refresh', 'refresh', refresh),
    ...legacyRoutes(config, swap, refresh),
  ];
  const router = express.Router();
  for (const path of new Set(routes.map((route) => route.path))) {
    const group = routes.filter((route) => route.path === path);
    router.all(path, (req, res) => {
      void serve(config, group, req, res);
    });
  }
  return router as TokenSwapRouter;
}
