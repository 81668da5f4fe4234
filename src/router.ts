// Builds the Router: one route per path, each running the hooks, then its handler, and answering and logging once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Router } from 'express';
import { readFields, type BodyRequest, type Fields } from './body.js';
import { codeForStatus, methodNotAllowed, toOAuthError } from './errors.js';
import { refreshHandler } from './handlers/refresh.js';
import { swapHandler } from './handlers/swap.js';
import { runMiddleware, type Middleware } from './hooks.js';
import { logEvent, outcomeOf, type TokenSwapEvent, type TokenSwapRoute } from './logging.js';
import { resolveOptions, type TokenSwapConfig, type TokenSwapOptions } from './options.js';
import { answered, sendError, sendJson } from './respond.js';
import { createSpotifyClient, type UpstreamTrace } from './spotify.js';

/**
 * An Express Router that is also a plain `(req, res, next)` handler, so it mounts in Connect or node:http
 * without a cast.
 */
export type TokenSwapRouter = Router & ((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void);

/** What a handler answers: JSON, or (legacy browser legs only) a redirect. */
export type Reply = { status: number; body: object } | { status: number; location: string };

export interface Route {
  path: string;
  event: TokenSwapRoute;
  methods: readonly string[];
  handle(req: BodyRequest, res: ServerResponse, trace: UpstreamTrace): Promise<Reply>;
}

/** A POST route whose handler reads the body's fields and answers 200 with JSON. */
export function postRoute(
  path: string,
  event: TokenSwapRoute,
  handler: (fields: Fields, trace: UpstreamTrace) => Promise<object>,
): Route {
  return {
    path,
    event,
    methods: ['POST'],
    handle: async (req, res, trace) => ({ status: 200, body: await handler(await readFields(req, res), trace) }),
  };
}

function sendReply(res: ServerResponse, reply: Reply): void {
  if ('body' in reply) return sendJson(res, reply.status, reply.body);
  if (answered(res)) return;
  res.statusCode = reply.status;
  res.setHeader('Location', reply.location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}

/** Runs one request through a route. Never rejects: every failure ends as the documented JSON. */
async function serve(config: TokenSwapConfig, route: Route, req: BodyRequest, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const trace: UpstreamTrace = { attempts: 0 };
  let error: string | undefined;
  try {
    let passed = true;
    for (const hook of config.rateLimit as readonly Middleware[]) {
      passed = await runMiddleware(hook, req, res);
      if (!passed) break;
    }
    if (!passed) {
      if (res.statusCode >= 400) error = codeForStatus(res.statusCode);
    } else if (!route.methods.includes(req.method ?? '')) {
      throw methodNotAllowed(route.methods);
    } else {
      sendReply(res, await route.handle(req, res, trace));
    }
  } catch (thrown) {
    const oauthError = toOAuthError(thrown);
    error = oauthError.code;
    sendError(res, oauthError);
  }
  const event: TokenSwapEvent = {
    msg: `spotify-token-swap ${route.event} answered ${res.statusCode}`,
    event: route.event,
    outcome: outcomeOf(res.statusCode),
    status: res.statusCode,
    durationMs: Math.round(performance.now() - started),
  };
  if (error !== undefined) event.error = error;
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
  const routes: Route[] = [
    postRoute('/swap', 'swap', swapHandler(config, spotify)),
    postRoute('/refresh', 'refresh', refreshHandler(config, spotify)),
  ];
  const router = express.Router();
  for (const route of routes) {
    router.all(route.path, (req, res) => {
      void serve(config, route, req, res);
    });
  }
  return router as TokenSwapRouter;
}
