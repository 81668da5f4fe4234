// Reading a Request's or a Response's body stream as UTF-8, stopping the moment it passes a cap.

/** The whole stream as UTF-8 text, or undefined (and the rest cancelled) once it passes `limit` bytes. */
export async function readCapped(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<string | undefined> {
  if (stream === null) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
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
