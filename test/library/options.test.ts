// Option validation at tokenSwap(): every mistake is a TypeError naming the option and the fix; the caller's object is left alone.
import {
  TokenSwapOptionError,
  aesGcmCipher,
  plaintextRefreshTokens,
  tokenSwap,
  type TokenSwapOptions,
} from '../../src/index.js';
import defaultExport from '../../src/index.js';
import { tokenSwapHandler, type TokenSwapHandlerOptions } from '../../src/fetch/index.js';

const valid = (): TokenSwapOptions => ({
  clientId: 'client-id',
  clientSecret: 'client-secret',
  redirectUri: 'myapp://callback',
  hooks: { refreshTokenCipher: plaintextRefreshTokens },
});

/** Builds with a change to valid options and gives back the TypeError's message. */
function problem(change: (options: Record<string, unknown>) => void): string {
  const options = valid() as unknown as Record<string, unknown>;
  change(options);
  try {
    tokenSwap(options as unknown as TokenSwapOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error('tokenSwap() accepted the options');
}

const hooks = (o: Record<string, unknown>) => o.hooks as Record<string, unknown>;

describe('tokenSwap() options', () => {
  it('accepts valid options and is the default export too', () => {
    expect(typeof tokenSwap(valid())).toBe('function');
    expect(defaultExport).toBe(tokenSwap);
  });

  it("does not touch the caller's object", () => {
    const options = valid();
    const frozen = Object.freeze({
      ...options,
      allowedRedirectUris: Object.freeze(['https://a.example/cb']),
      hooks: Object.freeze(options.hooks),
    });
    expect(() => tokenSwap(frozen)).not.toThrow();
  });

  it.each([
    ['clientId', (o: Record<string, unknown>) => delete o.clientId, /clientId.*dashboard/],
    ['clientSecret', (o: Record<string, unknown>) => (o.clientSecret = ''), /clientSecret/],
    ['redirectUri', (o: Record<string, unknown>) => (o.redirectUri = 42), /redirectUri/],
    [
      'redirectUri not a URL',
      (o: Record<string, unknown>) => (o.redirectUri = 'not a url'),
      /redirectUri.*absolute URL/,
    ],
    [
      'allowedRedirectUris',
      (o: Record<string, unknown>) => (o.allowedRedirectUris = 'https://a.example'),
      /allowedRedirectUris.*array/,
    ],
    [
      'allowedRedirectUris item',
      (o: Record<string, unknown>) => (o.allowedRedirectUris = ['ok://x', '']),
      /allowedRedirectUris\[1\]/,
    ],
    [
      'accountsUrl not a URL',
      (o: Record<string, unknown>) => (o.accountsUrl = 'accounts.spotify.com'),
      /accountsUrl.*absolute URL/,
    ],
    [
      'accountsUrl plain http',
      (o: Record<string, unknown>) => (o.accountsUrl = 'http://accounts.example.com'),
      /accountsUrl.*https/,
    ],
    [
      'accountsUrl with a query',
      (o: Record<string, unknown>) => (o.accountsUrl = 'https://a.example/?x=1'),
      /accountsUrl.*query/,
    ],
    ['timeoutMs zero', (o: Record<string, unknown>) => (o.timeoutMs = 0), /timeoutMs.*positive/],
    ['timeoutMs NaN', (o: Record<string, unknown>) => (o.timeoutMs = Number.NaN), /timeoutMs/],
    ['timeoutMs string', (o: Record<string, unknown>) => (o.timeoutMs = '1000'), /timeoutMs/],
    ['hooks', (o: Record<string, unknown>) => delete o.hooks, /hooks is required/],
    [
      'cipher missing',
      (o: Record<string, unknown>) => delete hooks(o).refreshTokenCipher,
      /refreshTokenCipher is required: pass aesGcmCipher\(secret\), your own .*cipher, or plaintextRefreshTokens/,
    ],
    [
      'cipher shape',
      (o: Record<string, unknown>) => (hooks(o).refreshTokenCipher = { encrypt: () => '' }),
      /refreshTokenCipher must have encrypt and decrypt/,
    ],
    [
      'cipher isCurrent',
      (o: Record<string, unknown>) =>
        (hooks(o).refreshTokenCipher = { encrypt: () => '', decrypt: () => '', isCurrent: true }),
      /refreshTokenCipher isCurrent must be a method/,
    ],
    [
      'logger shape',
      (o: Record<string, unknown>) => (hooks(o).logger = { info() {} }),
      /hooks.logger.*missing warn, error/,
    ],
    [
      'rateLimit',
      (o: Record<string, unknown>) => (hooks(o).rateLimit = { windowMs: 1 }),
      /hooks.rateLimit must be a \(req, res, next\) middleware/,
    ],
    ['rateLimit item', (o: Record<string, unknown>) => (hooks(o).rateLimit = [() => {}, 'x']), /hooks.rateLimit\[1\]/],
    [
      'legacyExchange',
      (o: Record<string, unknown>) => (o.legacyExchange = 'yes'),
      /legacyExchange must be true, false or/,
    ],
  ])('refuses a bad %s', (_name, change, message) => {
    expect(problem(change)).toMatch(message);
  });

  it.each([
    ['clientSecrets', 'did you mean clientSecret?'],
    ['redirectURI', 'did you mean redirectUri?'],
    ['timeout', 'did you mean timeoutMs?'],
    ['zzz', 'known options are clientId'],
  ])('refuses the unknown key %s with a hint', (key, hint) => {
    expect(problem((o) => (o[key] = 'x'))).toContain(hint);
  });

  it.each(['refreshTokenCipher', 'logger', 'rateLimit'])(
    'refuses the hook %s given beside clientId, pointing into hooks',
    (key) => {
      expect(problem((o) => (o[key] = {}))).toContain(`${key} is not an option: did you mean hooks.${key}?`);
    },
  );

  it('refuses an unknown hook with a hint', () => {
    expect(problem((o) => (hooks(o).cipher = {}))).toMatch(/hooks.cipher is not an option/);
    expect(problem((o) => (hooks(o).loger = console))).toContain('did you mean hooks.logger?');
  });

  it('accepts loopback http for a mock Spotify, and console as a logger', () => {
    expect(() =>
      tokenSwap({
        ...valid(),
        accountsUrl: 'http://127.0.0.1:9999',
        hooks: { refreshTokenCipher: aesGcmCipher('options-test-secret-of-32-characters'), logger: console },
      }),
    ).not.toThrow();
  });

  it('never puts the client secret in an error message', () => {
    expect(problem((o) => (o.clientSecretz = o.clientSecret))).not.toContain('client-secret');
  });

  describe('legacyExchange', () => {
    it.each([
      true,
      false,
      {},
      { clientCallbackUrl: 'http://127.0.0.1:4002/auth' },
      { clientCallbackUrl: 'http://[::1]:4002/auth' },
    ])('accepts %j', (legacyExchange) => {
      expect(() => tokenSwap({ ...valid(), legacyExchange })).not.toThrow();
    });

    it.each([
      'https://localhost:4002/auth',
      'http://example.com/auth',
      'http://localhost.evil.com/auth',
      'http://localhost:4002/auth?next=x',
      'not a url',
    ])('refuses the callback %s: it would be an open redirect', (clientCallbackUrl) => {
      expect(problem((o) => (o.legacyExchange = { clientCallbackUrl }))).toMatch(/legacyExchange.clientCallbackUrl/);
    });

    it('refuses an unknown key', () => {
      expect(problem((o) => (o.legacyExchange = { callbackUrl: 'x' }))).toContain(
        'did you mean legacyExchange.clientCallbackUrl?',
      );
    });
  });
});

describe('TokenSwapOptionError', () => {
  function thrown(change: (options: Record<string, unknown>) => void): TokenSwapOptionError {
    const options = valid() as unknown as Record<string, unknown>;
    change(options);
    try {
      tokenSwap(options as unknown as TokenSwapOptions);
    } catch (error) {
      expect(error).toBeInstanceOf(TokenSwapOptionError);
      expect(error).toBeInstanceOf(TypeError);
      return error as TokenSwapOptionError;
    }
    throw new Error('tokenSwap() accepted the options');
  }

  it.each([
    ['a missing clientId', (o: Record<string, unknown>) => delete o.clientId, 'clientId', 'ERR_OPTION_MISSING'],
    [
      'an empty clientSecret',
      (o: Record<string, unknown>) => (o.clientSecret = ''),
      'clientSecret',
      'ERR_OPTION_INVALID',
    ],
    ['a negative timeoutMs', (o: Record<string, unknown>) => (o.timeoutMs = -1), 'timeoutMs', 'ERR_OPTION_INVALID'],
    [
      'no cipher',
      (o: Record<string, unknown>) => delete hooks(o).refreshTokenCipher,
      'hooks.refreshTokenCipher',
      'ERR_OPTION_MISSING',
    ],
    [
      'a second rate limit that is no function',
      (o: Record<string, unknown>) => (hooks(o).rateLimit = [() => {}, 5]),
      'hooks.rateLimit[1]',
      'ERR_OPTION_INVALID',
    ],
    ['a typo', (o: Record<string, unknown>) => (o.clientSecrett = 'x'), 'clientSecrett', 'ERR_OPTION_UNKNOWN'],
    [
      'a typo in hooks',
      (o: Record<string, unknown>) => (hooks(o).loger = console),
      'hooks.loger',
      'ERR_OPTION_UNKNOWN',
    ],
  ])('names the option and a stable code for %s', (_name, change, option, code) => {
    expect(thrown(change)).toMatchObject({ name: 'TokenSwapOptionError', option, code });
  });
});

describe('what every door checks when it is built', () => {
  const doors = {
    'tokenSwap()': (options: TokenSwapOptions) => tokenSwap(options),
    'tokenSwapHandler()': (options: TokenSwapOptions) => tokenSwapHandler(options as TokenSwapHandlerOptions),
  };

  it.each(Object.keys(doors))(
    '%s says once, through the logger at warn, what Spotify will refuse in a redirect URI',
    (door) => {
      const warnings: unknown[] = [];
      const logger = { info: () => {}, warn: (event: unknown) => warnings.push(event), error: () => {} };
      doors[door as keyof typeof doors]({
        ...valid(),
        redirectUri: 'http://localhost:8080/callback',
        allowedRedirectUris: ['myapp://callback/'],
        hooks: { refreshTokenCipher: plaintextRefreshTokens, logger },
      });
      expect(warnings).toEqual([
        {
          msg: expect.stringMatching(/names localhost/),
          event: 'redirect_uri',
          redirectUri: 'http://localhost:8080/callback',
        },
        { msg: expect.stringMatching(/ends with a slash/), event: 'redirect_uri', redirectUri: 'myapp://callback/' },
      ]);
    },
  );

  it.each(Object.keys(doors))('%s takes cors origins as browsers send them, and refuses anything else', (door) => {
    const build = (cors: unknown) => () =>
      doors[door as keyof typeof doors]({ ...valid(), cors } as unknown as TokenSwapOptions);
    expect(build({ origins: ['https://app.example', 'http://127.0.0.1:8080'] })).not.toThrow();
    expect(build({ origins: ['*'] })).not.toThrow();
    expect(build({ origins: ['https://app.example/'] })).toThrow(/cors\.origins\[0\] .*write https:\/\/app\.example /);
    expect(build({ origins: ['app.example'] })).toThrow(/write https:\/\/app\.example /);
    expect(build({ origins: [] })).toThrow(/cors\.origins must list/);
    expect(build(['https://app.example'])).toThrow(/cors must be \{ origins/);
    expect(build({ origin: ['https://app.example'] })).toThrow(/did you mean cors\.origins/);
  });
});
