// spotify-token-swap/fetch on Node, called directly: what only this door has (basePath, the fetch option, the
// rateLimit function, HEAD, the legacy routes) and its option checks. test/doors/fetch.test.ts runs the shared cases.
import {
  TokenSwapOptionError,
  aesGcmCipher,
  tokenSwapHandler,
  type TokenSwapHandlerOptions,
} from '../../src/fetch/index.js';
import { REDIRECT_URI, SECRETS, mockSpotifyOptions } from '../helpers/harness.js';
import { sharedMockSpotify } from '../helpers/mock.js';
import { logLines, remember, spyLogger } from '../helpers/secrets.js';

const spotify = sharedMockSpotify();

function options(overrides: Partial<TokenSwapHandlerOptions> = {}): TokenSwapHandlerOptions {
  return {
    ...mockSpotifyOptions(spotify),
    basePath: '/spotify',
    hooks: { refreshTokenCipher: aesGcmCipher(SECRETS), logger: spyLogger },
    ...overrides,
  };
}

const at = (path: string, init?: RequestInit) => new Request(`http://door.test${path}`, init);
const swapForm = (code: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: `code=${code}`,
});
const code = () => {
  const issued = spotify.issueCode({ redirectUri: REDIRECT_URI });
  remember(issued);
  return issued;
};

describe('tokenSwapHandler', () => {
  it('serves at the root by default, and at a base path with or without its trailing slash', async () => {
    const root = tokenSwapHandler(options({ basePath: undefined }));
    expect((await root(at('/swap', swapForm(code())))).status).toBe(200);
    const nested = tokenSwapHandler(options({ basePath: '/api/spotify/' }));
    expect((await nested(at('/api/spotify/swap', swapForm(code())))).status).toBe(200);
    expect((await nested(at('/swap', swapForm(code())))).status).toBe(404);
  });

  it('calls Spotify through the fetch it is given', async () => {
    const seen: string[] = [];
    const handle = tokenSwapHandler(
      options({
        fetch: (input, init) => {
          seen.push(input instanceof Request ? input.url : input.toString());
          return fetch(input, init);
        },
      }),
    );
    expect((await handle(at('/spotify/swap', swapForm(code())))).status).toBe(200);
    expect(seen).toEqual([spotify.tokenUrl]);
  });

  it('answers HEAD without a body', async () => {
    const handle = tokenSwapHandler(options());
    const head = await handle(at('/spotify/swap', { method: 'HEAD' }));
    expect(head.status).toBe(405);
    expect(await head.text()).toBe('');
  });

  it('logs one event per request, with what the client got and no secret', async () => {
    const handle = tokenSwapHandler(options());
    const before = logLines.length;
    await handle(at('/spotify/swap', swapForm(code())));
    const events = logLines.slice(before).map((line) => JSON.parse(line) as object);
    expect(events).toEqual([
      expect.objectContaining({ level: 'info', event: 'swap', outcome: 'success', status: 200, upstreamStatus: 200 }),
    ]);
  });
});

describe('the rateLimit hook', () => {
  const limited = (verdict: unknown) =>
    tokenSwapHandler(options({ hooks: { ...options().hooks, rateLimit: () => verdict as boolean } }));

  it('lets a request through on true or { allowed: true }, having seen the request', async () => {
    const seen: string[] = [];
    const handle = tokenSwapHandler(
      options({
        hooks: {
          ...options().hooks,
          rateLimit: (request) => {
            seen.push(request.url);
            return Promise.resolve({ allowed: true });
          },
        },
      }),
    );
    expect((await handle(at('/spotify/swap', swapForm(code())))).status).toBe(200);
    expect(seen).toEqual(['http://door.test/spotify/swap']);
    expect((await limited(true)(at('/spotify/swap', swapForm(code())))).status).toBe(200);
  });

  it('answers a refusal with the documented 429 and its Retry-After, without calling Spotify', async () => {
    const calls = spotify.requests.length;
    for (const [verdict, retryAfter] of [
      [false, '5'],
      [{ allowed: false, retryAfterSeconds: 12.2 }, '13'],
      [{ allowed: false }, '5'],
      // Whole seconds within the documented bound, as every Retry-After this package sends.
      [{ allowed: false, retryAfterSeconds: 1e9 }, '86400'],
      // Issue 26: these two answered 5.
      [{ allowed: false, retryAfterSeconds: Infinity }, '86400'],
      [{ allowed: false, retryAfterSeconds: 1e21 }, '86400'],
      [{ allowed: false, retryAfterSeconds: NaN }, '5'],
      [{ allowed: false, retryAfterSeconds: -3 }, '5'],
    ] as const) {
      const response = await limited(verdict)(at('/spotify/swap', swapForm('never-sent-code')));
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe(retryAfter);
      expect(await response.json()).toEqual({ error: 'too_many_requests', error_description: expect.any(String) });
    }
    expect(spotify.requests.length).toBe(calls);
  });

  it('answers 500 server_error when the hook throws, rejects or returns something else', async () => {
    const failing = [
      () => {
        throw new Error('limiter down');
      },
      () => Promise.reject(new Error('limiter down')),
      () => 'yes' as unknown as boolean,
    ];
    for (const rateLimit of failing) {
      const handle = tokenSwapHandler(options({ hooks: { ...options().hooks, rateLimit } }));
      const response = await handle(at('/spotify/swap', swapForm('never-sent-code')));
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: string }).error).toBe('server_error');
    }
  });
});

describe('legacyExchange on the Fetch handler', () => {
  it('redirects the browser leg to /authorize with the state kept, at the base path with or without its slash', async () => {
    const handle = tokenSwapHandler(options({ legacyExchange: true }));
    for (const path of ['/spotify', '/spotify/']) {
      const response = await handle(at(`${path}?response_type=code&state=abc123&show_dialog=True`));
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(`${spotify.url}/authorize`);
      expect(Object.fromEntries(location.searchParams)).toMatchObject({ state: 'abc123', show_dialog: 'true' });
    }
  });

  it('exchanges a code posted to the one URL with the 5.x fields', async () => {
    const handle = tokenSwapHandler(options({ legacyExchange: true }));
    const body = `grant_type=authorization_code&code=${code()}&refresh_token=`;
    const response = await handle(
      at('/spotify', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }),
    );
    expect(response.status).toBe(200);
  });
});

describe('options', () => {
  it.each([
    [{ basePath: 'spotify' }, /^spotify-token-swap: basePath must be a path starting with \//],
    [{ fetch: 'fetch' }, /^spotify-token-swap: fetch must be a fetch function/],
    [{ basePth: '/x' }, /basePth is not an option: did you mean basePath\?/],
  ])('refuses %j', (overrides, message) => {
    expect(() => tokenSwapHandler(options(overrides as Partial<TokenSwapHandlerOptions>))).toThrow(message);
  });

  // Each of these built a handler that answered 404 to everything: a request's path arrives resolved and encoded.
  it.each([
    ['/spötify', "'/sp%C3%B6tify'"],
    ['/Straße', "'/Stra%C3%9Fe'"],
    ['/x/../spotify', "'/spotify'"],
    ['/x/%2e%2e/spotify', "'/spotify'"],
    ['/spotify\\x', "'/spotify/x'"],
    ['/my spotify', "'/my%20spotify'"],
    ['/spotify?x=1', "a path such as '/spotify'"],
  ])('refuses the base path %j, with the TokenSwapOptionError that says how requests send it', (basePath, hint) => {
    const build = () => tokenSwapHandler(options({ basePath }));
    expect(build).toThrow(TokenSwapOptionError);
    expect(build).toThrow(
      `basePath '${basePath}' is no path a request can have: write it as requests send it, ${hint}`,
    );
  });

  it.each(['/sp%C3%B6tify', '/Spotify/', '/api/v1.2/spotify'])('serves under the base path %j', async (basePath) => {
    const handle = tokenSwapHandler(options({ basePath }));
    const path = basePath.replace(/\/$/, '').toLowerCase();
    const response = await handle(at(`${path}/swap`, { method: 'POST' }));
    expect(response.status).toBe(400);
  });

  it('refuses a rateLimit hook that is not a function, naming the shape it needs', () => {
    const hooks = { ...options().hooks, rateLimit: { limit: 5 } as never };
    expect(() => tokenSwapHandler(options({ hooks }))).toThrow(/hooks\.rateLimit must be a function \(request\)/);
  });

  it('checks the shared options as tokenSwap() does, naming this function', () => {
    expect(() => tokenSwapHandler(null as never)).toThrow(/must be an object: tokenSwapHandler\(\{/);
    expect(() => tokenSwapHandler(options({ hooks: {} as never }))).toThrow(/hooks\.refreshTokenCipher is required/);
    expect(() => tokenSwapHandler(options({ accountsUrl: 'http://spotify.example' }))).toThrow(/accountsUrl/);
  });
});

// The core answers a cipher's temporary failure; pinned here too, since the Fetch door's cipher is awaited differently.
it('answers a refresh 503 with Retry-After when the cipher says its failure is for a moment', async () => {
  const kms = {
    encrypt: () => Promise.reject(Object.assign(new Error('KMS'), { retryable: true })),
    decrypt: () => Promise.reject(Object.assign(new Error('KMS'), { retryable: true, retryAfterSeconds: 2 })),
  };
  const handle = tokenSwapHandler(options({ hooks: { refreshTokenCipher: kms, logger: spyLogger } }));
  const calls = spotify.requests.length;
  const response = await handle(
    at('/spotify/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'refresh_token=sealed-elsewhere',
    }),
  );
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('2');
  expect(await response.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
  expect(spotify.requests.length).toBe(calls);
});
