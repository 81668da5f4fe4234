// A mock of Spotify's accounts service on loopback: the token endpoint (client auth, single-use codes, PKCE, refresh
// tokens, injected faults) and an /authorize page whose user always consents.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { nearest, rejectUnknownKeys } from '../unknown-keys.js';

export interface MockSpotifyOptions {
  /** Default `'mock-client-id'`. */
  clientId?: string;
  /** Default `'mock-client-secret'`. */
  clientSecret?: string;
  /** Issue a new refresh token on every refresh (and retire the old one), as Spotify may. Default `false`. */
  rotateRefreshTokens?: boolean;
  /** How long an issued code stays usable, in ms. Default `600000` (10 minutes). */
  codeTtlMs?: number;
  /** `expires_in` of issued access tokens, in seconds. Default `3600`. */
  expiresIn?: number;
  /** Loopback port to listen on; default `0`, any free one. */
  port?: number;
  /** Serve HTTPS with this key and certificate (PEM), so TLS and its connection reuse are part of a test. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** How many of the latest requests `requests` keeps; `0` keeps none. Default `1000`. */
  keepRequests?: number;
}

export interface IssueCodeOptions {
  /** The redirect URI the code is bound to; the swap must send the same one, byte for byte. */
  redirectUri: string;
  /** Default `'user-read-email user-read-private'`. */
  scope?: string;
  /** A PKCE challenge: the swap must then send the matching `code_verifier`. */
  codeChallenge?: string;
  /** Default `'S256'`. */
  codeChallengeMethod?: 'S256' | 'plain';
  /** Overrides `codeTtlMs` for this code. */
  ttlMs?: number;
}

/** A misbehaviour of the token endpoint, served to the next request(s) instead of (or before) the real answer. */
export type MockFault =
  /** Waits this many ms, then answers as usual, or serves `then` (a slow 503, say). */
  | { type: 'latency'; ms: number; then?: MockFault }
  /** Answers this status with this body (default: none) and headers, without touching codes or tokens. */
  | { type: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Answers 429, with `Retry-After` when given. */
  | { type: 'rateLimit'; retryAfter?: number | string }
  /** Destroys the connection without answering. */
  | { type: 'reset' }
  /** Answers an HTML page with this status (default 200). */
  | { type: 'nonJson'; status?: number }
  /** Answers 200 with a JSON-looking body of this many bytes. */
  | { type: 'largeBody'; bytes: number }
  /** Sends the headers and part of a body, then never finishes. */
  | { type: 'hang' };

export interface FaultOptions {
  /** How many requests the fault serves; default 1. `Infinity` keeps it until `clearFaults()`. */
  times?: number;
  /** The chance, from 0 to 1, that it serves a given request; default 1. Queued faults are tried in order. */
  probability?: number;
}

/** What the mock's server has seen of connections. */
export interface MockConnections {
  /** Connections accepted since the start. */
  opened: number;
  /** Connections open now. */
  open: number;
  /** TLS handshakes completed (with `tls`); a client that reuses its connections keeps this low. */
  tlsHandshakes: number;
}

/** One request the mock received, as it arrived. */
export interface MockRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The query string's parameters. */
  query: Record<string, string>;
  /** The form fields of the body (a non-form body has none). */
  form: Record<string, string>;
  /** What the mock answered: its status, or `'reset'`/`'hang'` for those faults. */
  answer: number | 'reset' | 'hang';
}

export interface MockSpotify {
  /** The accounts URL to pass as `accountsUrl`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** `url + '/api/token'`. */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The latest requests received (at most `keepRequests`), oldest first. */
  readonly requests: readonly MockRequest[];
  /** Connection counts, to check that a client reuses connections and leaks none. */
  readonly connections: Readonly<MockConnections>;
  /** An authorization code, as Spotify would send to the redirect URI after the user logs in. */
  issueCode(options: IssueCodeOptions): string;
  /** A valid refresh token, as if a swap had happened. */
  issueRefreshToken(options?: { scope?: string }): string;
  /** Revokes a refresh token: refreshing with it now fails with `invalid_grant`. */
  revoke(refreshToken: string): void;
  /** Queues a fault for the next request(s) to the token endpoint, or, with `probability`, for a share of them. */
  fail(fault: MockFault, options?: FaultOptions): void;
  clearFaults(): void;
  /** Stops the server, dropping open connections. */
  close(): Promise<void>;
}

interface CodeRecord {
  redirectUri: string;
  scope: string;
  challenge: { value: string; method: 'S256' | 'plain' } | undefined;
  expiresAt: number;
}

interface TokenRecord {
  scope: string;
  revoked: boolean;
}

interface Answer {
  status: number;
  body: object;
}

const DEFAULT_SCOPE = 'user-read-email user-read-private';
const MOCK_OPTION_KEYS = [
  'clientId',
  'clientSecret',
  'rotateRefreshTokens',
  'codeTtlMs',
  'expiresIn',
  'port',
  'tls',
  'keepRequests',
] as const satisfies readonly (keyof MockSpotifyOptions)[];
const ISSUE_CODE_KEYS = [
  'redirectUri',
  'scope',
  'codeChallenge',
  'codeChallengeMethod',
  'ttlMs',
] as const satisfies readonly (keyof IssueCodeOptions)[];
/** Each fault's fields, `type` first. */
const FAULT_KEYS: Readonly<Record<MockFault['type'], readonly string[]>> = {
  latency: ['type', 'ms', 'then'],
  status: ['type', 'status', 'body', 'headers'],
  rateLimit: ['type', 'retryAfter'],
  reset: ['type'],
  nonJson: ['type', 'status'],
  largeBody: ['type', 'bytes'],
  hang: ['type'],
};

/** A fault the mock can serve, or a TypeError saying what is wrong with it: a typo must not pass a test silently. */
function checkFault(fault: unknown): void {
  if (typeof fault !== 'object' || fault === null) throw new TypeError('fail: pass a fault such as { type: "reset" }');
  const { type } = fault as { type?: unknown };
  const types = Object.keys(FAULT_KEYS);
  if (typeof type !== 'string' || !Object.hasOwn(FAULT_KEYS, type)) {
    const guess = typeof type === 'string' ? nearest(type, types) : undefined;
    throw new TypeError(
      `fail: ${JSON.stringify(type)} is not a fault type: ${guess === undefined ? `use one of ${types.join(', ')}` : `did you mean ${guess}?`}`,
    );
  }
  rejectUnknownKeys(`fail({ type: '${type}' })`, fault, FAULT_KEYS[type as MockFault['type']]);
  const field = (fault as Record<string, unknown>)[
    type === 'latency' ? 'ms' : type === 'largeBody' ? 'bytes' : 'status'
  ];
  if (type === 'latency' && !(typeof field === 'number' && field >= 0)) {
    throw new TypeError("fail({ type: 'latency' }): ms must be a number of milliseconds, 0 or more");
  }
  if (type === 'largeBody' && !(Number.isInteger(field) && (field as number) > 0)) {
    throw new TypeError("fail({ type: 'largeBody' }): bytes must be a whole number above 0");
  }
  if (type === 'status' && !(Number.isInteger(field) && (field as number) >= 100 && (field as number) <= 599)) {
    throw new TypeError("fail({ type: 'status' }): status must be an HTTP status from 100 to 599");
  }
  if (
    type === 'nonJson' &&
    field !== undefined &&
    !(Number.isInteger(field) && (field as number) >= 100 && (field as number) <= 599)
  ) {
    throw new TypeError("fail({ type: 'nonJson' }): status must be an HTTP status from 100 to 599");
  }
  const then = (fault as { then?: unknown }).then;
  if (type === 'latency' && then !== undefined) checkFault(then);
}
const MAX_BODY_BYTES = 64 * 1024;

const token = (bytes = 48) => randomBytes(bytes).toString('base64url');
const oauthError = (status: number, error: string, description: string): Answer => ({
  status,
  body: { error, error_description: description },
});

function equalStrings(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function parseForm(req: IncomingMessage, text: string): Record<string, string> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return {};
  return Object.fromEntries(new URLSearchParams(text));
}

/**
 * Starts a mock of Spotify's accounts service on 127.0.0.1: `POST /api/token` behaving as Spotify's does (client
 * authentication, single-use codes bound to a redirect URI and PKCE challenge, refresh tokens, OAuth error JSON),
 * and `GET /authorize` answering at once as if the user consented.
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

  const codes = new Map<string, CodeRecord>();
  const refreshTokens = new Map<string, TokenRecord>();
  const faults: { fault: MockFault; left: number; probability: number }[] = [];
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

  function issueCode(codeOptions: IssueCodeOptions): string {
    if (typeof codeOptions !== 'object' || codeOptions === null) {
      throw new TypeError('issueCode: pass { redirectUri }, the redirect URI the code is bound to');
    }
    rejectUnknownKeys('issueCode', codeOptions, ISSUE_CODE_KEYS);
    if (typeof codeOptions.redirectUri !== 'string' || codeOptions.redirectUri === '') {
      throw new TypeError(
        'issueCode: redirectUri is required: the redirect URI the code is bound to (the one your router sends Spotify)',
      );
    }
    return issueBoundCode(codeOptions);
  }

  function issueBoundCode({
    redirectUri,
    scope = DEFAULT_SCOPE,
    codeChallenge,
    codeChallengeMethod = 'S256',
    ttlMs = codeTtlMs,
  }: IssueCodeOptions): string {
    const code = token(96);
    codes.set(code, {
      redirectUri,
      scope,
      challenge: codeChallenge === undefined ? undefined : { value: codeChallenge, method: codeChallengeMethod },
      expiresAt: Date.now() + ttlMs,
    });
    return code;
  }

  function issueRefreshToken(scope: string): string {
    const value = token();
    refreshTokens.set(value, { scope, revoked: false });
    return value;
  }

  function tokens(scope: string, refreshToken: string | undefined): Answer {
    const body: Record<string, unknown> = { access_token: token(), token_type: 'Bearer', scope, expires_in: expiresIn };
    if (refreshToken !== undefined) body.refresh_token = refreshToken;
    return { status: 200, body };
  }

  function authenticate(req: IncomingMessage): Answer | undefined {
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (match === null) return oauthError(400, 'invalid_client', 'Invalid client');
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const id = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    if (colon < 0 || !equalStrings(id, clientId)) return oauthError(400, 'invalid_client', 'Invalid client');
    if (!equalStrings(secret, clientSecret)) return oauthError(400, 'invalid_client', 'Invalid client secret');
    return undefined;
  }

  function swap(form: Record<string, string>): Answer {
    const code = form.code ?? '';
    if (code === '') return oauthError(400, 'invalid_request', 'code must be supplied');
    const record = codes.get(code);
    // A code is good for one attempt, successful or not.
    codes.delete(code);
    if (record === undefined) return oauthError(400, 'invalid_grant', 'Invalid authorization code');
    if (Date.now() > record.expiresAt) return oauthError(400, 'invalid_grant', 'Authorization code expired');
    if (form.redirect_uri !== record.redirectUri) return oauthError(400, 'invalid_grant', 'Invalid redirect URI');
    if (record.challenge !== undefined) {
      const verifier = form.code_verifier ?? '';
      if (verifier === '') return oauthError(400, 'invalid_request', 'code_verifier required');
      const derived =
        record.challenge.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!equalStrings(derived, record.challenge.value)) {
        return oauthError(400, 'invalid_grant', 'code_verifier was incorrect');
      }
    }
    return tokens(record.scope, issueRefreshToken(record.scope));
  }

  function refresh(form: Record<string, string>): Answer {
    const presented = form.refresh_token ?? '';
    if (presented === '') return oauthError(400, 'invalid_request', 'refresh_token must be supplied');
    const record = refreshTokens.get(presented);
    if (record === undefined) return oauthError(400, 'invalid_grant', 'Invalid refresh token');
    if (record.revoked) return oauthError(400, 'invalid_grant', 'Refresh token revoked');
    if (!rotate) return tokens(record.scope, undefined);
    record.revoked = true;
    return tokens(record.scope, issueRefreshToken(record.scope));
  }

  function tokenEndpoint(req: IncomingMessage, form: Record<string, string>): Answer {
    const unauthenticated = authenticate(req);
    if (unauthenticated !== undefined) return unauthenticated;
    switch (form.grant_type) {
      case undefined:
      case '':
        return oauthError(400, 'unsupported_grant_type', 'grant_type parameter is missing');
      case 'authorization_code':
        return swap(form);
      case 'refresh_token':
        return refresh(form);
      default:
        return oauthError(400, 'unsupported_grant_type', 'grant_type parameter is invalid');
    }
  }

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  }

  function nextFault(): MockFault | undefined {
    const index = faults.findIndex((entry) => entry.probability >= 1 || Math.random() < entry.probability);
    const entry = faults[index];
    if (entry === undefined) return undefined;
    entry.left -= 1;
    if (entry.left <= 0) faults.splice(index, 1);
    return entry.fault;
  }

  /** Serves a fault; returns what was answered, or undefined when the real answer should follow. */
  async function serveFault(fault: MockFault, res: ServerResponse): Promise<MockRequest['answer'] | undefined> {
    switch (fault.type) {
      case 'latency':
        await later(fault.ms);
        return fault.then === undefined ? undefined : serveFault(fault.then, res);
      case 'status':
        res.writeHead(fault.status, fault.headers ?? {});
        res.end(fault.body ?? '');
        return fault.status;
      case 'rateLimit': {
        const headers: Record<string, string> =
          fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
        send(res, 429, '', headers);
        return 429;
      }
      case 'reset':
        res.socket?.destroy();
        return 'reset';
      case 'nonJson': {
        const status = fault.status ?? 200;
        res.writeHead(status, { 'Content-Type': 'text/html' });
        res.end('<html><body>Upstream error</body></html>');
        return status;
      }
      case 'largeBody': {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': fault.bytes });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let left = fault.bytes;
        while (left > 0 && !res.destroyed) {
          const piece = chunk.subarray(0, Math.min(left, chunk.length));
          left -= piece.length;
          if (!res.write(piece)) await drainedOrClosed(res);
        }
        res.end();
        return 200;
      }
      case 'hang':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"access_token":');
        return 'hang';
    }
  }

  /**
   * Spotify's consent page, with a user who always agrees: straight back to the redirect URI with a fresh code
   * (bound to that URI, the scope and any PKCE challenge) and the state.
   */
  function authorize(query: URLSearchParams, res: ServerResponse): number {
    const redirectUri = query.get('redirect_uri') ?? '';
    if (query.get('client_id') !== clientId || redirectUri === '') {
      send(res, 400, JSON.stringify({ error: 'invalid_client', error_description: 'INVALID_CLIENT: Invalid client' }));
      return 400;
    }
    let target: URL;
    try {
      target = new URL(redirectUri);
    } catch {
      send(
        res,
        400,
        JSON.stringify({ error: 'invalid_request', error_description: 'INVALID_CLIENT: Invalid redirect URI' }),
      );
      return 400;
    }
    if (query.get('response_type') === 'code') {
      const challenge = query.get('code_challenge');
      const method = query.get('code_challenge_method') === 'plain' ? 'plain' : 'S256';
      target.searchParams.set(
        'code',
        issueCode({
          redirectUri,
          scope: query.get('scope') ?? DEFAULT_SCOPE,
          ...(challenge === null ? {} : { codeChallenge: challenge, codeChallengeMethod: method }),
        }),
      );
    } else {
      target.searchParams.set('error', 'unsupported_response_type');
    }
    const state = query.get('state');
    if (state !== null) target.searchParams.set('state', state);
    res.writeHead(302, { Location: target.href, 'Content-Length': 0 }).end();
    return 302;
  }

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
    if (path === '/authorize' && req.method === 'GET') {
      request.answer = authorize(searchParams, res);
      return;
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
    const fault = nextFault();
    if (fault !== undefined) {
      const answer = await serveFault(fault, res);
      if (answer !== undefined) {
        request.answer = answer;
        return;
      }
    }
    const { status, body } = tokenEndpoint(req, form);
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
    issueCode,
    issueRefreshToken: (tokenOptions = {}) => {
      rejectUnknownKeys('issueRefreshToken', tokenOptions, ['scope']);
      return issueRefreshToken(tokenOptions.scope ?? DEFAULT_SCOPE);
    },
    revoke(refreshToken) {
      const record = refreshTokens.get(refreshToken);
      if (record !== undefined) record.revoked = true;
    },
    fail(fault, faultOptions = {}) {
      checkFault(fault);
      rejectUnknownKeys('fail', faultOptions, ['times', 'probability']);
      const { times = 1, probability = 1 } = faultOptions;
      if (!(times > 0)) throw new RangeError('fail(): times must be a positive number or Infinity');
      if (!(probability > 0 && probability <= 1))
        throw new RangeError('fail(): probability must be above 0 and at most 1');
      faults.push({ fault, left: times, probability });
    },
    clearFaults() {
      faults.length = 0;
    },
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
