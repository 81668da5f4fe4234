// Sending a request to a door on loopback with its target exactly as written (fetch would resolve `..` and `\` first),
// and reading the answer as a Fetch API Response, as the shared cases read every door's.
import { request } from 'node:http';

/**
 * A body that is a ReadableStream is written chunk by chunk as it comes, under the Content-Length the headers give,
 * and the request is given up once the answer has come: a body that stalls can be answered before it ends.
 */
export function rawSend(baseUrl: string, target: string, init: RequestInit = {}): Promise<Response> {
  const { hostname, port } = new URL(baseUrl);
  const headers = Object.fromEntries(new Headers(init.headers));
  const stream = init.body instanceof ReadableStream ? (init.body as ReadableStream<Uint8Array>) : undefined;
  const body =
    init.body === undefined || init.body === null || stream !== undefined ? undefined : String(init.body as string);
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: init.method ?? 'GET', path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const one of Array.isArray(value) ? value : [value ?? '']) answer.append(name, one);
        }
        const status = res.statusCode ?? 0;
        const bytes = [204, 304].includes(status) ? null : Buffer.concat(chunks);
        resolve(new Response(bytes, { status, headers: answer }));
        if (stream !== undefined) req.destroy();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (stream === undefined) {
      req.end(body);
    } else {
      void (async () => {
        for await (const chunk of stream) req.write(chunk);
      })();
    }
  });
}
