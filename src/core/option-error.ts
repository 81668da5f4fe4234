// The error every option check throws: a TypeError that says which option and, in a stable code, what kind of wrong.

/** `ERR_OPTION_MISSING`: a required option is not there; `ERR_OPTION_INVALID`: it is, but wrong; `ERR_OPTION_UNKNOWN`: no
 * such option (a typo, most likely). */
export type TokenSwapOptionErrorCode = 'ERR_OPTION_MISSING' | 'ERR_OPTION_INVALID' | 'ERR_OPTION_UNKNOWN';

/**
 * Thrown when `tokenSwap()`, `tokenSwapHandler()` or `createMockSpotify()` is given an option it cannot take. `option`
 * is the option's path (`clientId`, `hooks.rateLimit[1]`, `legacyExchange.clientCallbackUrl`); the message says what
 * to do, and holds no option's value.
 */
export class TokenSwapOptionError extends TypeError {
  override readonly name = 'TokenSwapOptionError';

  constructor(
    readonly option: string,
    readonly code: TokenSwapOptionErrorCode,
    message: string,
  ) {
    super(message);
  }
}
