// The one rule by which every door finds a request's route: the path of its target, and its query.

/** What the path of nearly every request looks like: nothing in it for a URL parser to resolve. */
const PLAIN_PATH = /^\/[\w\-/]*$/;
/** The scheme and authority of an absolute-form target: `http://host:port`. */
const AUTHORITY = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i;

/** Where a target's path ends: at its query or fragment. */
function pathEnd(target: string, from: number): number {
  for (let i = from; i < target.length; i++) {
    const char = target.charCodeAt(i);
    if (char === 0x3f || char === 0x23) return i;
  }
  return target.length;
}

/** Where a target's path starts: 0 for a path, past the authority for an absolute URL, -1 for neither (`*`). */
function pathStart(target: string): number {
  if (target.charCodeAt(0) === 0x2f) return 0;
  return AUTHORITY.exec(target)?.[0].length ?? -1;
}

/**
 * The path a request target names, as every door matches it, or undefined when it names none (`*`). Resolved as a
 * URL parser resolves it (dot segments and their percent-encoded forms, `\` as `/`), since Fetch runtimes hand over
 * URLs already resolved; then case-insensitive with one trailing slash ignored, as Express matches a router's
 * routes. A host that never saw the authority parse (Deno with `Host: a:99999`, say) gets its path all the same.
 */
export function pathOf(target: string): string | undefined {
  const start = pathStart(target);
  if (start === -1) return undefined;
  const end = pathEnd(target, start);
  let path = start === end ? '/' : target.slice(start, end);
  if (!PLAIN_PATH.test(path)) {
    try {
      path = new URL(`http://path.invalid${path}`).pathname;
    } catch {
      return undefined;
    }
  }
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/** The query of a request target, without its `?`. */
export function queryOf(target: string): URLSearchParams {
  const start = pathStart(target);
  const query = start === -1 ? -1 : target.indexOf('?', start);
  if (query === -1) return new URLSearchParams();
  const hash = target.indexOf('#', query);
  return new URLSearchParams(target.slice(query + 1, hash === -1 ? undefined : hash));
}
