// Builds the Router: one route per path, each running the hooks, then its handler, and answering and logging once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { readFields, type BodyRequest } from './body.js';
import { answer, logRequest, pathRoutes, routeFor, type Answer, type Failure, type PathRoutes } from './core/answer.js';
import { codeForStatus, toOAuthError } from './core/errors.js';
import type { TokenSwapConfig } from './core/options.js';
import type { RouteRequest } from './core/route.js';
import { byPath, tokenRoutes } from './core/routes.js';
import type { UpstreamTrace } from './core/spotify.js';
import { runMiddleware } from './hooks.js';
import { resolveRouterOptions, type Middleware, type TokenSwapOptions } from './options.js';
import { answered, sendJson } from './respond.js';
import { createNodeSpotifyClient } from './spotify.js';

/**
 * What `tokenSwap()` returns: an Express Router, typed as the `(req, res, next)` handler every host mounts (Express 4
 * and 5, Connect, node:http), so that the package's declarations need no Express types installed.
 */
export type TokenSwapRouter = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

function send(res: ServerResponse, reply: Answer): void {
  if ('body' in reply) return sendJson(res, reply.status, reply.body, 'headers' in reply ? reply.headers : undefined);
  if (answered(res)) return;
  res.statusCode = reply.status;
  res.setHeader('Location', reply.location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

/** What the handlers may ask of a Node request. */
function routeRequest(req: BodyRequest): RouteRequest {
  return {
    query: () => new URL(req.url ?? '/', 'http://router.invalid').searchParams,
    fields: () => readFields(req),
  };
}

/** Runs the hooks, in order, until one answers by itself. Resolves to true when all passed the request on. */
async function passHooks(hooks: readonly Middleware[], req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  for (const hook of hooks) {
    if (!(await runMiddleware(hook, req, res))) return false;
  }
  return true;
}

/** Runs one request through the routes of its path. Never rejects: every failure ends as the documented JSON. */
async function serve(
  config: TokenSwapConfig,
  hooks: readonly Middleware[],
  path: PathRoutes,
  req: BodyRequest,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const trace: UpstreamTrace = { attempts: 0 };
  const route = routeFor(path, req.method);
  let failure: Failure | undefined;
  try {
    if (hooks.length === 0 || (await passHooks(hooks, req, res))) {
      const result = await answer(path, route, routeRequest(req), trace);
      failure = result.failure;
      send(res, result.answer);
    } else if (res.statusCode >= 400) {
      // A hook answered by itself: a limiter's 429, or an IP filter's 403.
      failure = {
        code: codeForStatus(res.statusCode),
        reason: res.statusCode === 429 ? 'rate_limited' : 'hook_refused',
      };
    }
  } catch (thrown) {
    // A hook that threw, rejected or called next(error).
    const error = toOAuthError(thrown, 'hook_failed');
    failure = { code: error.code, reason: error.reason };
    sendJson(res, error.status, error.body, error.headers);
  }
  logRequest(config.logger, path, route, started, res.headersSent ? res.statusCode : undefined, failure, trace);
}

/** One path's handler: it answers every request it is given, and never passes one on. */
export type PathHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The token routes as plain node:http handlers, by path: what `tokenSwap()` mounts on its Router, and what the
 * standalone server dispatches to by itself. Everything is checked and built here, once: the options, the Spotify
 * client and its connection pool.
 */
export function tokenSwapPaths(options: TokenSwapOptions): Map<string, PathHandler> {
  const { config, rateLimit } = resolveRouterOptions(options);
  const paths = new Map<string, PathHandler>();
  for (const [path, routes] of byPath(tokenRoutes(config, createNodeSpotifyClient(config)))) {
    const group = pathRoutes(routes);
    paths.set(path, (req, res) => void serve(config, rateLimit, group, req, res));
  }
  return paths;
}

/** The token swap router: `POST /swap` and `POST /refresh` (and SpotifyAPI-NET 5.x's routes with `legacyExchange`). */
export function tokenSwap(options: TokenSwapOptions): TokenSwapRouter {
  const router = express.Router();
  for (const [path, handle] of tokenSwapPaths(options)) router.all(path, handle);
  // Express's Router is typed on its own request and response, but it is a plain (req, res, next) handler at run time.
  return router as unknown as TokenSwapRouter;
}
