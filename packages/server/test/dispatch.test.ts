// How the standalone server finds a request's route without an Express app: paths matched as Express matched them,
// and each client counted by its address as Express's `req.ip` would have it, TRUST_PROXY included.
import { request } from 'node:http';
import { logEvents, serversStoppedAfterEach, type CheckServer } from './helpers/check.js';

const start = serversStoppedAfterEach();

/** A raw request, so that the target is sent exactly as written (fetch would normalise it). */
function send(server: CheckServer, method: string, target: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: target }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const invalidRequest = expect.stringContaining('"error":"invalid_request"');
const notFound = JSON.stringify({ error: 'not_found', error_description: 'No such route' });

describe('routes', () => {
  it.each([
    ['POST', '/swap', 400, invalidRequest],
    ['POST', '/Swap/', 400, invalidRequest],
    ['POST', '/refresh?debug=1', 400, invalidRequest],
    ['POST', 'http://anything.example/swap', 400, invalidRequest],
    ['GET', '/nothing-here', 404, notFound],
    ['POST', '/healthz', 404, notFound],
    ['POST', '/swapped', 404, notFound],
    ['GET', '/checkout', 404, notFound],
    ['GET', 'http://[::1', 404, notFound],
  ])('%s %s is answered %s: its token route, or the JSON 404', async (method, target, status, body) => {
    const server = await start();
    expect(await send(server, method, target)).toEqual({ status, body });
  });

  // Issue 28: the Deploy section sent apps to <host>/spotify/swap, where this server answered a bare 404.
  it.each([
    ['/spotify/swap', 'POST /swap'],
    ['/api/spotify/Refresh/', 'POST /refresh'],
  ])('answers %s with a 404 that says where the route is', async (target, route) => {
    const server = await start();
    const answer = await send(server, 'POST', target);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({
      error: 'not_found',
      error_description: `No such route: this server's routes are at its root: ${route}`,
    });
  });

  it('serves /client-token only with CLIENT_TOKEN=1, and points there from under a prefix only then', async () => {
    const without = await start();
    expect(JSON.parse((await send(without, 'POST', '/spotify/client-token')).body)).toEqual(JSON.parse(notFound));
    const serving = await start({ CLIENT_TOKEN: '1' });
    expect((await send(serving, 'GET', '/client-token')).status).toBe(405);
    expect(JSON.parse((await send(serving, 'POST', '/spotify/client-token')).body).error_description).toBe(
      "No such route: this server's routes are at its root: POST /client-token",
    );
  });

  it('answers HEAD /healthz as GET, without a body', async () => {
    const server = await start();
    expect(await send(server, 'HEAD', '/healthz/')).toEqual({ status: 200, body: '' });
  });

  it('hands /check and everything under it to the check page, and nothing else', async () => {
    const server = await start();
    expect((await send(server, 'GET', '/CHECK/')).status).toBe(200);
    expect((await send(server, 'GET', '/check/check.js')).status).toBe(200);
    expect(await send(server, 'GET', '/check/nothing')).toEqual({ status: 404, body: notFound });
  });
});

describe('who a client is', () => {
  const from = (server: CheckServer, forwardedFor: string) =>
    fetch(`${server.url}/swap`, { method: 'POST', headers: { 'x-forwarded-for': forwardedFor } }).then(
      (res) => res.status,
    );

  it('is the address the trusted hops saw: a client cannot buy a fresh limit by writing to X-Forwarded-For', async () => {
    const server = await start({ RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: '1' });
    expect(await from(server, '203.0.113.1')).toBe(400);
    expect(await from(server, '203.0.113.2')).toBe(400);
    // One proxy appends the address it saw; whatever stands before it was written by the client.
    expect(await from(server, '198.51.100.9, 203.0.113.1')).toBe(429);
  });

  it("is the socket's address without TRUST_PROXY, whatever X-Forwarded-For says", async () => {
    const server = await start({ RATE_LIMIT_PER_MINUTE: '1' });
    expect(await from(server, '203.0.113.1')).toBe(400);
    expect(await from(server, '203.0.113.2')).toBe(429);
  });

  // Issue 26: each spelling was a client of its own, so a proxy that adds ports gave every connection a fresh limit.
  it.each([
    ['a port the proxy added', '203.0.113.1:5555', '203.0.113.1:6666'],
    ['leading zeros', '001.002.003.004', '1.2.3.4'],
    ['IPv4-mapped IPv6', '::ffff:198.51.100.7', '198.51.100.7'],
    ['IPv6 in brackets with a port, and spelled out', '[2001:db8::1]:443', '2001:0db8:0:0:0:0:0:1'],
  ])('behind TRUST_PROXY, counts one address once, whatever its spelling: %s', async (_name, first, second) => {
    const server = await start({ RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: '1' });
    expect(await from(server, first)).toBe(400);
    expect(await from(server, second)).toBe(429);
  });

  it('counts every address that is no IP under one shared limit, and says so once', async () => {
    const server = await start({ RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: '1' });
    expect(await from(server, 'unknown')).toBe(400);
    expect(await from(server, 'forged-spelling-1')).toBe(429);
    expect(await from(server, 'forged-spelling-2')).toBe(429);
    // A client with a real address is not in that one.
    expect(await from(server, '203.0.113.9')).toBe(400);
    const warnings = logEvents(server).filter((line) => line.reason === 'address_unreadable');
    expect(warnings).toEqual([expect.objectContaining({ level: 40, event: 'rate_limit' })]);
    expect(JSON.stringify(logEvents(server))).not.toContain('forged-spelling');
  });
});
