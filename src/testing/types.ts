// The mock Spotify's public types: its options, the faults it can serve, and what it hands back.
import type { IncomingMessage } from 'node:http';

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
  /**
   * The redirect URIs registered for the app, as in Spotify's dashboard: `/authorize` refuses any other, as Spotify
   * does, before any consent. Default: any redirect URI.
   */
  redirectUris?: readonly string[];
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
  /** The Spotify user id `/v1/me` gives for the tokens this code brings. Default `'mock-listener'`. */
  user?: string;
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
  issueRefreshToken(options?: { scope?: string; user?: string }): string;
  /** Revokes a refresh token: refreshing with it now fails with `invalid_grant`. */
  revoke(refreshToken: string): void;
  /** Queues a fault for the next request(s) to the token endpoint, or, with `probability`, for a share of them. */
  fail(fault: MockFault, options?: FaultOptions): void;
  clearFaults(): void;
  /** Stops the server, dropping open connections. */
  close(): Promise<void>;
}
