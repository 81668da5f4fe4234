// POST /client-token: an app-only token from Spotify's client credentials grant, kept until shortly before it ends, so
// that any number of clients cost one call to Spotify per token lifetime.
import { jest } from '@jest/globals';
import { TokenSwapOptionError, tokenSwap } from '../../src/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { remember } from '../helpers/secrets.js';

let h: Harness;
afterEach(async () => {
  jest.restoreAllMocks();
  await h.close();
});

const appTokenCalls = () => h.spotify.requests.filter((request) => request.form.grant_type === 'client_credentials');

async function clientToken() {
  const res = await h.http.post('/spotify/client-token');
  if (res.status === 200) remember(res.body.access_token);
  return res;
}

/** Moves the clock `ms` ahead for the code under test (the harness runs in this process). */
function later(ms: number): void {
  const now = Date.now() + ms;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
}

it('is not served unless clientToken is true', async () => {
  h = await startHarness();
  expect((await h.http.post('/spotify/client-token')).status).toBe(404);
  expect(appTokenCalls()).toHaveLength(0);
});

it('asks Spotify with the client credentials grant, and the client secret only in the Authorization header', async () => {
  h = await startHarness({ clientToken: true });
  const res = await clientToken();
  expect(res.status).toBe(200);
  expect(Object.keys(res.body)).toEqual(['access_token', 'token_type', 'expires_in']);
  expect(res.body.token_type).toBe('Bearer');
  // Counted from when it was asked for: never longer than Spotify gave.
  expect(res.body.expires_in).toBeGreaterThanOrEqual(3598);
  expect(res.body.expires_in).toBeLessThanOrEqual(3600);
  expect(appTokenCalls().map((request) => request.form)).toEqual([{ grant_type: 'client_credentials' }]);
  expect(appTokenCalls()[0]!.headers.authorization).toMatch(/^Basic /);
});

it('hands out the token it has, counting down, and asks anew once under five minutes are left', async () => {
  h = await startHarness({ clientToken: true });
  const first = await clientToken();
  later(600_000);
  const kept = await clientToken();
  expect(kept.body.access_token).toBe(first.body.access_token);
  expect(kept.body.expires_in).toBeLessThanOrEqual(3000);
  expect(appTokenCalls()).toHaveLength(1);
  jest.restoreAllMocks();
  later(3_300_001);
  const renewed = await clientToken();
  expect(renewed.body.access_token).not.toBe(first.body.access_token);
  expect(renewed.body.expires_in).toBeGreaterThanOrEqual(3598);
  expect(appTokenCalls()).toHaveLength(2);
});

it('keeps nothing of a failed call: a Spotify outage is a 502, and the next request asks again', async () => {
  h = await startHarness({ clientToken: true });
  h.spotify.fail({ type: 'status', status: 503 }, { times: 3 });
  const failed = await clientToken();
  expect(failed.status).toBe(502);
  expect(failed.body).toEqual({ error: 'bad_gateway', error_description: expect.any(String) });
  // Retried as a refresh is: it asks for nothing that can be spent.
  expect(appTokenCalls()).toHaveLength(3);
  h.spotify.clearFaults();
  expect((await clientToken()).status).toBe(200);
  expect(appTokenCalls()).toHaveLength(4);
});

it("passes Spotify's refusal of the client credentials through", async () => {
  h = await startHarness({ clientToken: true, clientSecret: 'not-the-secret-spotify-knows' });
  const res = await clientToken();
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Invalid client secret' });
});

it('is rate limited as the other routes are, before Spotify is called', async () => {
  h = await startHarness({ clientToken: true, hooks: { rateLimit: () => ({ allowed: false, retryAfterSeconds: 7 }) } });
  const res = await h.http.post('/spotify/client-token');
  expect(res.status).toBe(429);
  expect(res.headers['retry-after']).toBe('7');
  expect(appTokenCalls()).toHaveLength(0);
});

it('logs each request as client_token, with no token in the event', async () => {
  const events: Record<string, unknown>[] = [];
  const logger = {
    info: (e: never) => events.push(e),
    warn: (e: never) => events.push(e),
    error: (e: never) => events.push(e),
  };
  h = await startHarness({ clientToken: true, hooks: { logger } });
  const res = await clientToken();
  expect(events).toEqual([expect.objectContaining({ event: 'client_token', status: 200, upstreamAttempts: 1 })]);
  expect(JSON.stringify(events)).not.toContain(res.body.access_token);
});

it('refuses a clientToken that is not a boolean', async () => {
  h = await startHarness();
  const build = () => tokenSwap({ ...h.options, clientToken: 'yes' as never });
  expect(build).toThrow(TokenSwapOptionError);
  expect(build).toThrow(/clientToken must be true or false/);
});
