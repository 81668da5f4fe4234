// readConfig, in-process: the standalone server's refusals of settings that would quietly weaken it.
import { ConfigError, readConfig } from '../src/server/config.js';

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
});
