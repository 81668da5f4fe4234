// Lambda's side of a Function URL, for tests: the event it builds from a request, and the response it makes of a result.
import type { LambdaHttpEvent, LambdaHttpResult } from '../../src/lambda/index.js';

/** A Function URL event as Lambda builds it: lower-case headers, cookies apart, a body that is not text in base64. */
export function functionUrlEvent(path: string, init: RequestInit = {}): LambdaHttpEvent {
  const headers = new Headers(init.headers);
  const [rawPath = '', rawQueryString = ''] = path.split('?');
  const body = init.body === undefined || init.body === null ? undefined : String(init.body as string);
  const text = /^(application\/(json|x-www-form-urlencoded)|text\/)/.test(headers.get('content-type') ?? '');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'abc123.lambda-url.eu-west-1.on.aws', ...Object.fromEntries(headers) },
    requestContext: {
      domainName: 'abc123.lambda-url.eu-west-1.on.aws',
      http: { method: init.method ?? 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9' },
    },
    ...(body !== undefined && {
      body: text ? body : Buffer.from(body).toString('base64'),
      isBase64Encoded: !text,
    }),
  } as LambdaHttpEvent;
}

/** The result as the Response a client of the Function URL would get. */
export function responseOf(result: LambdaHttpResult): Response {
  const headers = new Headers(result.headers);
  for (const cookie of result.cookies ?? []) headers.append('set-cookie', cookie);
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  return new Response([204, 304].includes(result.statusCode) ? null : body, { status: result.statusCode, headers });
}
