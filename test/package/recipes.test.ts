// The recipes in examples/ that run on Node, imported as their files are and driven with the smoke cases against the
// mock Spotify: Vercel, Netlify, Next.js and Lambda. Workers, Deno and Bun run theirs in runtimes.test.ts.
import { jest } from '@jest/globals';
import { smokeCases, type Door } from '../doors/cases.js';
import { REDIRECT_URI, SECRETS } from '../helpers/harness.js';
import { functionUrlEvent, responseOf } from '../helpers/lambda-events.js';
import { sharedMockSpotify } from '../helpers/mock.js';

type Handler = (request: Request) => Promise<Response>;

const spotify = sharedMockSpotify();
const saved = { ...process.env };
beforeAll(() => {
  // What each host's settings would hold; the recipes read them when they load.
  Object.assign(process.env, {
    SPOTIFY_CLIENT_ID: spotify.clientId,
    SPOTIFY_CLIENT_SECRET: spotify.clientSecret,
    SPOTIFY_REDIRECT_URI: REDIRECT_URI,
    TOKEN_ENCRYPTION_SECRETS: SECRETS.join(','),
    SPOTIFY_ACCOUNTS_URL: spotify.url,
  });
  // The recipes log to the console; the tests read answers, not logs.
  for (const level of ['info', 'warn', 'error'] as const) jest.spyOn(console, level).mockImplementation(() => {});
});
afterAll(() => {
  process.env = saved;
  jest.restoreAllMocks();
});

const recipe = (path: string) => import(`../../examples/${path}`) as Promise<Record<string, unknown>>;

// Issue 28: `next build` failed with "aesGcmCipher(secrets) was given undefined" unless every secret was in the build's
// environment, and Vercel's and Netlify's recipes built the handler at import the same way. Each now loads with no
// variable set (as a build loads it), and its first request names the variable it misses.
describe.each([
  ['Next.js', 'nextjs/app/spotify/[route]/route.ts', 'POST'],
  ['Vercel', 'vercel/api/spotify/[route].ts', 'POST'],
  ['Netlify', 'netlify/netlify/functions/spotify.ts', 'default'],
])('the %s recipe, with no variable set', (_name, path, exported) => {
  const names = ['SPOTIFY_CLIENT_ID', 'SPOTIFY_CLIENT_SECRET', 'SPOTIFY_REDIRECT_URI', 'TOKEN_ENCRYPTION_SECRETS'];

  it('loads as a build loads it, and names each missing variable on a request until it is set', async () => {
    const kept = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    try {
      for (const name of names) delete process.env[name];
      const handle = (await recipe(path))[exported] as Handler;
      for (const name of names) {
        await expect(handle(new Request('https://app.example/spotify/swap', { method: 'POST' }))).rejects.toThrow(
          `spotify-token-swap: ${name} is not set`,
        );
        process.env[name] = kept[name];
      }
    } finally {
      Object.assign(process.env, kept);
    }
  });
});

/** A door that hands the Request to a route module's method exports, as the host does. */
function routeModule(module: Record<string, unknown>, base: string): Door {
  return {
    spotify,
    send: (path, init) => {
      const method = (init?.method ?? 'GET').toUpperCase();
      const exported = module[method] as Handler | undefined;
      if (exported === undefined) return Promise.resolve(new Response(null, { status: 405 }));
      return exported(new Request(`https://app.example${base}${path}`, init));
    },
  };
}

const recipes: [string, () => Promise<Door>][] = [
  [
    'Vercel (api/spotify/[route].ts)',
    async () => routeModule(await recipe('vercel/api/spotify/[route].ts'), '/api/spotify'),
  ],
  [
    'Next.js (app/spotify/[route]/route.ts)',
    async () => routeModule(await recipe('nextjs/app/spotify/[route]/route.ts'), '/spotify'),
  ],
  [
    'Netlify (netlify/functions/spotify.ts)',
    async () => {
      const handler = (await recipe('netlify/netlify/functions/spotify.ts')).default as Handler;
      return { spotify, send: (path, init) => handler(new Request(`https://app.example/spotify${path}`, init)) };
    },
  ],
  [
    'AWS Lambda (lambda/index.mjs)',
    async () => {
      const { handler } = (await recipe('lambda/index.mjs')) as { handler: (event: unknown) => Promise<never> };
      return { spotify, send: async (path, init) => responseOf(await handler(functionUrlEvent(path, init))) };
    },
  ],
];

describe.each(recipes)('%s', (_name, load) => {
  let door: Door;
  beforeAll(async () => {
    door = await load();
  });
  for (const doorCase of smokeCases) it(doorCase.name, () => doorCase.run(door));
});

it("Netlify's recipe claims exactly the swap and refresh paths, rate limited per address", async () => {
  const { config } = await recipe('netlify/netlify/functions/spotify.ts');
  expect(config).toEqual({
    path: ['/spotify/swap', '/spotify/refresh'],
    rateLimit: expect.objectContaining({ aggregateBy: ['ip', 'domain'] }),
  });
});
