// A mock Spotify and tokenSwap() mounted in a real Express 5 app on loopback, with helpers to issue codes and tokens.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { aesGcmCipher, tokenSwap, type RefreshTokenCipher, type TokenSwapOptions } from '../../src/index.js';
import { createMockSpotify, type MockSpotify, type MockSpotifyOptions } from '../../src/testing/index.js';
import { remember, rememberForm, spyLogger } from './secrets.js';

export const REDIRECT_URI = 'myapp://spotify-login-callback';
export const SECRETS = ['a-test-secret-that-is-long-enough-1', 'a-test-secret-that-is-long-enough-2'];

/** Seals with the real cipher and remembers every token it sees, plain and sealed, for the leak check. */
export function trackingCipher(inner: RefreshTokenCipher = aesGcmCipher(SECRETS)): RefreshTokenCipher {
  return {
    async encrypt(refreshToken) {
      const sealed = await inner.encrypt(refreshToken);
      remember(refreshToken, sealed);
      return sealed;
    },
    async decrypt(sealed) {
      remember(sealed);
      const refreshToken = await inner.decrypt(sealed);
      remember(refreshToken);
      return refreshToken;
    },
    ...(inner.isCurrent === undefined ? {} : { isCurrent: inner.isCurrent.bind(inner) }),
    ...(inner.seal === undefined || inner.open === undefined
      ? {}
      : {
          async seal(session) {
            const sealed = await inner.seal!(session);
            remember(session.refreshToken, sealed);
            return sealed;
          },
          async open(sealed) {
            remember(sealed);
            const session = await inner.open!(sealed);
            remember(session.refreshToken);
            return session;
          },
        }),
  };
}

/** Listens on a free loopback port and gives back the base URL. */
export async function listen(server: Server): Promise<{ url: string; server: Server }> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

type Hooks = TokenSwapOptions['hooks'];

export type Overrides = Partial<Omit<TokenSwapOptions, 'hooks'>> & {
  /** Replace the harness's hooks; `logger: undefined` leaves the logger out. */
  hooks?: { [K in keyof Hooks]?: Hooks[K] | undefined };
  mock?: MockSpotifyOptions;
  /** Runs on the app before the router is mounted (a host's own body parser, say). */
  before?: (app: express.Express) => void;
};

export interface Harness {
  spotify: MockSpotify;
  cipher: RefreshTokenCipher;
  /** supertest bound to the app's loopback URL; the router is mounted at /spotify. */
  http: ReturnType<typeof request>;
  /** The app's loopback URL, for raw sockets. */
  url: string;
  options: TokenSwapOptions;
  /** A code bound to the configured redirect URI (or the one given), remembered as a secret. */
  code(options?: Partial<Parameters<MockSpotify['issueCode']>[0]>): string;
  /** A refresh token Spotify knows, sealed as the router would hand it out. */
  sealedRefreshToken(): Promise<{ plain: string; sealed: string }>;
  close(): Promise<void>;
}

/** The options every door needs to talk to `spotify`: its credentials and address, the test redirect URI, 2 s. */
export function mockSpotifyOptions(spotify: MockSpotify) {
  return {
    clientId: spotify.clientId,
    clientSecret: spotify.clientSecret,
    redirectUri: REDIRECT_URI,
    accountsUrl: spotify.url,
    apiUrl: spotify.url,
    timeoutMs: 2_000,
  };
}

export function routerOptions(spotify: MockSpotify, overrides: Overrides = {}): TokenSwapOptions {
  const { hooks, mock: _mock, before: _before, ...rest } = overrides;
  return {
    ...mockSpotifyOptions(spotify),
    ...rest,
    hooks: Object.fromEntries(
      Object.entries({ refreshTokenCipher: trackingCipher(), logger: spyLogger, ...hooks }).filter(
        ([, v]) => v !== undefined,
      ),
    ) as unknown as Hooks,
  };
}

export async function startHarness(overrides: Overrides = {}): Promise<Harness> {
  const spotify = await createMockSpotify(overrides.mock);
  remember(spotify.clientSecret);
  const options = routerOptions(spotify, overrides);
  const app = express();
  overrides.before?.(app);
  app.use('/spotify', tokenSwap(options));
  const { url, server } = await listen(createServer(app));
  const cipher = options.hooks.refreshTokenCipher;
  return {
    spotify,
    cipher,
    http: request(url),
    url,
    options,
    code: (codeOptions = {}) => {
      const code = spotify.issueCode({ redirectUri: REDIRECT_URI, ...codeOptions });
      remember(code);
      return code;
    },
    async sealedRefreshToken() {
      const plain = spotify.issueRefreshToken();
      const sealed = await cipher.encrypt(plain);
      remember(plain, sealed);
      return { plain, sealed };
    },
    async close() {
      for (const { form } of spotify.requests) rememberForm(form);
      await closeServer(server);
      await spotify.close();
    },
  };
}
