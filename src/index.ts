// The public API: the router factory, the refresh-token ciphers, and the types of their options and hooks.
import { tokenSwap } from './router.js';
export type { TokenSwapRouter } from './router.js';

export { tokenSwap };
export default tokenSwap;
export { aesGcmCipher, plaintextRefreshTokens } from './cipher.js';
export type { RefreshTokenCipher } from './cipher.js';
export type { Logger, TokenSwapEvent, TokenSwapOutcome, TokenSwapRoute } from './core/logging.js';
export type { TokenSwapReason } from './core/errors.js';
export { TokenSwapOptionError } from './core/option-error.js';
export type { TokenSwapOptionErrorCode } from './core/option-error.js';
export type { LegacyExchangeOptions, TokenSwapHooks, TokenSwapOptions } from './options.js';
