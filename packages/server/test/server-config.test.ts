// The standalone server's refusals at start-up, in-process: each names its variable and quotes no secret. The bin's
// own exit on one is in server.test.ts.
import { ConfigError, readConfig } from '../src/config.js';
import { startServer } from '../src/index.js';

const credentials = {
  SPOTIFY_CLIENT_ID: 'client-id',
  SPOTIFY_CLIENT_SECRET: 'client-secret',
  SPOTIFY_REDIRECT_URI: 'myapp://spotify-login-callback',
  TOKEN_ENCRYPTION_SECRETS: 'a-test-secret-that-is-long-enough-1',
};
const read = (env: Record<string, string>) => readConfig({ ...credentials, ...env });

describe('TRUST_PROXY', () => {
  it.each([
    '1',
    '3',
    'loopback',
    '10.0.0.0/8',
    '10.0.0.0/255.0.0.0',
    '203.0.113.7',
    'fd00::/32',
    '::ffff:10.0.0.0/104',
  ])('takes %s', (value) => {
    expect(read({ TRUST_PROXY: value }).trustProxy).toBe(/^\d+$/.test(value) ? Number(value) : value);
  });

  it.each(['4', '100'])('refuses a hop count of %s, naming the bound', (value) => {
    expect(() => read({ TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => read({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY=\d+ .*rate limit off.* at most 3/);
  });

  it.each([
    '0.0.0.0/1,128.0.0.0/1,::/1,8000::/1',
    '0.0.0.0/2',
    '10.0.0.0/7',
    '10.0.0.0/254.0.0.0',
    '2001:db8::/31',
    '::/16',
    '::ffff:0:0/96',
    'loopback,0.0.0.0/1',
  ])('refuses %s, which covers more than a /8 or a /32', (value) => {
    expect(() => read({ TRUST_PROXY: value })).toThrow(
      /TRUST_PROXY: \S+ is wider than a \/8 \(IPv4\) or a \/32 \(IPv6\)/,
    );
  });

  // Express takes these names for subnets that the literal check refuses: a name is judged as what it stands for.
  it.each([
    ['uniquelocal', 'fc00::/7'],
    ['linklocal', 'fe80::/10'],
    ['loopback, uniquelocal', 'fc00::/7'],
  ])('refuses %s, naming the subnet too wide', (value, wide) => {
    expect(() => read({ TRUST_PROXY: value })).toThrow(
      `TRUST_PROXY: ${wide} is wider than a /8 (IPv4) or a /32 (IPv6) (${value.split(', ').at(-1)} stands for`,
    );
  });
});

describe('refusing to start', () => {
  const SECRET = 'server-config-test-secret-of-32-chars';
  /** Real-looking settings, then the change; nothing here is ever reached. */
  const env = (change: Record<string, string>) => ({
    SPOTIFY_CLIENT_ID: 'client-id',
    SPOTIFY_CLIENT_SECRET: 'the-client-secret-value',
    SPOTIFY_REDIRECT_URI: 'myapp://callback',
    SPOTIFY_ACCOUNTS_URL: 'http://127.0.0.1:9',
    TOKEN_ENCRYPTION_SECRETS: SECRET,
    HOST: '127.0.0.1',
    PORT: '0',
    ...change,
  });
  const silent = { write: () => {}, flush: () => Promise.resolve() };

  it.each([
    ['no cipher decision', { TOKEN_ENCRYPTION_SECRETS: '' }, /TOKEN_ENCRYPTION_SECRETS.*PLAINTEXT_REFRESH_TOKENS=1/],
    ['both cipher choices', { PLAINTEXT_REFRESH_TOKENS: '1' }, /not both/],
    [
      'a short encryption secret',
      { TOKEN_ENCRYPTION_SECRETS: 'short-secret' },
      /TOKEN_ENCRYPTION_SECRETS.*32 characters/,
    ],
    ['no client secret', { SPOTIFY_CLIENT_SECRET: '' }, /SPOTIFY_CLIENT_SECRET is required/],
    ['no redirect URI', { SPOTIFY_REDIRECT_URI: '' }, /SPOTIFY_REDIRECT_URI is required/],
    [
      'a bad redirect URI',
      { SPOTIFY_REDIRECT_URI: 'not a uri' },
      /SPOTIFY_REDIRECT_URI: redirectUri must be an absolute URL/,
    ],
    [
      'plain http to a remote Spotify',
      { SPOTIFY_ACCOUNTS_URL: 'http://accounts.example.com' },
      /SPOTIFY_ACCOUNTS_URL: accountsUrl must be an https/,
    ],
    ['a bad PORT', { PORT: 'eighty' }, /PORT must be a whole number/],
    ['a bad LOG_LEVEL', { LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    ['a bad RATE_LIMIT_PER_MINUTE', { RATE_LIMIT_PER_MINUTE: '-1' }, /RATE_LIMIT_PER_MINUTE/],
    ['a bad REDIS_URL', { REDIS_URL: 'localhost:6379' }, /REDIS_URL must be a redis:\/\//],
    ['a REDIS_URL with a bad port', { REDIS_URL: 'redis://127.0.0.1:notaport' }, /REDIS_URL must be a redis:\/\//],
    ['TRUST_PROXY=true', { TRUST_PROXY: 'true' }, /TRUST_PROXY=true .* turns the rate limit off.*TRUST_PROXY=1/],
    ['a bad TRUST_PROXY', { TRUST_PROXY: 'garbage' }, /TRUST_PROXY must be a number of proxies/],
    ['a PUBLIC_URL without a scheme', { PUBLIC_URL: 'swap.example.com' }, /PUBLIC_URL must be the http\(s\) address/],
    ['a PUBLIC_URL with a query', { PUBLIC_URL: 'https://swap.example.com/?a=1' }, /PUBLIC_URL must be/],
    ['a LOGIN_CHECK that is not 1 or 0', { LOGIN_CHECK: 'yes' }, /LOGIN_CHECK must be 1 or 0/],
    [
      'a CORS origin without a scheme',
      { CORS_ORIGINS: 'example.com' },
      /CORS_ORIGINS: "example.com" .* https:\/\/example.com /,
    ],
    [
      'a CORS origin with a trailing slash',
      { CORS_ORIGINS: 'https://app.example/' },
      /CORS_ORIGINS: "https:\/\/app.example\/" .* https:\/\/app.example /,
    ],
    ['a HOST that is not this machine', { HOST: '192.0.2.1' }, /HOST: 192.0.2.1 is not an address of this machine/],
    [
      'a remote legacy callback',
      { LEGACY_EXCHANGE: '1', LEGACY_CLIENT_CALLBACK_URL: 'http://evil.example/auth' },
      /LEGACY_CLIENT_CALLBACK_URL: legacyExchange.clientCallbackUrl must be an http:\/\/ loopback/,
    ],
    ['a bad flag', { LEGACY_EXCHANGE: 'yes' }, /LEGACY_EXCHANGE must be 1 or 0/],
  ])('with %s: a ConfigError naming the variable, quoting no secret', async (_name, change, message) => {
    const refusal = await startServer(env(change), silent).then(
      async (server) => {
        await server.stop();
        throw new Error('the server started');
      },
      (error: unknown) => error as Error,
    );
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(refusal.message).toMatch(message);
    expect(refusal.message).not.toContain('the-client-secret-value');
    expect(refusal.message).not.toContain(SECRET);
    expect(refusal.message).not.toContain('short-secret');
  });
});

describe('REFRESH_TOKENS', () => {
  it('is sealed unless told, and handles with REDIS_URL', () => {
    expect(read({}).refreshTokens).toBe('sealed');
    expect(read({ REFRESH_TOKENS: 'handles', REDIS_URL: 'redis://127.0.0.1:6379' }).refreshTokens).toBe('handles');
  });

  it('rotates handles only when asked', () => {
    const redis = { REFRESH_TOKENS: 'handles', REDIS_URL: 'redis://127.0.0.1:6379' };
    expect(read(redis).rotateHandles).toBe(false);
    expect(read({ ...redis, ROTATE_REFRESH_HANDLES: '1' }).rotateHandles).toBe(true);
  });

  it('keeps sessions in memory only in demo mode', () => {
    expect(readConfig({ REFRESH_TOKENS: 'handles' }).refreshTokens).toBe('handles');
    expect(() => read({ REFRESH_TOKENS: 'handles' })).toThrow(/REFRESH_TOKENS=handles needs REDIS_URL/);
  });

  it.each([
    [{ REFRESH_TOKENS: 'handle' }, /REFRESH_TOKENS must be sealed .* or handles/],
    [{ ROTATE_REFRESH_HANDLES: '1' }, /ROTATE_REFRESH_HANDLES=1 needs REFRESH_TOKENS=handles/],
    [
      {
        REFRESH_TOKENS: 'handles',
        REDIS_URL: 'redis://127.0.0.1:6379',
        TOKEN_ENCRYPTION_SECRETS: '',
        PLAINTEXT_REFRESH_TOKENS: '1',
      },
      /REFRESH_TOKENS=handles keeps Spotify's tokens sealed in Redis: set TOKEN_ENCRYPTION_SECRETS/,
    ],
  ])('refuses %j', (env, message) => {
    expect(() => read(env)).toThrow(ConfigError);
    expect(() => read(env)).toThrow(message);
  });
});
