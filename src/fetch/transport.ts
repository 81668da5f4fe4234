// The transport to Spotify over fetch: the answer read as it streams and cut off past the cap. fetch cannot tell
// whether a failed request left this machine, so no failure here counts as never sent, and a swap is never retried.
import { MAX_BODY_BYTES, type Transport } from '../core/spotify.js';
import { declaresMoreThan, readCapped } from './read-capped.js';

export function fetchTransport(tokenUrl: string, fetchImpl: typeof fetch): Transport {
  return async (form, headers, signal) => {
    try {
      const response = await fetchImpl(tokenUrl, {
        method: 'POST',
        headers,
        body: new URLSearchParams(form).toString(),
        signal,
        redirect: 'manual',
      });
      if (declaresMoreThan(response.headers, MAX_BODY_BYTES)) {
        await response.body?.cancel();
        return { kind: 'oversized' };
      }
      const body = await readCapped(response.body, MAX_BODY_BYTES);
      if (body === undefined) return { kind: 'oversized' };
      return { kind: 'answer', status: response.status, retryAfter: response.headers.get('retry-after'), body };
    } catch {
      if (signal.aborted) return { kind: 'timeout' };
      return { kind: 'unreachable', neverSent: false };
    }
  };
}
