// How many requests the server works on at once: a few per connection, so that one socket writing pipelined requests
// without reading answers cannot start thousands of calls to Spotify, and a bound over all, past which requests are
// answered 503 at once instead of piling up in memory.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from 'spotify-token-swap/internal';
import { sendJson } from 'spotify-token-swap/internal';
import { MAX_CONNECTIONS as SPOTIFY_CONNECTIONS } from 'spotify-token-swap/internal';

/** Requests of one connection worked on at once; later ones wait, unread, their socket paused. */
export const PER_CONNECTION = 8;
/** The default bound over all connections: four requests for each connection the router keeps to Spotify. */
export const DEFAULT_MAX_IN_FLIGHT = 4 * SPOTIFY_CONNECTIONS;
const RETRY_AFTER_SECONDS = 1;
const BUSY = errorBody('temporarily_unavailable', 'The server is busy: retry later');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Connection {
  active: number;
  waiting: [IncomingMessage, ServerResponse][];
  /** Whether this module paused the socket (Node may pause it too, for its own reasons, and resumes it itself). */
  paused: boolean;
}

/**
 * Wraps `handler` so that each connection has at most PER_CONNECTION requests in the works (the rest wait, in order,
 * with the socket paused) and the server at most `maxInFlight`, past which a request is answered
 * `503 temporarily_unavailable` with a Retry-After. `exempt` requests (the health check) are never held back.
 */
export function admission(handler: Handler, maxInFlight: number, exempt: (req: IncomingMessage) => boolean): Handler {
  const connections = new WeakMap<Socket, Connection>();
  let inFlight = 0;

  /** One listener for every response: nothing is built per request to learn that it is done. */
  function finished(this: ServerResponse): void {
    inFlight -= 1;
    const socket = this.req.socket;
    const connection = connections.get(socket);
    if (connection === undefined) return;
    connection.active -= 1;
    const next = connection.waiting.shift();
    if (next !== undefined) return start(connection, ...next);
    if (connection.paused) {
      connection.paused = false;
      socket.resume();
    }
  }

  function start(connection: Connection, req: IncomingMessage, res: ServerResponse): void {
    connection.active += 1;
    inFlight += 1;
    // A response closes once: `on` spares the wrapper `once` would make for every request.
    res.on('close', finished);
    if (inFlight > maxInFlight) return sendJson(res, 503, BUSY, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    handler(req, res);
  }

  return (req, res) => {
    if (exempt(req)) return handler(req, res);
    const socket = req.socket;
    let connection = connections.get(socket);
    if (connection === undefined) {
      connection = { active: 0, waiting: [], paused: false };
      connections.set(socket, connection);
      const dropped = connection;
      // Requests still waiting when their connection closes were never started: nothing to answer or count.
      socket.once('close', () => (dropped.waiting.length = 0));
    }
    if (connection.active < PER_CONNECTION) return start(connection, req, res);
    connection.waiting.push([req, res]);
    connection.paused = true;
    socket.pause();
  };
}
