// The router's transport to Spotify: one keep-alive undici Pool per router, and the errors that prove a request
// never left. Under Bun, whose undici is a stand-in that sends nothing, the router uses the fetch transport instead.
import { stringify } from 'node:querystring';
import { Pool, type Dispatcher } from 'undici';
import {
  MAX_BODY_BYTES,
  createSpotifyClient,
  type Attempt,
  type SpotifyClient,
  type Transport,
} from '../core/spotify.js';
import { fetchWebGet, type WebGet } from '../core/web-api.js';
import { errorCode } from '../core/values.js';
import { fetchTransport } from '../core/fetch-transport.js';

export type { UpstreamTrace } from '../core/spotify.js';

/**
 * At most this many connections to Spotify at once; further calls wait in the pool's queue, inside their deadline.
 * At Spotify's usual 100 ms or so per call, that carries over 1,000 calls a second.
 */
export const MAX_CONNECTIONS = 128;
/**
 * Errors that prove the request never left this machine, so that even a swap may be retried: no connection was
 * made (refused, the name did not resolve, the TCP or TLS handshake did not finish in time). Everything else that
 * goes wrong on a connection (a reset, a close, a parse error) may come after Spotify read the request.
 */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether a failed call provably never reached Spotify. */
export function neverSent(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && NEVER_SENT.has(code);
}

/** One request through `pool`, as an Attempt: the answer read whole, or what went wrong. */
async function attempt(pool: Pool, options: Dispatcher.RequestOptions & { signal: AbortSignal }): Promise<Attempt> {
  let sent = false;
  try {
    const response = await pool.request(options);
    sent = true;
    const text = await response.body.text();
    return { kind: 'answer', status: response.statusCode, retryAfter: response.headers['retry-after'], body: text };
  } catch (error) {
    if (options.signal.aborted) return { kind: 'timeout' };
    if (errorCode(error) === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return { kind: 'oversized' };
    return { kind: 'unreachable', neverSent: !sent && neverSent(error) };
  }
}

function keepAlivePool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    // Spotify's answer is read whole or not at all: past this, undici destroys the connection as it streams.
    maxResponseSize: MAX_BODY_BYTES,
    // The client's deadline covers every wait; these would only add timers of their own to each call.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}

function poolTransport(tokenUrl: string): Transport {
  const { origin, pathname } = new URL(tokenUrl);
  const pool = keepAlivePool(origin, MAX_CONNECTIONS);
  return (form, headers, signal) =>
    attempt(pool, { path: pathname, method: 'POST', headers, body: stringify(form), signal });
}

/**
 * The Web API on Node: a Pool of its own, made at the first call (only sessions call it, once per login or
 * deletion), with fewer connections than the token endpoint's.
 */
function poolWebGet(apiUrl: string): WebGet {
  const { origin, pathname } = new URL(apiUrl);
  const base = pathname.replace(/\/+$/, '');
  let pool: Pool | undefined;
  return (path, headers, signal) => {
    pool ??= keepAlivePool(origin, MAX_CONNECTIONS / 4);
    return attempt(pool, { path: base + path, method: 'GET', headers, signal });
  };
}

/** Bun ships an undici whose Pool sends nothing; its fetch is real. */
const undiciIsStandIn = typeof process !== 'undefined' && process.versions.bun !== undefined;

/** The transport to Spotify on Node: the undici Pool, or fetch where the Pool is a stand-in. */
export function nodeTransport(tokenUrl: string): Transport {
  return undiciIsStandIn ? fetchTransport(tokenUrl, fetch) : poolTransport(tokenUrl);
}

/** The router's Spotify client. */
export function createNodeSpotifyClient(options: {
  tokenUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}): SpotifyClient {
  const webGet = undiciIsStandIn ? fetchWebGet(options.apiUrl, fetch) : poolWebGet(options.apiUrl);
  return createSpotifyClient(options, nodeTransport(options.tokenUrl), webGet);
}
