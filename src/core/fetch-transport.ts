// The transport to Spotify over fetch, in every runtime that has it (and under Bun, on Node's door too): the answer
// read as it streams and cut off past the cap, as a Fetch door reads a request's body. fetch cannot tell whether a
// failed request left this machine, so no failure here counts as never sent, and a swap is never retried.
import { bodyTimedOut } from './fields.js';
import { MAX_BODY_BYTES, type Transport } from './spotify.js';

/**
 * The whole stream as UTF-8 text, or undefined (and the rest cancelled) once it passes `limit` bytes. With
 * `deadlineMs`, a stream still unfinished then is cancelled, and the read rejects with `bodyTimedOut()`.
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
  deadlineMs?: number,
): Promise<string | undefined> {
  if (stream === null) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let late = false;
  const timer =
    deadlineMs === undefined
      ? undefined
      : setTimeout(() => {
          late = true;
          reader.cancel().catch(() => {});
        }, deadlineMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (late) throw bodyTimedOut();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  if (chunks.length === 1) return new TextDecoder().decode(chunks[0]);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** Whether a Content-Length header declares more than `limit` bytes. */
export function declaresMoreThan(headers: Headers, limit: number): boolean {
  const declared = headers.get('content-length');
  return declared !== null && Number(declared) > limit;
}

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
