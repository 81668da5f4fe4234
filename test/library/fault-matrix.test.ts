// Every fault Spotify can show, on both routes, as one table: the documented status and JSON within the deadline, no
// leaked socket, no unhandled rejection, and the router still serving afterwards. What it does not look at (the
// retries, their count and spacing, Retry-After, what each answer body holds) is upstream-failures.test.ts's.
import type { MockFault } from '../../src/testing/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const TIMEOUT_MS = 500;
/** Scheduling slack on a loaded two-core machine: this bounds the answer, it does not benchmark it. */
const MARGIN_MS = 1_000;

const faults: [string, MockFault, number, string][] = [
  ['latency above the deadline', { type: 'latency', ms: TIMEOUT_MS * 4 }, 504, 'gateway_timeout'],
  ['a connection reset', { type: 'reset' }, 502, 'bad_gateway'],
  ['500', { type: 'status', status: 500 }, 502, 'bad_gateway'],
  ['502', { type: 'status', status: 502, body: '<html>Bad Gateway</html>' }, 502, 'bad_gateway'],
  ['503', { type: 'status', status: 503, headers: { 'Retry-After': '1' } }, 502, 'bad_gateway'],
  ['429 with Retry-After', { type: 'rateLimit', retryAfter: 60 }, 429, 'too_many_requests'],
  ['429 without Retry-After', { type: 'rateLimit' }, 429, 'too_many_requests'],
  ['a non-JSON 200', { type: 'nonJson' }, 502, 'bad_gateway'],
  ['a 10 MB body', { type: 'largeBody', bytes: 10 * 1024 * 1024 }, 502, 'bad_gateway'],
  ['a body that never ends', { type: 'hang' }, 504, 'gateway_timeout'],
];

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let h: Harness;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  h = await startHarness({ timeoutMs: TIMEOUT_MS });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await h.close();
});
afterEach(() => h.spotify.clearFaults());

async function settledConnections(): Promise<number> {
  // A destroyed socket's close reaches the mock a moment after the answer reaches the client.
  for (let i = 0; i < 40 && h.spotify.connections.open > 1; i++)
    await new Promise((resolve) => setTimeout(resolve, 25));
  return h.spotify.connections.open;
}

describe.each(['swap', 'refresh'] as const)('%s', (route) => {
  const send = async () => {
    if (route === 'swap') return h.http.post('/spotify/swap').type('form').send({ code: h.code() });
    const { sealed } = await h.sealedRefreshToken();
    return h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed });
  };

  it.each(faults)('Spotify with %s → %i %s', async (_name, fault, status, error) => {
    h.spotify.fail(fault, { times: Infinity });
    const started = Date.now();
    const res = await send();
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error, error_description: expect.any(String) });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    if (status === 429) expect(res.headers['retry-after']).toMatch(/^\d+$/);
    // The agent keeps at most its one idle keep-alive connection; every faulty one was destroyed.
    expect(await settledConnections()).toBeLessThanOrEqual(1);
    h.spotify.clearFaults();
    expect((await send()).status).toBe(200);
    expect(unhandled).toEqual([]);
  });
});

it('reuses one keep-alive connection for sequential requests', async () => {
  const before = h.spotify.connections.opened;
  for (let i = 0; i < 10; i++) await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
  expect(h.spotify.connections.opened - before).toBeLessThanOrEqual(1);
});
