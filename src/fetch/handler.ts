// The Fetch API door: tokenSwapHandler() answers a Request with a Response, for Workers, Deno, Bun, Vercel, Netlify,
// Next.js route handlers and Hono. The options are the router's, plus basePath and fetch; rateLimit is a function.
import type { Answer } from '../core/answer.js';
import { jsonAnswer } from '../core/answer.js';
import { NOT_FOUND } from '../core/errors.js';
import { tokenFlow, type Exchange } from '../core/flow.js';
import { fail, resolveOptions, type CommonHooks, type CommonOptions } from '../core/options.js';
import { decisionOf, type RateLimitVerdict } from '../core/rate-limit.js';
import { createSpotifyClient, type Transport } from '../core/spotify.js';
import { fetchTransport, readCapped } from '../core/fetch-transport.js';
import { fetchWebGet } from '../core/web-api.js';

export type { RateLimitVerdict } from '../core/rate-limit.js';

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

/** How a door calls Spotify when no `fetch` is given: over the global fetch here, over a connection pool on Node. */
export type DefaultTransport = (tokenUrl: string) => Transport;

/**
 * The base path, without a trailing slash. It must be a path as requests carry it: a URL's path arrives resolved and
 * percent-encoded, so `/x/../spotify` or `/spötify` could never match one, and is refused with the form that would.
 */
function resolveBasePath(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) {
    fail('basePath', "must be a path starting with /, such as '/spotify' (default '/')");
  }
  const path = value.replace(/\/+$/, '');
  const sent = path === '' ? '' : new URL(path, 'http://base.invalid').pathname;
  if (sent !== path) {
    const hint = sent === '/' || /[?#]/.test(path) ? "a path such as '/spotify'" : `'${sent}'`;
    fail('basePath', `'${value}' is no path a request can have: write it as requests send it, ${hint}`);
  }
  return path;
}

function resolveFetch(value: unknown): typeof fetch | undefined {
  if (value === undefined) {
    if (typeof fetch !== 'function') fail('fetch', 'must be given: this runtime has no global fetch');
    return undefined;
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

/** A Request as the core reads it; the answer it is given becomes the Response. */
class FetchExchange implements Exchange {
  readonly method: string;
  readonly target: string;
  answer: Answer | undefined;

  constructor(readonly request: Request) {
    this.method = request.method;
    this.target = request.url;
  }

  header(name: string): string | undefined {
    return this.request.headers.get(name) ?? undefined;
  }

  readBody(limit: number, deadlineMs: number): Promise<string | undefined> {
    return readCapped(this.request.body, limit, deadlineMs);
  }

  parsedBody(): unknown {
    return undefined;
  }

  bodyTaken(): boolean {
    return this.request.bodyUsed;
  }

  respond(answer: Answer): number {
    this.answer = answer;
    return answer.status;
  }
}

function responseOf(answer: Answer, head: boolean): Response {
  const body = head || answer.body === undefined ? null : answer.body;
  return new Response(body, { status: answer.status, headers: answer.headers });
}

/**
 * The token swap as a Fetch API handler, calling Spotify by `defaultTransport` unless `fetch` is given. Everything
 * is checked here, once.
 */
export function fetchDoor(options: TokenSwapHandlerOptions, defaultTransport: DefaultTransport): TokenSwapHandler {
  const { config, options: given, hooks } = resolveOptions(options, 'tokenSwapHandler', ['basePath', 'fetch']);
  const basePath = resolveBasePath(given.basePath);
  const rateLimit = resolveRateLimit(hooks.rateLimit);
  const fetchImpl = resolveFetch(given.fetch);
  const transport =
    fetchImpl === undefined ? defaultTransport(config.tokenUrl) : fetchTransport(config.tokenUrl, fetchImpl);
  const webGet = fetchWebGet(config.apiUrl, fetchImpl ?? ((input, init) => fetch(input, init)));
  const flow = tokenFlow<FetchExchange>(config, createSpotifyClient(config, transport, webGet), {
    basePath,
    rateLimit: rateLimit === undefined ? undefined : async (exchange) => decisionOf(await rateLimit(exchange.request)),
  });

  return async function handleTokenSwap(request: Request): Promise<Response> {
    const head = request.method === 'HEAD';
    const path = flow.match(request.url);
    if (path === undefined) return responseOf(jsonAnswer(404, NOT_FOUND), head);
    const exchange = new FetchExchange(request);
    await flow.serve(path, exchange);
    return responseOf(exchange.answer!, head);
  };
}

/**
 * The token swap as a Fetch API handler: `POST <basePath>/swap` and `POST <basePath>/refresh` (and SpotifyAPI-NET
 * 5.x's routes with `legacyExchange`); any other path is the documented 404.
 */
export function tokenSwapHandler(options: TokenSwapHandlerOptions): TokenSwapHandler {
  return fetchDoor(options, (tokenUrl) => fetchTransport(tokenUrl, (input, init) => fetch(input, init)));
}
