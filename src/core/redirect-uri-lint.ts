// What Spotify will refuse in a redirect URI, or what is easily got wrong, said before the first login trips on it.

const LOOPBACK = new Set(['127.0.0.1', '[::1]']);

/**
 * The problems of a redirect URI Spotify compares byte for byte with the one registered: each a sentence saying what
 * to check. Empty when there is nothing to say.
 */
export function redirectUriProblems(uri: string): string[] {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return ['is not an absolute URL'];
  }
  const problems: string[] = [];
  if (uri.endsWith('/')) {
    problems.push(
      'ends with a slash: Spotify compares redirect URIs byte for byte, so the app and the dashboard must have it too',
    );
  }
  if (url.hostname === 'localhost') {
    problems.push('names localhost: Spotify takes a loopback redirect URI only as 127.0.0.1 or [::1]');
  } else if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    problems.push('is plain http:// on a host that is not loopback: Spotify takes only https:// there');
  }
  if (uri.includes('#')) problems.push('has a fragment (#): a redirect URI cannot carry one');
  return problems;
}
