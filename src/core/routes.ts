// Every route a door serves: POST /swap and POST /refresh, and SpotifyAPI-NET 5.x's with `legacyExchange`.
import { legacyRoutes } from './handlers/legacy.js';
import { refreshHandler } from './handlers/refresh.js';
import { swapHandler } from './handlers/swap.js';
import type { TokenSwapConfig } from './options.js';
import { postRoute, type Route } from './route.js';
import type { SpotifyClient } from './spotify.js';

export function tokenRoutes(config: TokenSwapConfig, spotify: SpotifyClient): Route[] {
  const swap = swapHandler(config, spotify);
  const refresh = refreshHandler(config, spotify);
  return [
    postRoute('/swap', 'swap', swap),
    postRoute('/refresh', 'refresh', refresh),
    ...legacyRoutes(config, swap, refresh),
  ];
}

/** The routes grouped by path, in the order they were given. */
export function byPath(routes: readonly Route[]): Map<string, Route[]> {
  const paths = new Map<string, Route[]>();
  for (const route of routes) paths.set(route.path, [...(paths.get(route.path) ?? []), route]);
  return paths;
}

/**
 * A request's path as every door matches it, the way Express matches a mounted router's routes: case-insensitive,
 * with one trailing slash ignored. A client that reaches one door reaches them all.
 */
export function matchingPath(pathname: string): string {
  const lower = pathname.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}
