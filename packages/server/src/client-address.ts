// Who a request comes from, as Express's `req.ip` would say, for a server that is not an Express app: the socket's
// address, or with TRUST_PROXY, the nearest address in X-Forwarded-For that no trusted proxy wrote (proxy-addr, the
// library Express asks).
import { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * The request class the server is made with: its requests know their client's address (`req.ip`), which
 * express-rate-limit counts by. TRUST_PROXY is read as Express reads its `trust proxy` setting: a hop
 * count, or a comma-separated list of addresses, subnets and names.
 */
export function clientRequestClass(trustProxy: number | string | undefined): typeof IncomingMessage {
  if (trustProxy === undefined) {
    return class extends IncomingMessage {
      get ip(): string | undefined {
        return this.socket.remoteAddress;
      }
    };
  }
  const trust =
    typeof trustProxy === 'number'
      ? (_address: string, hop: number) => hop < trustProxy
      : proxyAddr.compile(trustProxy.split(',').map((entry) => entry.trim()));
  return class extends IncomingMessage {
    get ip(): string {
      return proxyAddr(this, trust);
    }
  };
}
