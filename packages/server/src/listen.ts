// Making the server and listening: its timeouts and connection cap, where it listens (loopback unless it must not
// be), and why it could not, in terms of the variable to change.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerConfig } from './config.js';
import { errorCode } from 'spotify-token-swap/internal';
import { ConfigError } from './env.js';

const CHECK_TIMEOUTS_EVERY_MS = 500;

/** Why the server could not listen, in terms of the variable to change; anything unforeseen is passed on. */
function listenError(error: unknown, port: number, host: string | undefined): unknown {
  const where = host === undefined ? 'on every interface' : `on ${host}`;
  switch (errorCode(error)) {
    case 'EADDRINUSE':
      return new ConfigError(
        `PORT: ${port} is already in use ${where}: stop what holds it, or set PORT to a free port`,
      );
    case 'EACCES':
      return new ConfigError(`PORT: ${port} needs privileges this process does not have: use a port above 1023`);
    case 'EADDRNOTAVAIL':
      return new ConfigError(`HOST: ${host} is not an address of this machine`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new ConfigError(`HOST: ${host} does not resolve to an address`);
    default:
      return error;
  }
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  // Every interface includes loopback. 127.0.0.1 rather than localhost: Spotify takes loopback redirect URIs only as
  // IP literals.
  return `http://${host === '[::]' || host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
}

/** The server, made with its timeouts and connection cap, and listening. */
export async function listen(
  config: ServerConfig,
): Promise<{ server: Server; url: string; address: string; everyInterface: boolean }> {
  const server = createServer({
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Node looks for connections past their timeouts every 30 s by default, which would let a 5 s limit hold
    // for 35 s.
    connectionsCheckingInterval: CHECK_TIMEOUTS_EVERY_MS,
  });
  server.maxConnections = config.maxConnections;
  // A demo holds a throwaway mock Spotify, and a check page with no PUBLIC_URL is reached from this machine's
  // browser: keep either on this machine unless HOST says otherwise.
  const local = config.mode === 'demo' || (config.loginCheck && config.publicUrl === undefined);
  const host = config.host ?? (local ? '127.0.0.1' : undefined);
  server.listen(config.port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    throw listenError(error, config.port, host);
  }
  const address = server.address() as AddressInfo;
  return {
    server,
    url: urlOf(address),
    address: address.address,
    everyInterface: address.address === '0.0.0.0' || address.address === '::',
  };
}
