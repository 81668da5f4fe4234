// A failing Spotify, one behaviour at a time: the retry policy (what is retried, how often, within which deadline),
// Retry-After, and what of Spotify's answer reaches the client. fault-matrix.test.ts holds the whole table of faults
// to the same few guarantees (status, deadline, no leaked socket, still serving).
import type { TokenSwapEvent } from '../../src/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const TIMEOUT_MS = 600;
/** Room for scheduling on a loaded machine; the point is "bounded", not a benchmark. */
const SLACK_MS = 1_500;

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ timeoutMs: TIMEOUT_MS });
});
afterEach(() => h.close());

const swap = () => h.http.post('/spotify/swap').type('form').send({ code: h.code() });
const refresh = async () => {
  const { sealed } = await h.sealedRefreshToken();
  return h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
};
const tokenCalls = () => h.spotify.requests.filter((r) => r.path === '/api/token').length;

function expectError(
  res: { status: number; body: unknown; headers: Record<string, string> },
  status: number,
  error: string,
) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error, error_description: expect.any(String) });
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
}

describe('swap: never retried once the request may have reached Spotify', () => {
  it.each([500, 502, 503])('Spotify %i → 502 bad_gateway after one call', async (status) => {
    h.spotify.fail({ type: 'status', status, body: '<html>down</html>' }, { times: Infinity });
    expectError(await swap(), 502, 'bad_gateway');
    expect(tokenCalls()).toBe(1);
  });

  it('connection reset → 502 after one call', async () => {
    h.spotify.fail({ type: 'reset' }, { times: Infinity });
    expectError(await swap(), 502, 'bad_gateway');
    expect(tokenCalls()).toBe(1);
  });

  it('429 → 429 too_many_requests with Retry-After in integer seconds, after one call', async () => {
    h.spotify.fail({ type: 'rateLimit', retryAfter: 0 }, { times: Infinity });
    const res = await swap();
    expectError(res, 429, 'too_many_requests');
    expect(res.headers['retry-after']).toBe('0');
    expect(tokenCalls()).toBe(1);
  });
});

describe('mapping of what Spotify answers', () => {
  it.each([
    ['7', '7'],
    ['2.5', '3'],
    [new Date(Date.now() + 30_000).toUTCString(), /^(29|30|31)$/],
  ])('429 with Retry-After %s → integer %s', async (given, expected) => {
    h.spotify.fail({ type: 'rateLimit', retryAfter: given });
    const res = await swap();
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toMatch(expected);
  });

  it.each([
    ['400 digits', '9'.repeat(400)],
    ['a date a year away', new Date(Date.now() + 365 * 86_400_000).toUTCString()],
  ])('429 with a Retry-After of %s is cut to a day', async (_name, given) => {
    h.spotify.fail({ type: 'rateLimit', retryAfter: given });
    const res = await swap();
    expect(res.headers['retry-after']).toBe('86400');
  });

  it.each([
    ['a date in the past', new Date(Date.now() - 60_000).toUTCString(), '0'],
    ['garbage', 'soon', '5'],
  ])('429 with a Retry-After of %s → %s', async (_name, given, expected) => {
    h.spotify.fail({ type: 'rateLimit', retryAfter: given });
    expect((await swap()).headers['retry-after']).toBe(expected);
  });

  it('429 without Retry-After still tells the client how long to wait', async () => {
    h.spotify.fail({ type: 'rateLimit' });
    const res = await swap();
    expectError(res, 429, 'too_many_requests');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('a non-JSON 200 → 502', async () => {
    h.spotify.fail({ type: 'nonJson' });
    expectError(await swap(), 502, 'bad_gateway');
  });

  it.each([
    ['an error that is not a string', { error: { status: 400, message: 'Bad request' } }],
    ['an error that is not an OAuth code', { error: 'Something went wrong: AQBtoken123', error_description: 'x' }],
    ['no error at all', { error_description: 'Invalid client' }],
  ])('a 4xx with %s → 502, and nothing of it is passed on', async (_name, body) => {
    h.spotify.fail({ type: 'status', status: 400, body: JSON.stringify(body) });
    const res = await swap();
    expectError(res, 502, 'bad_gateway');
    expect(res.text).not.toContain('AQBtoken123');
  });

  it('a non-JSON 4xx → 502', async () => {
    h.spotify.fail({ type: 'nonJson', status: 404 });
    expectError(await swap(), 502, 'bad_gateway');
  });

  it.each([
    ['no access_token', { token_type: 'Bearer', expires_in: 3600, refresh_token: 'r' }],
    ['expires_in not a number', { access_token: 'a', expires_in: 'soon', refresh_token: 'r' }],
    ['no refresh_token on a swap', { access_token: 'a', token_type: 'Bearer', expires_in: 3600 }],
    ['an array', [1, 2]],
  ])('a 200 with %s → 502', async (_name, body) => {
    h.spotify.fail({ type: 'status', status: 200, body: JSON.stringify(body) });
    expectError(await swap(), 502, 'bad_gateway');
  });

  it.each([
    ['a hexadecimal string', '0x10'],
    ['an empty string', ''],
    ['an exponent', 1e308],
    ['an exponent in a string', '1e3'],
    ['a negative number', -1],
    ['more than a week', 604_801],
    ['null', null],
  ])('a 200 with expires_in as %s → 502', async (_name, expiresIn) => {
    h.spotify.fail({
      type: 'status',
      status: 200,
      body: JSON.stringify({ access_token: 'abc', expires_in: expiresIn, refresh_token: 'rt' }),
    });
    expectError(await swap(), 502, 'bad_gateway');
  });

  it.each([
    [0, 0],
    ['3600', 3600],
    [604_800, 604_800],
  ])('a 200 with expires_in %p → %p', async (given, expected) => {
    h.spotify.fail({
      type: 'status',
      status: 200,
      body: JSON.stringify({ access_token: 'abc', expires_in: given, refresh_token: 'rt' }),
    });
    const res = await swap();
    expect(res.status).toBe(200);
    expect(res.body.expires_in).toBe(expected);
  });

  it('a 200 with a numeric-string or fractional expires_in becomes an integer, and token_type is filled in', async () => {
    h.spotify.fail({
      type: 'status',
      status: 200,
      body: JSON.stringify({ access_token: 'abc', expires_in: '3600.0', refresh_token: 'rt' }),
    });
    const res = await swap();
    expect(res.status).toBe(200);
    expect(res.body.expires_in).toBe(3600);
    expect(res.body.token_type).toBe('Bearer');
    expect(res.body.scope).toBe('');
  });

  it('a 3xx is not followed → 502', async () => {
    h.spotify.fail({ type: 'status', status: 302, headers: { Location: 'http://127.0.0.1:1/elsewhere' } });
    expectError(await swap(), 502, 'bad_gateway');
    expect(tokenCalls()).toBe(1);
  });

  it('an oversized body → 502', async () => {
    h.spotify.fail({ type: 'largeBody', bytes: 10 * 1024 * 1024 });
    expectError(await swap(), 502, 'bad_gateway');
  });

  it('an unreachable Spotify → 502, after retrying a swap that provably never left', async () => {
    const { url } = h.spotify;
    await h.spotify.close();
    const attempts: unknown[] = [];
    const record = (event: TokenSwapEvent) => attempts.push(event.upstreamAttempts);
    // A deadline long enough that every backoff fits, so the count does not depend on the machine's speed.
    const other = await startHarness({
      accountsUrl: url,
      timeoutMs: 5_000,
      hooks: { logger: { info: record, warn: record, error: record } },
    });
    try {
      expectError(
        await other.http.post('/spotify/swap').type('form').send({ code: 'some-code-value' }),
        502,
        'bad_gateway',
      );
      // ECONNREFUSED: nothing listened, so the single-use code cannot have been spent; all three calls are made.
      expect(attempts).toEqual([3]);
    } finally {
      await other.close();
    }
  });
});

describe('the deadline', () => {
  it.each([
    ['answers too late', { type: 'latency', ms: TIMEOUT_MS * 3 }],
    ['never finishes its body', { type: 'hang' }],
  ] as const)('Spotify that %s → 504 gateway_timeout within the deadline', async (_name, fault) => {
    h.spotify.fail(fault, { times: Infinity });
    const started = Date.now();
    const res = await refresh();
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expectError(res, 504, 'gateway_timeout');
  });

  it('retries of a refresh stay inside the one deadline', async () => {
    // Each call takes 60% of the deadline before failing: a second one would overrun it.
    h.spotify.fail(
      { type: 'latency', ms: TIMEOUT_MS * 0.6, then: { type: 'status', status: 503 } },
      { times: Infinity },
    );
    const started = Date.now();
    const res = await refresh();
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect([502, 504]).toContain(res.status);
    expect(tokenCalls()).toBeLessThanOrEqual(2);
  });
});

describe('refresh: retried on 5xx, 429 and connection failures, never on 4xx', () => {
  it.each([
    ['a 503', { type: 'status', status: 503 }],
    ['a reset', { type: 'reset' }],
    ['a 429 with Retry-After: 0', { type: 'rateLimit', retryAfter: 0 }],
  ] as const)('recovers from one %s', async (_name, fault) => {
    h.spotify.fail(fault);
    const res = await refresh();
    expect(res.status).toBe(200);
    expect(tokenCalls()).toBe(2);
  });

  it('gives up after three calls → 502', async () => {
    h.spotify.fail({ type: 'status', status: 500 }, { times: Infinity });
    expectError(await refresh(), 502, 'bad_gateway');
    expect(tokenCalls()).toBe(3);
  });

  it('does not wait out a Retry-After longer than the deadline', async () => {
    h.spotify.fail({ type: 'rateLimit', retryAfter: 30 }, { times: Infinity });
    const res = await refresh();
    expectError(res, 429, 'too_many_requests');
    expect(res.headers['retry-after']).toBe('30');
    expect(tokenCalls()).toBe(1);
  });

  it('never retries a 4xx', async () => {
    h.spotify.fail({
      type: 'status',
      status: 400,
      body: JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid refresh token' }),
    });
    expectError(await refresh(), 400, 'invalid_grant');
    expect(tokenCalls()).toBe(1);
  });
});

it('keeps serving after every kind of fault', async () => {
  for (const fault of [{ type: 'reset' }, { type: 'hang' }, { type: 'nonJson' }] as const) {
    h.spotify.fail(fault);
    await swap();
  }
  expect((await swap()).status).toBe(200);
});
