// The router's options: the shared ones, and its rateLimit hook of Connect/Express middlewares.
import type { RequestHandler } from 'express';
import { fail, resolveOptions, type CommonHooks, type CommonOptions, type TokenSwapConfig } from './core/options.js';

export type { LegacyExchangeOptions } from './core/options.js';

/** Options of `tokenSwap()`. */
export interface TokenSwapOptions extends CommonOptions {
  /** `refreshTokenCipher` is required; `logger` and `rateLimit` are optional. */
  hooks: TokenSwapHooks;
}

export interface TokenSwapHooks extends CommonHooks {
  /** Connect/Express middleware run before the handlers, such as express-rate-limit. Default: none. */
  rateLimit?: RequestHandler | readonly RequestHandler[] | undefined;
}

function resolveRateLimit(value: unknown): readonly RequestHandler[] {
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
  return Object.freeze([...(list as RequestHandler[])]);
}

/** The router's configuration: the shared one and its middlewares. */
export function resolveRouterOptions(options: TokenSwapOptions): {
  config: TokenSwapConfig;
  rateLimit: readonly RequestHandler[];
} {
  const { config, hooks } = resolveOptions(options, 'tokenSwap');
  return { config, rateLimit: resolveRateLimit(hooks.rateLimit) };
}
