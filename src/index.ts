// The public API: the router factory, the refresh-token ciphers, and the types of their options and hooks.
import { tokenSwap } from './node/router.js';
export type { Middleware, TokenSwapHooks, TokenSwapOptions, TokenSwapRouter } from './node/router.js';

export { tokenSwap };
export default tokenSwap;
export { aesGcmCipher, plaintextRefreshTokens } from './node/cipher.js';
export type { RefreshTokenCipher, RefreshTokenSession } from './node/cipher.js';
export type { Logger, TokenSwapEvent, TokenSwapOutcome, TokenSwapRoute, TokenSwapWarning } from './core/logging.js';
export type { TokenSwapReason } from './core/errors.js';
export type { RateLimitVerdict } from './core/rate-limit.js';
export type { CorsOptions } from './core/cors.js';
export { TokenSwapOptionError } from './core/option-error.js';
export type { TokenSwapOptionErrorCode } from './core/option-error.js';
export type { LegacyExchangeOptions } from './core/options.js';
export { memorySessionStore } from './core/sessions/memory-store.js';
export type { MemorySessionStoreOptions } from './core/sessions/memory-store.js';
export { redisSessionStore } from './core/sessions/redis-store.js';
export type { RedisSessionStoreOptions } from './core/sessions/redis-store.js';
export type { FoundSession, SessionChange, SessionStore, StoredSession } from './core/sessions/store.js';
export type { SessionsOptions } from './core/options.js';
