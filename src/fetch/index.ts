// spotify-token-swap/fetch: the token swap as a Fetch API handler, and the WebCrypto cipher that seals as the Node one.
export { tokenSwapHandler } from './handler.js';
export type {
  RateLimit,
  RateLimitVerdict,
  TokenSwapHandler,
  TokenSwapHandlerHooks,
  TokenSwapHandlerOptions,
} from './handler.js';
export { aesGcmCipher } from './cipher.js';
export { plaintextRefreshTokens } from '../core/sealed-format.js';
export type { RefreshTokenCipher, RefreshTokenSession } from '../core/sealed-format.js';
export type { Logger, TokenSwapEvent, TokenSwapOutcome, TokenSwapRoute, TokenSwapWarning } from '../core/logging.js';
export type { TokenSwapReason } from '../core/errors.js';
export type { CorsOptions } from '../core/cors.js';
export { TokenSwapOptionError } from '../core/option-error.js';
export type { TokenSwapOptionErrorCode } from '../core/option-error.js';
export type { LegacyExchangeOptions } from '../core/options.js';
export { memorySessionStore } from '../core/sessions/memory-store.js';
export type { MemorySessionStoreOptions } from '../core/sessions/memory-store.js';
export { redisSessionStore } from '../core/sessions/redis-store.js';
export type { RedisSessionStoreOptions } from '../core/sessions/redis-store.js';
export type { FoundSession, SessionChange, SessionStore, StoredSession } from '../core/sessions/store.js';
export type { SessionsOptions } from '../core/options.js';
