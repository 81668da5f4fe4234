// spotify-token-swap/lambda: what the adapter itself must carry across (base64 bodies, cookies, joined headers, the
// query string, Set-Cookie, binary). test/doors/lambda.test.ts runs the shared cases through Function URL events.
import { lambdaHandler } from '../../src/lambda/index.js';

describe('lambdaHandler', () => {
  /** A handler that answers with what it received. */
  const echo = lambdaHandler(async (request) => {
    const body = new Uint8Array(await request.arrayBuffer());
    return Response.json({
      url: request.url,
      method: request.method,
      cookie: request.headers.get('cookie'),
      accept: request.headers.get('accept'),
      body: [...body],
    });
  });

  it('hands the handler the URL, method, joined headers, cookies and the decoded base64 body', async () => {
    const result = await echo({
      rawPath: '/spotify/swap',
      rawQueryString: 'a=1&b=2',
      headers: { accept: 'application/json, text/plain', 'content-type': 'application/octet-stream' },
      cookies: ['one=1', 'two=2'],
      body: Buffer.from([0, 255, 10]).toString('base64'),
      isBase64Encoded: true,
      requestContext: { domainName: 'fn.example', http: { method: 'POST' } },
    });
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(false);
    expect(JSON.parse(result.body)).toEqual({
      url: 'https://fn.example/spotify/swap?a=1&b=2',
      method: 'POST',
      cookie: 'one=1; two=2',
      accept: 'application/json, text/plain',
      body: [0, 255, 10],
    });
  });

  it('ignores a body on GET, and names no host of the client’s when the context has none', async () => {
    const result = await echo({
      rawPath: '/x',
      headers: { host: 'api.example' },
      body: 'ignored',
      requestContext: { http: { method: 'GET' } },
    });
    expect(JSON.parse(result.body)).toMatchObject({ url: 'https://lambda.invalid/x', body: [] });
  });

  it('answers with the status, the headers, Set-Cookie as cookies, and a binary body in base64', async () => {
    const handler = lambdaHandler(() => {
      const headers = new Headers({ 'content-type': 'image/png', 'x-one': 'a' });
      headers.append('x-one', 'b');
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2; Path=/');
      return Promise.resolve(new Response(new Uint8Array([137, 80, 78, 71]), { status: 201, headers }));
    });
    const result = await handler({ rawPath: '/', requestContext: { http: { method: 'GET' } } });
    expect(result).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'image/png', 'x-one': 'a, b' },
      cookies: ['a=1; Path=/', 'b=2; Path=/'],
      body: Buffer.from([137, 80, 78, 71]).toString('base64'),
      isBase64Encoded: true,
    });
  });

  it('refuses anything but a handler at construction', () => {
    expect(() => lambdaHandler({} as never)).toThrow(/lambdaHandler\(handler\) needs a Fetch handler/);
  });
});

describe('an event the adapter cannot read', () => {
  const handler = lambdaHandler(() => Promise.resolve(new Response('reached the handler')));
  const event = (change: Record<string, unknown>) =>
    ({ rawPath: '/swap', requestContext: { domainName: 'fn.example', http: { method: 'POST' } }, ...change }) as never;

  const context = (method: string) => ({ requestContext: { domainName: 'fn.example', http: { method } } });

  it.each([
    ['an event without requestContext.http', { requestContext: { domainName: 'fn.example' } }],
    ['a body marked base64 that is not', { body: '%%%', isBase64Encoded: true }],
    ['a header value no Request takes', { headers: { 'x-name': 'caf\u00e9\u2603-secret-header-value' } }],
    ['a header value with CR/LF', { headers: { 'x-name': 'a\r\nx-injected: secret-header-value' } }],
    ['TRACE', context('TRACE')],
    ['CONNECT', context('CONNECT')],
    ['cookies that are not an array', { cookies: 'session=secret-header-value' }],
    ['a raw path that is no path', { rawPath: '@elsewhere.example/swap' }],
    ['no requestContext at all', { requestContext: undefined }],
  ])('answers %s with the documented JSON 400, never a rejection, quoting nothing of it', async (_name, change) => {
    const result = await handler(event(change));
    expect(result.statusCode).toBe(400);
    expect(result.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(result.body)).toEqual({
      error: 'invalid_request',
      error_description: expect.stringContaining('payload format 2.0'),
    });
    expect(result.body).not.toMatch(/secret-header-value|elsewhere/);
  });

  it('names payload format 1.0 when that is what came: a REST API', async () => {
    const restApi = { httpMethod: 'POST', path: '/swap', headers: {}, requestContext: { domainName: 'fn.example' } };
    const result = await handler(restApi as never);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error_description).toMatch(/payload format 1\.0 .*set the payload format version/);
  });

  it('never rejects, whatever the event: a null, a string, a number', async () => {
    for (const value of [null, undefined, 'event', 42, []]) {
      expect((await handler(value as never)).statusCode).toBe(400);
    }
  });

  it('takes the host from requestContext.domainName only: a Host header is the client’s to write', async () => {
    const echo = lambdaHandler((request) => Promise.resolve(new Response(request.url)));
    const result = await echo(event({ rawPath: '/nothing', headers: { host: 'h/swap?' } }));
    expect(result.body).toBe('https://fn.example/nothing');
    const strange = await echo(
      event({ rawPath: '/nothing', requestContext: { domainName: 'h/swap?', http: { method: 'GET' } } }),
    );
    expect(strange.body).toBe('https://lambda.invalid/nothing');
  });
});
