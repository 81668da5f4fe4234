// Who a request comes from, for the rate limit: the socket's address, or with TRUST_PROXY, the nearest address in
// X-Forwarded-For that no trusted proxy wrote (proxy-addr, the library Express asks), in one spelling per address.
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import proxyAddr from 'proxy-addr';

/** `[v6]`, `[v6]:port`: the address inside the brackets. */
const BRACKETED = /^\[([^\]]+)\](?::\d*)?$/;
/** `a.b.c.d:port` (one colon, so never an IPv6 address). */
const WITH_PORT = /^([^:]+):\d*$/;
/** An IPv4 address in any spelling a URL parser reads as one (leading zeros, hex, fewer parts). */
const IPV4_SPELLING = /^[\dA-Fa-fXx.]+$/;
/** An IPv4-mapped IPv6 address as a URL parser writes it: `::ffff:102:304`. */
const MAPPED = /^::ffff:([\da-f]{1,4}):([\da-f]{1,4})$/;

function mappedIPv4(high: string, low: string): string {
  const a = parseInt(high, 16);
  const b = parseInt(low, 16);
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

/**
 * The one spelling of an address as a client, or undefined when it is no IP address: a port dropped (`1.2.3.4:5555`,
 * `[::1]:80`), an IPv4 address written as URL parsers (and the proxy-addr checks) read it (`001.002.003.004` is
 * 1.2.3.4), IPv6 compressed and in lower case (RFC 5952), and an IPv4-mapped IPv6 address as its IPv4 address.
 */
export function canonicalAddress(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // What nearly every request has: an IPv4 address, bare or as a dual-stack socket gives it (`::ffff:1.2.3.4`).
  if (isIPv4(raw)) return raw;
  if (raw.startsWith('::ffff:') && isIPv4(raw.slice(7))) return raw.slice(7);
  let text = raw.trim();
  text = BRACKETED.exec(text)?.[1] ?? WITH_PORT.exec(text)?.[1] ?? text;
  // A zone (fe80::1%eth0) names an interface of the proxy's, not a client.
  text = text.replace(/%.*$/, '');
  try {
    if (isIPv6(text)) {
      const compressed = new URL(`http://[${text}]`).hostname.slice(1, -1);
      const mapped = MAPPED.exec(compressed);
      return mapped === null ? compressed : mappedIPv4(mapped[1]!, mapped[2]!);
    }
    if (!IPV4_SPELLING.test(text)) return undefined;
    const host = new URL(`http://${text}`).hostname;
    return isIPv4(host) ? host : undefined;
  } catch {
    return undefined;
  }
}

/** The networks a host's proxy connects from: private, shared (carrier-grade NAT), link-local and loopback. */
const PRIVATE_IPV4 =
  /^(10\.|127\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/;
const PRIVATE_IPV6 = /^(::1$|f[cd][\da-f]{0,2}:|fe[89ab][\da-f]?:)/;

/** Whether an address is on a private network, where a host's proxy is: a client on the internet never is. */
export function fromPrivateNetwork(raw: string | undefined): boolean {
  const address = canonicalAddress(raw);
  if (address === undefined) return false;
  return isIPv4(address) ? PRIVATE_IPV4.test(address) : PRIVATE_IPV6.test(address);
}

/**
 * How the server reads a request's client address, by TRUST_PROXY as Express reads its `trust proxy` setting: a hop
 * count, or a comma-separated list of addresses, subnets and names. Undefined when the address is no IP address.
 */
export function clientAddress(trustProxy: number | string | undefined): (req: IncomingMessage) => string | undefined {
  if (trustProxy === undefined) return (req) => canonicalAddress(req.socket.remoteAddress);
  const trust =
    typeof trustProxy === 'number'
      ? (_address: string, hop: number) => hop < trustProxy
      : proxyAddr.compile(trustProxy.split(',').map((entry) => entry.trim()));
  return (req) => canonicalAddress(proxyAddr(req, trust));
}
