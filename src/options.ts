// The router's options: the shared ones, and its rateLimit hook of Connect/Express middlewares.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fail, resolveOptions, type CommonHooks, type CommonOptions, type TokenSwapConfig } from './core/options.js';

export type { LegacyExchangeOptions } from './core/options.js';

/**
 * A Connect/Express middleware, as the rateLimit hook takes it: express-rate-limit's handler fits, and so does any
 * `(req, res, next)` function. Written on node:http's types (as a method, so that Express's narrower request and
 * response types are accepted too), so that the package's declarations need no Express types installed.
 */
export type Middleware = {
  middleware(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): unknown;
}['middleware'];

/** Options of `tokenSwap()`. */
export interface TokenSwapOptions extends CommonOptions {
  /** `refreshTokenCipher` is required; `logger` and `rateLimit` are optional. */
  hooks: TokenSwapHooks;
}

export interface TokenSwapHooks extends CommonHooks {
  /** Connect/Express middleware run before the handlers, such as express-rate-limit. Default: none. */
  rateLimit?: Middleware | readonly Middleware[] | undefined;
}

function resolveRateLimit(value: unknown): readonly Middleware[] {
  if (value === undefined) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  list.forEach((handler, index) => {
    if (typeof handler !== 'function') {
      fail(
        Array.isArray(value) ? `hooks.rateLimit[${index}]` : 'hooks.rateLimit',
        'must be a (req, res, next) middleware, such as rateLimit({...}) from express-rate-limit',
      );
    }
  });
  return Object.freeze([...(list as Middleware[])]);
}

/** The router's configuration: the shared one and its middlewares. */
export function resolveRouterOptions(options: TokenSwapOptions): {
  config: TokenSwapConfig;
  rateLimit: readonly Middleware[];
} {
  const { config, hooks } = resolveOptions(options, 'tokenSwap');
  return { config, rateLimit: resolveRateLimit(hooks.rateLimit) };
}
