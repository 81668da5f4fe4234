// A mock of Spotify on loopback: the token endpoint, the /authorize consent page, the Web API's /v1/me, and injected
// faults, served by one HTTP(S) server that counts its connections and keeps its latest requests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { rejectUnknownKeys } from '../core/unknown-keys.js';
import { authorize } from './authorize.js';
import { faultQueue, serveFault } from './faults.js';
import { parseForm, readBody, send } from './http.js';
import { DEFAULT_SCOPE, DEFAULT_USER, tokenEndpoint } from './token-endpoint.js';
import type { MockConnections, MockRequest, MockSpotify, MockSpotifyOptions } from './types.js';
import { webApi } from './web-api.js';

const MOCK_OPTION_KEYS = [
  'clientId',
  'clientSecret',
  'rotateRefreshTokens',
  'codeTtlMs',
  'expiresIn',
  'port',
  'tls',
  'keepRequests',
  'redirectUris',
] as const satisfies readonly (keyof MockSpotifyOptions)[];

/** The app's registered redirect URIs, checked; undefined takes any, as the mock always has. */
function registeredRedirectUris(value: unknown): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((uri) => typeof uri !== 'string' || uri === '')) {
    throw new TypeError(
      "createMockSpotify: redirectUris must be an array of the app's registered redirect URIs (default: any)",
    );
  }
  return new Set(value as string[]);
}

/**
 * Starts a mock of Spotify on 127.0.0.1: `POST /api/token` behaving as Spotify's does (client authentication,
 * single-use codes bound to a redirect URI and PKCE challenge, refresh tokens, OAuth error JSON), `/authorize` with
 * a consent page (Agree or Cancel), and `GET /v1/me` with a made-up profile for the access tokens it issued.
 */
export async function createMockSpotify(options: MockSpotifyOptions = {}): Promise<MockSpotify> {
  rejectUnknownKeys('createMockSpotify', options, MOCK_OPTION_KEYS);
  const clientId = options.clientId ?? 'mock-client-id';
  const clientSecret = options.clientSecret ?? 'mock-client-secret';
  const codeTtlMs = options.codeTtlMs ?? 600_000;
  const expiresIn = options.expiresIn ?? 3600;
  const rotate = options.rotateRefreshTokens ?? false;
  const keepRequests = options.keepRequests ?? 1000;
  if (!Number.isInteger(keepRequests) || keepRequests < 0) {
    throw new TypeError('createMockSpotify: keepRequests must be a whole number, 0 or more (default 1000)');
  }

  const redirectUris = registeredRedirectUris(options.redirectUris);

  const api = webApi();
  const endpoint = tokenEndpoint({ clientId, clientSecret, codeTtlMs, expiresIn, rotate, onAccessToken: api.remember });
  const faults = faultQueue();
  const connections: MockConnections = { opened: 0, open: 0, tlsHandshakes: 0 };
  const requests: MockRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname: path, searchParams } = new URL(req.url ?? '/', 'http://mock');
    const form = parseForm(req, await readBody(req));
    const request: MockRequest = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      query: Object.fromEntries(searchParams),
      form,
      answer: 0,
    };
    if (keepRequests > 0) {
      if (requests.length >= keepRequests) requests.splice(0, requests.length - keepRequests + 1);
      requests.push(request);
    }
    if (path === '/authorize' && (req.method === 'GET' || req.method === 'POST')) {
      request.answer = authorize(req.method, searchParams, form, res, {
        clientId,
        redirectUris,
        issueCode: endpoint.issueCode,
      });
      return;
    }
    if (path === '/v1/me' && req.method === 'GET') {
      const { status, body } = api.me(req);
      request.answer = status;
      return send(res, status, JSON.stringify(body));
    }
    if (path !== '/api/token') {
      request.answer = 404;
      return send(res, 404, JSON.stringify({ error: 'not_found', error_description: 'No such endpoint' }));
    }
    if (req.method !== 'POST') {
      request.answer = 405;
      return send(res, 405, JSON.stringify({ error: 'method_not_allowed', error_description: 'Use POST' }), {
        Allow: 'POST',
      });
    }
    const fault = faults.next();
    if (fault !== undefined) {
      const answer = await serveFault(fault, res, later);
      if (answer !== undefined) {
        request.answer = answer;
        return;
      }
    }
    const { status, body } = endpoint.answer(req, form);
    request.answer = status;
    send(res, status, JSON.stringify(body));
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => res.destroy());
  };
  const server = options.tls === undefined ? createServer(listener) : createHttpsServer(options.tls, listener);
  server.on('connection', (socket: Socket) => {
    connections.opened += 1;
    connections.open += 1;
    socket.once('close', () => (connections.open -= 1));
  });
  server.on('secureConnection', () => (connections.tlsHandshakes += 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;

  return {
    url,
    tokenUrl: `${url}/api/token`,
    clientId,
    clientSecret,
    requests,
    connections,
    issueCode: endpoint.issueCode,
    issueRefreshToken: (tokenOptions = {}) => {
      rejectUnknownKeys('issueRefreshToken', tokenOptions, ['scope', 'user']);
      return endpoint.issueRefreshToken(tokenOptions.scope ?? DEFAULT_SCOPE, tokenOptions.user ?? DEFAULT_USER);
    },
    revoke: (refreshToken) => endpoint.revoke(refreshToken),
    fail: (fault, faultOptions) => faults.add(fault, faultOptions),
    clearFaults: () => faults.clear(),
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
