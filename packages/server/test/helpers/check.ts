// The standalone server started in this process for the check page's tests, with its log lines kept.
import type { RunningServer } from '../../src/index.js';
import type { MockSpotify } from 'spotify-token-swap/testing';
import { startServer } from '../../src/index.js';

export interface CheckServer extends RunningServer {
  /** Everything the server wrote: JSON log lines and, in demo mode, the walk-through. */
  output: string[];
}

export async function startCheckServer(env: Record<string, string> = {}): Promise<CheckServer> {
  const output: string[] = [];
  const server = await startServer(
    { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    { write: (line) => void output.push(line), flush: () => Promise.resolve() },
  );
  return { ...server, output };
}

/** The check page's address on this server. */
export const checkUrl = (server: { url: string }, path = ''): string => `${server.url}/check/${path}`;

/** The environment of a server for `spotify`, as with real credentials; `extra` adds LOGIN_CHECK and the like. */
export const spotifyEnv = (spotify: MockSpotify, extra: Record<string, string> = {}): Record<string, string> => ({
  SPOTIFY_CLIENT_ID: spotify.clientId,
  SPOTIFY_CLIENT_SECRET: spotify.clientSecret,
  SPOTIFY_REDIRECT_URI: 'myapp://callback',
  SPOTIFY_ACCOUNTS_URL: spotify.url,
  SPOTIFY_API_URL: spotify.url,
  TOKEN_ENCRYPTION_SECRETS: 'check-page-test-secret-of-32-characters',
  ...extra,
});

/** A `start` for a test file: each server it starts is stopped after the test that started it. */
export function serversStoppedAfterEach(): (env?: Record<string, string>) => Promise<CheckServer> {
  const running: CheckServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });
  return async (env = {}) => {
    const server = await startCheckServer(env);
    running.push(server);
    return server;
  };
}

/** The JSON log lines a server wrote, parsed. */
export const logEvents = (server: CheckServer): Record<string, unknown>[] =>
  server.output.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
