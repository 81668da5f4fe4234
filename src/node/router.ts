// The Express, Connect and node:http door: tokenSwap() and its options, and the Node request as the core reads it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Answer } from '../core/answer.js';
import type { Exchange, TokenFlow } from '../core/flow.js';
import { tokenFlow } from '../core/flow.js';
import { fail, resolveOptions, type CommonHooks, type CommonOptions } from '../core/options.js';
import { hooksDecision, type Middleware } from './middleware.js';
import { readCappedBody, writeAnswer } from './http.js';
import { releaseResponse } from './middleware.js';
import { createNodeSpotifyClient } from './spotify.js';

export type { Middleware } from './middleware.js';

/** Options of `tokenSwap()`. */
export interface TokenSwapOptions extends CommonOptions {
  /** `refreshTokenCipher` is required; `logger` and `rateLimit` are optional. */
  hooks: TokenSwapHooks;
}

export interface TokenSwapHooks extends CommonHooks {
  /**
   * Run before the handlers: Connect/Express middleware such as express-rate-limit, or a function of the request that
   * returns a verdict (`true`, `false`, `{ allowed, retryAfterSeconds }`, or a promise of one). Default: none.
   */
  rateLimit?: Middleware | readonly Middleware[] | undefined;
}

/**
 * What `tokenSwap()` returns: a `(req, res, next)` handler, as every host mounts one (Express 4 and 5, Connect,
 * node:http). It answers its own routes and passes every other request on with `next()`.
 */
export type TokenSwapRouter = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** A request as Express, Connect or node:http hands it over; a host app's body parser may have set `body`. */
type HostRequest = IncomingMessage & { body?: unknown };

/** The Node request and its response, as the core reads and answers them. */
export class NodeExchange implements Exchange {
  readonly method: string;
  readonly target: string;

  constructor(
    readonly req: HostRequest,
    readonly res: ServerResponse,
  ) {
    this.method = req.method ?? 'GET';
    this.target = req.url ?? '/';
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  readBody(limit: number, deadlineMs: number): Promise<string | undefined> {
    return readCappedBody(this.req, limit, deadlineMs);
  }

  /** The same test body-parser makes: the stream was read to its end, so a host's parser got there first. */
  parsedBody(): unknown {
    const { req } = this;
    return req.readableEnded || (req.complete && !req.readable) ? (req.body ?? {}) : undefined;
  }

  bodyTaken(): boolean {
    return this.req.readableDidRead;
  }

  respond(answer: Answer): number | undefined {
    releaseResponse(this.res);
    return writeAnswer(this.res, answer);
  }
}

function resolveRateLimit(value: unknown): readonly Middleware[] {
  if (value === undefined) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  list.forEach((hook, index) => {
    if (typeof hook !== 'function') {
      fail(
        Array.isArray(value) ? `hooks.rateLimit[${index}]` : 'hooks.rateLimit',
        'must be a (req, res, next) middleware, such as rateLimit({...}) from express-rate-limit, or a function ' +
          '(req) => boolean | { allowed, retryAfterSeconds }',
      );
    }
  });
  return Object.freeze([...(list as Middleware[])]);
}

/**
 * The token routes' flow on Node: what `tokenSwap()` serves, and what the standalone server dispatches to. Everything
 * is checked and built here, once: the options, the Spotify client and its connection pool.
 */
export function nodeFlow(options: TokenSwapOptions): TokenFlow<NodeExchange> {
  const { config, hooks } = resolveOptions(options, 'tokenSwap');
  const rateLimit = resolveRateLimit(hooks.rateLimit);
  const decide = rateLimit.length === 0 ? undefined : hooksDecision(rateLimit);
  return tokenFlow<NodeExchange>(config, createNodeSpotifyClient(config), {
    basePath: '',
    rateLimit: decide === undefined ? undefined : (request) => decide(request.req, request.res),
  });
}

/** The token swap router: `POST /swap` and `POST /refresh` (and SpotifyAPI-NET 5.x's routes with `legacyExchange`). */
export function tokenSwap(options: TokenSwapOptions): TokenSwapRouter {
  const flow = nodeFlow(options);
  return (req, res, next) => {
    const path = flow.match(req.url ?? '/');
    if (path === undefined) return next();
    void flow.serve(path, new NodeExchange(req, res));
  };
}
