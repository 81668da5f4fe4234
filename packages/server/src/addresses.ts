// The variables that name addresses: TRUST_PROXY (refusing what would let a client choose its own), the Web API's and
// the public URL, CORS origins and REDIS_URL.
import express from 'express';
import { originFix } from 'spotify-token-swap/internal';
import { serviceUrlProblem } from 'spotify-token-swap/internal';
import { ConfigError, list, parseUrl, text, type Env } from './env.js';

export function trustProxy(env: Env): number | string | undefined {
  const value = text(env, 'TRUST_PROXY');
  if (value === undefined || value === 'false') return undefined;
  if (value === 'true') {
    // Express would then take the client's own X-Forwarded-For as its address: anyone could pick a fresh one for
    // every request, and the rate limit would count nobody.
    throw new ConfigError(
      'TRUST_PROXY=true would believe any client that claims an address, which turns the rate limit off: set the ' +
        'number of proxies in front of this server (TRUST_PROXY=1) or their addresses (TRUST_PROXY=loopback,10.0.0.0/8)',
    );
  }
  if (/^\d+$/.test(value)) {
    // Each hop trusted is one more X-Forwarded-For entry a client can write itself: past a few, the limit counts
    // whatever address a client claims, as with true.
    if (Number(value) > MAX_PROXY_HOPS) {
      throw new ConfigError(
        `TRUST_PROXY=${value} trusts more proxies than any deployment has, which lets a client pick its own address ` +
          `and turns the rate limit off: set the number of proxies in front of this server, at most ${MAX_PROXY_HOPS}`,
      );
    }
    return Number(value);
  }
  // Express's list of addresses, subnets and names (loopback, linklocal, uniquelocal), checked as Express will; a name
  // is then judged as the subnets it stands for.
  try {
    express().set('trust proxy', value);
  } catch {
    throw new ConfigError(
      'TRUST_PROXY must be a number of proxies, or a comma-separated list of their addresses, subnets ' +
        '(10.0.0.0/8) or the name loopback',
    );
  }
  for (const entry of value.split(',').map((item) => item.trim())) {
    const named = NAMED_RANGES[entry];
    const wide = (named ?? [entry]).find(tooWide);
    if (wide === undefined) continue;
    const standsFor = named === undefined ? '' : ` (${entry} stands for ${named.join(', ')})`;
    throw new ConfigError(
      `TRUST_PROXY: ${wide} is wider than a /8 (IPv4) or a /32 (IPv6)${standsFor}: it would trust clients as ` +
        "proxies, and a client could pick its own address past the rate limit. List the proxies' own addresses or " +
        'subnets',
    );
  }
  return value;
}

/** The names Express takes in `trust proxy`, and the subnets each stands for: judged as those subnets are. */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Hops of TRUST_PROXY beyond which a count is a mistake (a CDN, a load balancer and an ingress make three). */
const MAX_PROXY_HOPS = 3;

/** The prefix length of a subnet's mask, written as a length (/8) or as an IPv4 mask (/255.0.0.0). */
function prefixLength(mask: string): number {
  if (/^\d+$/.test(mask)) return Number(mask);
  return mask.split('.').reduce((bits, octet) => bits + (Number(octet).toString(2).match(/1/g)?.length ?? 0), 0);
}

/**
 * Whether a TRUST_PROXY subnet covers more than a /8 of IPv4 or a /32 of IPv6. An IPv4-mapped IPv6 subnet
 * (::ffff:0:0/96) covers IPv4 clients, so it is held to the IPv4 bound.
 */
function tooWide(entry: string): boolean {
  const slash = entry.indexOf('/');
  if (slash < 0) return false;
  const address = entry.slice(0, slash).toLowerCase();
  const bits = prefixLength(entry.slice(slash + 1));
  if (!address.includes(':')) return bits < 8;
  if (/^(0{0,4}:){0,5}:?ffff:/.test(address) || address.startsWith('::ffff:')) return bits - 96 < 8;
  return bits < 32;
}

/** SPOTIFY_API_URL: users' access tokens travel there, so https://, or http:// to a mock on this machine. */
export function apiUrl(env: Env): string | undefined {
  const value = text(env, 'SPOTIFY_API_URL');
  if (value === undefined) return undefined;
  const url = parseUrl(value);
  if (url === undefined || serviceUrlProblem(url) !== undefined) {
    throw new ConfigError(
      'SPOTIFY_API_URL must be an https:// URL with no query or credentials, such as https://api.spotify.com ' +
        '(http:// only for a mock on this machine)',
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** Each origin as a browser sends it: scheme, host and port, with no path or trailing slash; `*` for any. */
export function corsOrigins(env: Env): string[] | undefined {
  const origins = list(env, 'CORS_ORIGINS');
  if (origins === undefined) return undefined;
  for (const origin of origins) {
    const fix = origin === '*' ? undefined : originFix(origin);
    if (fix !== undefined)
      throw new ConfigError(`CORS_ORIGINS: "${origin}" is not an origin as browsers send it: ${fix}`);
  }
  return origins;
}

/** An http(s) URL with no query or fragment: the check page's redirect URI is built on it, so it must be exact. */
export function publicUrl(env: Env): string | undefined {
  const value = text(env, 'PUBLIC_URL');
  if (value === undefined) return undefined;
  const url = parseUrl(value);
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.search !== '' || url.hash !== '') {
    throw new ConfigError(
      'PUBLIC_URL must be the http(s) address browsers and apps reach this server at, with no query: https://swap.example.com',
    );
  }
  if (url.hostname === 'localhost') {
    throw new ConfigError(
      'PUBLIC_URL: use 127.0.0.1 (or [::1]) rather than localhost: the check page builds its redirect URI on it, and ' +
        'Spotify takes a loopback redirect URI only as an IP address',
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** A redis:// or rediss:// URL that parses; the message never quotes it, since it may hold a password. */
export function redisUrl(env: Env): string | undefined {
  const value = text(env, 'REDIS_URL');
  if (value === undefined) return undefined;
  const url = parseUrl(value);
  if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL: redis://[:password@]host[:port][/db]');
  }
  return value;
}
