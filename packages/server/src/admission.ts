// How much the server holds for one connection, and for all: a few requests worked on per connection, a bound on
// those it has parsed and not yet answered, no reading while its answers go unread, and a bound over all connections,
// past which requests are answered 503 at once instead of piling up in memory.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { MAX_CONNECTIONS as SPOTIFY_CONNECTIONS } from 'spotify-token-swap/internal';

/** Requests of one connection worked on at once; later ones wait, their socket paused. */
export const PER_CONNECTION = 8;
/**
 * Requests of one connection parsed and not yet answered. Node parses every request in a chunk it has read before
 * the socket can be paused (a 64 kB chunk holds a thousand small ones): a connection that sends more than this
 * without reading an answer is closed. No token client pipelines at all.
 */
export const MAX_HELD = 64;
/** The default bound over all connections: four requests for each connection the router keeps to Spotify. */
export const DEFAULT_MAX_IN_FLIGHT = 4 * SPOTIFY_CONNECTIONS;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface AdmissionOptions {
  maxInFlight: number;
  /** Requests never held back (the health check). */
  exempt: (req: IncomingMessage) => boolean;
  /** Answers a request past `maxInFlight`. */
  busy: Handler;
  /** Told of a connection closed for holding more than MAX_HELD requests. */
  flooded: (socket: Socket) => void;
}

interface Connection {
  active: number;
  waiting: [IncomingMessage, ServerResponse][];
  /** Whether this module paused the socket, and must resume it. */
  paused: boolean;
  /** Whether a 'drain' listener waits to go on. */
  draining: boolean;
}

/** Whether the connection's answers are going out: past the socket's high-water mark, its client is not reading. */
const reading = (socket: Socket) => socket.writableLength < socket.writableHighWaterMark;

/**
 * Wraps `handler` so that each connection has at most PER_CONNECTION requests in the works (the rest wait, in order,
 * with the socket paused), at most MAX_HELD parsed and unanswered (past it the connection is closed), and is read
 * again only once its answers have gone out; and the server at most `maxInFlight`, past which `busy` answers.
 */
export function admission(handler: Handler, options: AdmissionOptions): Handler {
  const { maxInFlight, exempt, busy, flooded } = options;
  const connections = new WeakMap<Socket, Connection>();
  let inFlight = 0;

  /** Starts what waits, or reads on: the next request comes from the socket once its answers have left. */
  function proceed(socket: Socket, connection: Connection): void {
    const next = connection.waiting.shift();
    if (next !== undefined) return start(connection, ...next);
    if (!connection.paused || socket.destroyed) return;
    if (!reading(socket)) return goOnAfterDrain(socket, connection);
    connection.paused = false;
    socket.resume();
  }

  function goOnAfterDrain(socket: Socket, connection: Connection): void {
    if (connection.draining) return;
    connection.draining = true;
    socket.once('drain', () => {
      connection.draining = false;
      proceed(socket, connection);
    });
  }

  /** One listener for every response: nothing is built per request to learn that it is done. */
  function finished(this: ServerResponse): void {
    inFlight -= 1;
    const socket = this.req.socket;
    const connection = connections.get(socket);
    if (connection === undefined) return;
    connection.active -= 1;
    proceed(socket, connection);
  }

  function start(connection: Connection, req: IncomingMessage, res: ServerResponse): void {
    connection.active += 1;
    inFlight += 1;
    // A response closes once: `on` spares the wrapper `once` would make for every request.
    res.on('close', finished);
    if (inFlight > maxInFlight) return busy(req, res);
    handler(req, res);
  }

  function connectionOf(socket: Socket): Connection {
    let connection = connections.get(socket);
    if (connection === undefined) {
      connection = { active: 0, waiting: [], paused: false, draining: false };
      connections.set(socket, connection);
      const dropped = connection;
      // Requests still waiting when their connection closes were never started: nothing to answer or count.
      socket.once('close', () => (dropped.waiting.length = 0));
    }
    return connection;
  }

  return (req, res) => {
    if (exempt(req)) return handler(req, res);
    const socket = req.socket;
    // The rest of a chunk parsed after its connection was closed for flooding.
    if (socket.destroyed) return;
    const connection = connectionOf(socket);
    if (connection.active < PER_CONNECTION && connection.waiting.length === 0 && reading(socket)) {
      return start(connection, req, res);
    }
    if (connection.active + connection.waiting.length >= MAX_HELD) {
      connection.waiting.length = 0;
      socket.destroy();
      return flooded(socket);
    }
    connection.waiting.push([req, res]);
    if (!connection.paused) {
      connection.paused = true;
      socket.pause();
    }
    // Nothing in the works to start it when done: it starts once the answers already written have left.
    if (connection.active === 0) goOnAfterDrain(socket, connection);
  };
}
