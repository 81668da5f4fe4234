// Arbitrary bodies and content types thrown at every route: always a 4xx with the documented JSON, never a 5xx or a hang.
import fc from 'fast-check';
import { memorySessionStore } from '../../src/index.js';
import { REDIRECT_URI, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const contentTypes = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/x-www-form-urlencoded',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded; charset=iso-8859-1',
    'application/json; charset=latin1',
    'text/plain',
    'multipart/form-data',
    '',
  ),
  fc.string({ maxLength: 40 }),
);

const fieldValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string()),
);
const bodies = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.json(),
  fc
    .record(
      { code: fieldValue, refresh_token: fieldValue, redirect_uri: fieldValue, code_verifier: fieldValue },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc
    .dictionary(
      fc.constantFrom('code', 'refresh_token', 'redirect_uri', 'code_verifier', '__proto__', 'constructor'),
      fc.string(),
    )
    .map((o) => new URLSearchParams(o).toString()),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
);

it('answers any body on any route with a 4xx and the documented JSON error', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/spotify/swap', '/spotify/refresh'),
      contentTypes,
      bodies,
      async (path, type, body) => {
        let req = h.http.post(path);
        if (/^[\t\x20-\x7e]*$/.test(type)) req = req.set('Content-Type', type);
        const res = await req.send(body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(res.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
      },
    ),
    { numRuns: 300 },
  );
  // No arbitrary token opened, so only swaps reached Spotify, and none with a redirect URI the client made up.
  for (const { form } of h.spotify.requests) {
    expect(form).toMatchObject({
      grant_type: 'authorization_code',
      code: expect.any(String),
      redirect_uri: REDIRECT_URI,
    });
  }
  expect((await h.http.post('/spotify/swap').type('form').send({ code: h.code() })).status).toBe(200);
});

describe('with sessions', () => {
  let s: Harness;
  beforeAll(async () => {
    s = await startHarness({ sessions: { store: memorySessionStore(), rotation: true } });
  });
  afterAll(() => s.close());

  it('answers any body at /refresh and /revoke, and any Authorization at DELETE /me, below 500 with the documented JSON', async () => {
    const tokens = fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^rh_[A-Za-z0-9_-]{43}$/));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('refresh', 'revoke', 'me'),
        contentTypes,
        fc.oneof(
          bodies,
          tokens.map((token) => new URLSearchParams({ token, refresh_token: token }).toString()),
        ),
        tokens,
        async (route, type, body, token) => {
          const res =
            route === 'me'
              ? await s.http.delete('/spotify/me').set('Authorization', `Bearer ${token.replace(/[^\x21-\x7e]/g, '')}`)
              : await (
                  /^[\t\x20-\x7e]*$/.test(type)
                    ? s.http.post(`/spotify/${route}`).set('Content-Type', type)
                    : s.http.post(`/spotify/${route}`)
                ).send(body);
          expect(res.status).toBeLessThan(500);
          expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
          if (res.status === 200) expect(res.body).toEqual(route === 'revoke' ? {} : { deleted: 0 });
          else expect(res.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
        },
      ),
      { numRuns: 200 },
    );
    // Nothing made up reached Spotify's token endpoint: no arbitrary handle names a session.
    expect(s.spotify.requests.filter((request) => request.path === '/api/token')).toEqual([]);
  });
});
