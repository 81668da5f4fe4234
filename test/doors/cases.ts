// The cases every door must pass, whatever runs it: the router in Express 5, Express 4, Connect and node:http, the
// standalone server's bin, the Fetch handler called directly, the Lambda adapter, and (the `smoke` subset) the recipes
// served by workerd, Deno and Bun. Each door gives `send` and the mock Spotify it was configured with, and says which
// of the doors' options it was built with, so that a case that needs one runs where it can fail.
import { expect } from '@jest/globals';
import { aesGcmCipher } from '../../src/index.js';
import type { MockSpotify } from '../../src/testing/index.js';
import { REDIRECT_URI, SECRETS } from '../helpers/harness.js';
import { remember } from '../helpers/secrets.js';

/**
 * What a door may have been built with: `cors` is `{ origins: [ALLOWED_ORIGIN] }`; `refusingHook` is a rateLimit hook
 * that refuses a request with an `x-refuse` header (TEST_HOOK_STYLES on Node, a verdict elsewhere) and lets the rest on.
 * `streamedBody` is no option but what the door can be sent: a body that comes in parts, and may stall (not so an
 * event of Lambda's, which holds its whole body). `clientToken` is `clientToken: true` (CLIENT_TOKEN=1).
 */
export type DoorOption = 'cors' | 'refusingHook' | 'streamedBody' | 'clientToken';

export interface Door {
  /**
   * Sends a request to `path` under the door's base path (`/swap`, `/refresh`, …), exactly as written where the door
   * can take a raw target.
   */
  send(path: string, init?: RequestInit): Promise<Response>;
  spotify: MockSpotify;
}

export interface DoorCase {
  name: string;
  smoke: boolean;
  /** The door options the case needs; a door built without them does not run it. */
  needs?: DoorOption;
  run(door: Door): Promise<void>;
}

export const ALLOWED_ORIGIN = 'https://app.example';

/**
 * The ways a Connect/Express middleware refuses a request, which the refusing hook on Node takes from `x-refuse`:
 * each must come out as the documented JSON 429 with an integer Retry-After.
 */
export const TEST_HOOK_STYLES = ['writeHead', 'write', 'end', 'verdict'] as const;

/** The cases a runner runs on a door built with `options`. */
export const casesFor = (options: readonly DoorOption[]) =>
  cases.filter((c) => c.needs === undefined || options.includes(c.needs));

/** The Node cipher with the doors' secrets: what it seals opens in every door, and the other way round. */
const nodeCipher = aesGcmCipher(SECRETS);
/** The same secrets the other way round: seals under the key every door keeps only to open old tokens. */
const retiredKeyCipher = aesGcmCipher([...SECRETS].reverse());

export const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
export const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export function code(door: Door): string {
  const issued = door.spotify.issueCode({ redirectUri: REDIRECT_URI });
  remember(issued);
  return issued;
}

export async function body(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as Record<string, unknown>;
}

export async function expectTokens(response: Response): Promise<Record<string, unknown>> {
  const answer = await body(response);
  expect(response.status).toBe(200);
  const keys = Object.keys(answer);
  expect(keys.slice(0, 5)).toEqual(['access_token', 'token_type', 'scope', 'expires_in', 'refresh_token']);
  // The login's end, when the token carries its login's time: whole seconds, at most six months (184 days).
  expect(keys.slice(5)).toEqual('refresh_token_expires_in' in answer ? ['refresh_token_expires_in'] : []);
  if ('refresh_token_expires_in' in answer) {
    expect(Number.isInteger(answer.refresh_token_expires_in)).toBe(true);
    expect(answer.refresh_token_expires_in).toBeGreaterThan(0);
    expect(answer.refresh_token_expires_in).toBeLessThanOrEqual(184 * 86_400);
  }
  expect(answer.token_type).toBe('Bearer');
  expect(answer.expires_in).toBe(3600);
  remember(answer.access_token as string, answer.refresh_token as string);
  return answer;
}

export async function expectError(response: Response, status: number, error: string): Promise<Record<string, unknown>> {
  const answer = await body(response);
  expect({ status: response.status, error: answer.error }).toEqual({ status, error });
  expect(typeof answer.error_description).toBe('string');
  return answer;
}

export const cases: DoorCase[] = [
  {
    name: 'swaps a code sent as a form, and seals the refresh token so that the Node cipher opens it',
    smoke: true,
    async run(door) {
      const answer = await expectTokens(await door.send('/swap', form({ code: code(door) })));
      const plain = await nodeCipher.decrypt(answer.refresh_token as string);
      remember(plain);
      expect(plain).not.toBe(answer.refresh_token);
      expect(door.spotify.requests.at(-1)?.form).toMatchObject({ grant_type: 'authorization_code' });
    },
  },
  {
    name: 'swaps a code sent as JSON with a PKCE verifier, which reaches Spotify',
    smoke: false,
    async run(door) {
      const verifier = 'v'.repeat(20) + 'erifier-of-the-pkce-flow-0123456789';
      remember(verifier);
      const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString(
        'base64url',
      );
      const issued = door.spotify.issueCode({ redirectUri: REDIRECT_URI, codeChallenge: challenge });
      remember(issued);
      await expectTokens(await door.send('/swap', json({ code: issued, code_verifier: verifier })));
      expect(door.spotify.requests.at(-1)?.form.code_verifier).toBe(verifier);
    },
  },
  {
    name: 'refreshes a token the Node cipher sealed under a retiring key, and hands it back sealed under the current one',
    smoke: true,
    async run(door) {
      const plain = door.spotify.issueRefreshToken();
      const sealed = await retiredKeyCipher.encrypt(plain);
      remember(plain, sealed);
      const answer = await expectTokens(await door.send('/refresh', form({ refresh_token: sealed })));
      expect(answer.refresh_token).not.toBe(sealed);
      expect(await nodeCipher.decrypt(answer.refresh_token as string)).toBe(plain);
      expect(await nodeCipher.isCurrent!(answer.refresh_token as string)).toBe(true);
      expect(door.spotify.requests.at(-1)?.form).toEqual({ grant_type: 'refresh_token', refresh_token: plain });
    },
  },
  {
    name: 'says when the login ends: six months after the swap, kept through refreshes; unknown for an older token',
    smoke: true,
    async run(door) {
      const swapped = await expectTokens(await door.send('/swap', form({ code: code(door) })));
      const sixMonths = swapped.refresh_token_expires_in as number;
      // Six calendar months from now, in seconds: 181 to 184 days.
      expect(sixMonths).toBeGreaterThanOrEqual(181 * 86_400);
      expect(sixMonths).toBeLessThanOrEqual(184 * 86_400);
      expect((await nodeCipher.open!(swapped.refresh_token as string)).loginAt).toEqual(expect.any(Number));
      const refreshed = await expectTokens(
        await door.send('/refresh', form({ refresh_token: swapped.refresh_token as string })),
      );
      // The login did not move: its end is where it was, a second or two nearer.
      expect(sixMonths - (refreshed.refresh_token_expires_in as number)).toBeGreaterThanOrEqual(0);
      expect(sixMonths - (refreshed.refresh_token_expires_in as number)).toBeLessThanOrEqual(5);
      // A token sealed without its login's time (by an older version, or encrypt alone) says nothing of it.
      const older = await nodeCipher.encrypt(door.spotify.issueRefreshToken());
      remember(older);
      const unknown = await expectTokens(await door.send('/refresh', form({ refresh_token: older })));
      expect(unknown).not.toHaveProperty('refresh_token_expires_in');
    },
  },
  {
    name: 'hands a current token back as it came when Spotify does not rotate it',
    smoke: false,
    async run(door) {
      const sealed = await nodeCipher.encrypt(door.spotify.issueRefreshToken());
      remember(sealed);
      const answer = await expectTokens(await door.send('/refresh', json({ refresh_token: sealed })));
      expect(answer.refresh_token).toBe(sealed);
    },
  },
  {
    name: 'refuses a tampered refresh token with invalid_grant, without calling Spotify',
    smoke: true,
    async run(door) {
      const sealed = await nodeCipher.encrypt(door.spotify.issueRefreshToken());
      const tampered = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
      remember(sealed, tampered);
      const calls = door.spotify.requests.length;
      await expectError(await door.send('/refresh', form({ refresh_token: tampered })), 400, 'invalid_grant');
      expect(door.spotify.requests.length).toBe(calls);
    },
  },
  {
    name: "passes Spotify's invalid_grant through for a used code",
    smoke: true,
    async run(door) {
      const used = code(door);
      await expectTokens(await door.send('/swap', form({ code: used })));
      const answer = await expectError(await door.send('/swap', form({ code: used })), 400, 'invalid_grant');
      expect(answer.error_description).toBe('Invalid authorization code');
    },
  },
  {
    name: 'refuses a swap without a code, and a redirect URI that is not allowed, before calling Spotify',
    smoke: false,
    async run(door) {
      const calls = door.spotify.requests.length;
      await expectError(await door.send('/swap', form({})), 400, 'invalid_request');
      // No body and no type at all (curl -X POST): no fields, so the code is missing, as on the router.
      await expectError(await door.send('/swap', { method: 'POST' }), 400, 'invalid_request');
      const other = { code: code(door), redirect_uri: 'https://elsewhere.example/cb' };
      await expectError(await door.send('/swap', form(other)), 400, 'invalid_request');
      expect(door.spotify.requests.length).toBe(calls);
    },
  },
  {
    name: 'refuses bodies of other types (415) and over 16 kB (413)',
    smoke: true,
    async run(door) {
      const text = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'code=x' };
      await expectError(await door.send('/swap', text), 415, 'unsupported_media_type');
      await expectError(await door.send('/swap', form({ code: 'x'.repeat(17 * 1024) })), 413, 'payload_too_large');
      await expectError(await door.send('/swap', json('[')), 400, 'invalid_request');
    },
  },
  {
    name: 'answers a body that stalls with 408 invalid_request once timeoutMs has passed, and calls nobody',
    smoke: false,
    needs: 'streamedBody',
    async run(door) {
      const calls = door.spotify.requests.length;
      const stalling = new ReadableStream<Uint8Array>({
        start: (controller) => controller.enqueue(new TextEncoder().encode('code=')),
      });
      const answer = await door.send('/swap', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '40' },
        body: stalling,
        duplex: 'half',
      });
      await expectError(answer, 408, 'invalid_request');
      expect(door.spotify.requests.length).toBe(calls);
    },
  },
  {
    name: 'serves an app-only token at /client-token, with one call to Spotify however many ask at once',
    smoke: false,
    needs: 'clientToken',
    async run(door) {
      const appTokenCalls = () =>
        door.spotify.requests.filter((request) => request.form.grant_type === 'client_credentials').length;
      const before = appTokenCalls();
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => door.send('/client-token', { method: 'POST' })),
      );
      answers.push(await door.send('/client-token', form({})));
      const tokens = await Promise.all(answers.map(body));
      expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
      for (const token of tokens) {
        expect(Object.keys(token)).toEqual(['access_token', 'token_type', 'expires_in']);
        expect(token.token_type).toBe('Bearer');
        expect(token.expires_in).toBeGreaterThan(3500);
        expect(token.expires_in).toBeLessThanOrEqual(3600);
      }
      remember(tokens[0]!.access_token as string);
      expect(new Set(tokens.map((token) => token.access_token)).size).toBe(1);
      expect(appTokenCalls() - before).toBe(1);
      await expectError(await door.send('/client-token', { method: 'GET' }), 405, 'method_not_allowed');
    },
  },
  {
    name: 'answers other methods with 405 and Allow, and other paths with the JSON 404',
    smoke: true,
    async run(door) {
      const wrongMethod = await door.send('/refresh', { method: 'GET' });
      expect(wrongMethod.headers.get('allow')).toBe('POST');
      await expectError(wrongMethod, 405, 'method_not_allowed');
      await expectError(await door.send('/elsewhere', form({})), 404, 'not_found');
    },
  },
  {
    name: 'finds its routes as the Express router does: in any case, with one trailing slash, and no further',
    smoke: false,
    async run(door) {
      await expectTokens(await door.send('/Swap/', form({ code: code(door) })));
      await expectError(await door.send('/swap//', form({ code: code(door) })), 404, 'not_found');
      await expectError(await door.send('/swapped', form({ code: code(door) })), 404, 'not_found');
    },
  },
  {
    name: 'resolves dot segments, their encoded forms and backslashes as a URL parser does, on every door',
    smoke: false,
    async run(door) {
      await expectTokens(await door.send('/x/../swap', form({ code: code(door) })));
      await expectTokens(await door.send('/x/%2e%2E/swap', form({ code: code(door) })));
      await expectTokens(await door.send('/x\\..\\swap', form({ code: code(door) })));
      await expectError(await door.send('/x/swap', form({ code: code(door) })), 404, 'not_found');
    },
  },
  {
    name: 'takes a body that starts with a byte order mark, JSON or form, as the same body without it',
    smoke: false,
    async run(door) {
      const bom = '\uFEFF';
      await expectTokens(await door.send('/swap', { ...json({}), body: bom + JSON.stringify({ code: code(door) }) }));
      await expectTokens(await door.send('/swap', { ...form({}), body: bom + `code=${code(door)}` }));
    },
  },
  {
    name: 'answers a refusal of its rateLimit hook, however the hook says it, with the JSON 429 and an integer Retry-After',
    smoke: false,
    needs: 'refusingHook',
    async run(door) {
      const calls = door.spotify.requests.length;
      for (const style of TEST_HOOK_STYLES) {
        const refused = await door.send('/swap', {
          ...form({ code: 'unused' }),
          headers: { ...form({}).headers, 'x-refuse': style },
        });
        expect({ style, retryAfter: refused.headers.get('retry-after') }).toEqual({ style, retryAfter: '3' });
        const answer = await expectError(refused, 429, 'too_many_requests');
        expect(Object.keys(answer)).toEqual(['error', 'error_description']);
      }
      expect(door.spotify.requests.length).toBe(calls);
      await expectTokens(await door.send('/swap', form({ code: code(door) })));
    },
  },
  {
    name: 'answers a preflight from a listed origin, and lets that origin read the answers; no other origin',
    smoke: false,
    needs: 'cors',
    async run(door) {
      const preflight = (origin: string) =>
        door.send('/swap', {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
      const allowed = await preflight(ALLOWED_ORIGIN);
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
      expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
      const denied = await preflight('https://evil.example');
      expect(denied.headers.get('access-control-allow-origin')).toBeNull();
      expect(denied.headers.get('access-control-allow-methods')).toBeNull();

      const swap = (origin: string) =>
        door.send('/swap', { ...form({ code: code(door) }), headers: { ...form({}).headers, origin } });
      const answered = await swap(ALLOWED_ORIGIN);
      await expectTokens(answered);
      expect(answered.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      expect(answered.headers.get('vary')).toMatch(/origin/i);
      const other = await swap('https://evil.example');
      await expectTokens(other);
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    },
  },
  {
    name: "passes Spotify's 429 through with an integer Retry-After",
    smoke: true,
    async run(door) {
      door.spotify.fail({ type: 'rateLimit', retryAfter: '2.5' }, { times: 3 });
      const limited = await door.send('/swap', form({ code: code(door) }));
      expect(limited.headers.get('retry-after')).toBe('3');
      await expectError(limited, 429, 'too_many_requests');
      door.spotify.clearFaults();
    },
  },
  {
    name: 'answers 502 when Spotify answers garbage, and retries a refresh past a 503',
    smoke: false,
    async run(door) {
      door.spotify.fail({ type: 'nonJson' });
      await expectError(await door.send('/swap', form({ code: code(door) })), 502, 'bad_gateway');
      door.spotify.fail({ type: 'status', status: 503 });
      const sealed = await nodeCipher.encrypt(door.spotify.issueRefreshToken());
      remember(sealed);
      await expectTokens(await door.send('/refresh', form({ refresh_token: sealed })));
    },
  },
  {
    name: 'never retries a swap after a reset: the code may have been used',
    smoke: false,
    async run(door) {
      door.spotify.fail({ type: 'reset' });
      const calls = door.spotify.requests.length;
      await expectError(await door.send('/swap', form({ code: code(door) })), 502, 'bad_gateway');
      expect(door.spotify.requests.length).toBe(calls + 1);
    },
  },
  {
    name: 'answers 502 for an oversized answer from Spotify',
    smoke: false,
    async run(door) {
      door.spotify.fail({ type: 'largeBody', bytes: 100 * 1024 });
      await expectError(await door.send('/swap', form({ code: code(door) })), 502, 'bad_gateway');
    },
  },
];

export const smokeCases = cases.filter((c) => c.smoke);
