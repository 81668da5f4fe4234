// The Fetch API door: tokenSwapHandler() answers a Request with a Response, for Workers, Deno, Bun, Vercel, Netlify,
// Next.js route handlers and Hono. The options are the router's, plus basePath and fetch; rateLimit is a function.
import {
  answer,
  failed,
  logRequest,
  pathRoutes,
  routeFor,
  type Answer,
  type Failure,
  type PathRoutes,
} from '../core/answer.js';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  NOT_FOUND,
  RATE_LIMITED_DESCRIPTION,
  retryAfterSeconds,
  serverError,
  toOAuthError,
  tooManyRequests,
  type OAuthError,
} from '../core/errors.js';
import { fail, resolveOptions, type CommonHooks, type CommonOptions } from '../core/options.js';
import { byPath, matchingPath, tokenRoutes } from '../core/routes.js';
import { createSpotifyClient, type UpstreamTrace } from '../core/spotify.js';
import { requestFields } from './body.js';
import { fetchTransport } from './transport.js';

/**
 * What a rateLimit hook decides for one request: `true` (or `{ allowed: true }`) lets it through; `false` refuses
 * it with the documented 429, and `{ allowed: false, retryAfterSeconds }` says how long the client should wait.
 */
export type RateLimitVerdict = boolean | { allowed: boolean; retryAfterSeconds?: number | undefined };

/** Decides whether a request may go on, such as a Workers rate-limiting binding asked for the client's address. */
export type RateLimit = (request: Request) => RateLimitVerdict | Promise<RateLimitVerdict>;

/** Options of `tokenSwapHandler()`: those of `tokenSwap()`, plus `basePath` and `fetch`. */
export interface TokenSwapHandlerOptions extends CommonOptions {
  /** The path the routes sit under: `<basePath>/swap`, `<basePath>/refresh`. Default: `'/'`. */
  basePath?: string | undefined;
  /** The fetch that calls Spotify. Default: the global one. For tests and egress proxies. */
  fetch?: typeof fetch | undefined;
  /** `refreshTokenCipher` is required; `logger` and `rateLimit` are optional. */
  hooks: TokenSwapHandlerHooks;
}

export interface TokenSwapHandlerHooks extends CommonHooks {
  /** Run before the handlers; a refusal is answered with the documented 429. Default: none. */
  rateLimit?: RateLimit | undefined;
}

/** A Fetch API handler, as Workers, Deno.serve, Bun.serve, Vercel, Netlify and Next.js route handlers take it. */
export type TokenSwapHandler = (request: Request) => Promise<Response>;

const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  // Token answers must not be cached (RFC 6749 §5.1), and neither should errors about them.
  'cache-control': 'no-store',
  pragma: 'no-cache',
};
/** Connection is the server's business in every Fetch runtime, and some refuse it in a Response. */
const HOP_BY_HOP = new Set(['connection']);

function resolveBasePath(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || !value.startsWith('/') || /[?#\s]/.test(value)) {
    fail('basePath', "must be a path starting with /, such as '/spotify' (default '/')");
  }
  return value.replace(/\/+$/, '');
}

function resolveFetch(value: unknown): typeof fetch {
  if (value === undefined) {
    if (typeof fetch !== 'function') fail('fetch', 'must be given: this runtime has no global fetch');
    return (input, init) => fetch(input, init);
  }
  if (typeof value !== 'function') fail('fetch', 'must be a fetch function, or left out for the global one');
  return value as typeof fetch;
}

function resolveRateLimit(value: unknown): RateLimit | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    fail(
      'hooks.rateLimit',
      'must be a function (request) => boolean | { allowed, retryAfterSeconds }, or a promise of it',
    );
  }
  return value as RateLimit;
}

/** A refusal's 429, or undefined when the verdict lets the request through. An unreadable verdict is a failing hook. */
function refusal(verdict: unknown): OAuthError | undefined {
  if (verdict === true) return undefined;
  if (verdict === false) {
    return tooManyRequests(DEFAULT_RETRY_AFTER_SECONDS, RATE_LIMITED_DESCRIPTION, 'rate_limited');
  }
  if (
    typeof verdict === 'object' &&
    verdict !== null &&
    typeof (verdict as { allowed?: unknown }).allowed === 'boolean'
  ) {
    const { allowed, retryAfterSeconds: wait } = verdict as { allowed: boolean; retryAfterSeconds?: unknown };
    if (allowed) return undefined;
    // Read as a Retry-After header is: whole seconds, rounded up, at most a day.
    const seconds = typeof wait === 'number' && wait >= 0 ? retryAfterSeconds(wait) : undefined;
    return tooManyRequests(seconds ?? DEFAULT_RETRY_AFTER_SECONDS, RATE_LIMITED_DESCRIPTION, 'rate_limited');
  }
  throw serverError('The rateLimit hook returned neither a boolean nor { allowed }', 'hook_failed');
}

function toResponse(reply: Answer, head: boolean): Response {
  if (!('body' in reply)) {
    return new Response(null, {
      status: reply.status,
      headers: { location: reply.location, 'cache-control': 'no-store' },
    });
  }
  const headers = new Headers(JSON_HEADERS);
  if ('headers' in reply) {
    for (const [name, value] of Object.entries(reply.headers)) {
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.set(name, value);
    }
  }
  return new Response(head ? null : JSON.stringify(reply.body), { status: reply.status, headers });
}

const notFound = (): Answer => ({ status: 404, body: NOT_FOUND, headers: {} });

/**
 * The token swap as a Fetch API handler: `POST <basePath>/swap` and `POST <basePath>/refresh` (and SpotifyAPI-NET
 * 5.x's routes with `legacyExchange`); any other path is the documented 404. Everything is checked here, once.
 */
export function tokenSwapHandler(options: TokenSwapHandlerOptions): TokenSwapHandler {
  const { config, options: given, hooks } = resolveOptions(options, 'tokenSwapHandler', ['basePath', 'fetch']);
  const basePath = resolveBasePath(given.basePath);
  const rateLimit = resolveRateLimit(hooks.rateLimit);
  const spotify = createSpotifyClient(config, fetchTransport(config.tokenUrl, resolveFetch(given.fetch)));
  const paths = new Map<string, PathRoutes>();
  // The legacy exchange URL, `/`, is the base path itself, with or without its slash, as where a router is mounted.
  for (const [path, routes] of byPath(tokenRoutes(config, spotify))) {
    paths.set(matchingPath(basePath + path), pathRoutes(routes));
  }

  return async function handleTokenSwap(request: Request): Promise<Response> {
    const started = performance.now();
    const url = new URL(request.url);
    const path = paths.get(matchingPath(url.pathname));
    const head = request.method === 'HEAD';
    if (path === undefined) return toResponse(notFound(), head);
    const trace: UpstreamTrace = { attempts: 0 };
    const route = routeFor(path, request.method);
    let result: { answer: Answer; failure?: Failure };
    try {
      const refused = rateLimit === undefined ? undefined : refusal(await rateLimit(request));
      result =
        refused === undefined
          ? await answer(path, route, { query: () => url.searchParams, fields: () => requestFields(request) }, trace)
          : failed(refused);
    } catch (thrown) {
      // A rateLimit hook that threw or rejected.
      result = failed(toOAuthError(thrown, 'hook_failed'));
    }
    logRequest(config.logger, path, route, started, result.answer.status, result.failure, trace);
    return toResponse(result.answer, head);
  };
}
