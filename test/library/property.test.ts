// Arbitrary bodies and content types thrown at every route: always a 4xx with the documented JSON, never a 5xx or a hang.
import fc from 'fast-check';
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
