// What the router accepts as a request: content types, size, methods, and bodies a host app already parsed.
import { once } from 'node:events';
import { connect } from 'node:net';
import express from 'express';
import { startHarness, type Harness } from '../helpers/harness.js';

describe('request bodies and methods', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it.each([
    ['text/plain', 'code=abc'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="code"\r\n\r\nabc\r\n--x--'],
    ['application/xml', '<code>abc</code>'],
    ['__proto__', ''],
    ['constructor', 'code=abc'],
  ])('answers 415 unsupported_media_type to %s', async (type, body) => {
    const res = await h.http.post('/spotify/swap').set('Content-Type', type).send(body);
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ error: 'unsupported_media_type', error_description: expect.any(String) });
  });

  it('answers 415 to a body without a content type', async () => {
    const res = await h.http.post('/spotify/swap').set('Content-Type', '').send(Buffer.from('code=abc'));
    expect(res.status).toBe(415);
  });

  it('answers 415 to a compressed body', async () => {
    const res = await h.http.post('/spotify/swap').type('form').set('Content-Encoding', 'gzip').send('code=abc');
    expect(res.status).toBe(415);
  });

  it('takes a request with no body at all as one with no fields', async () => {
    const res = await h.http.post('/spotify/swap');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'code is required' });
  });

  it.each([
    ['form', 'application/x-www-form-urlencoded', `code=${'a'.repeat(17 * 1024)}`],
    ['JSON', 'application/json', JSON.stringify({ code: 'a'.repeat(17 * 1024) })],
  ])('answers 413 payload_too_large to a %s body over 16 kB', async (_name, type, body) => {
    const res = await h.http.post('/spotify/swap').set('Content-Type', type).send(body);
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'payload_too_large', error_description: expect.any(String) });
  });

  it('answers 415 to a charset other than UTF-8', async () => {
    const res = await h.http
      .post('/spotify/swap')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=iso-8859-1')
      .send('code=abc');
    expect(res.status).toBe(415);
    expect(res.body.error).toBe('unsupported_media_type');
  });

  it('accepts a body just under the limit', async () => {
    const res = await h.http
      .post('/spotify/swap')
      .type('form')
      .send(`code=${h.code()}&pad=${'a'.repeat(15 * 1024)}`);
    expect(res.status).toBe(200);
  });

  it.each([
    ['malformed JSON', '{"code": '],
    ['a JSON array', '["code"]'],
    ['a JSON string', '"code"'],
  ])('answers 400 invalid_request to %s', async (_name, body) => {
    const res = await h.http.post('/spotify/swap').set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('accepts a JSON content type with parameters and any case', async () => {
    const res = await h.http
      .post('/spotify/swap')
      .set('Content-Type', 'Application/JSON; charset=UTF-8')
      .send(JSON.stringify({ code: h.code() }));
    expect(res.status).toBe(200);
  });

  it('ignores fields it does not know', async () => {
    const res = await h.http
      .post('/spotify/swap')
      .type('form')
      .send({ code: h.code(), grant_type: 'whatever', extra: 'x' });
    expect(res.status).toBe(200);
    expect(Object.keys(h.spotify.requests.at(-1)?.form ?? {})).toEqual(['grant_type', 'code', 'redirect_uri']);
  });

  it.each(['get', 'put', 'delete', 'patch'] as const)('answers %s with 405 and Allow: POST', async (method) => {
    for (const path of ['/spotify/swap', '/spotify/refresh']) {
      const res = await h.http[method](path);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.body).toEqual({ error: 'method_not_allowed', error_description: expect.any(String) });
    }
  });

  /** Sends raw bytes and collects what comes back until the server closes the connection. */
  async function raw(head: string, body = ''): Promise<string> {
    const { port } = new URL(h.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.write(head + body);
    // Nothing more is sent: the answer must come without the rest of the body, and the server must hang up.
    await once(socket, 'close');
    return answer;
  }

  it('answers 413 at once to a declared length over the limit, reading none of it, and closes', async () => {
    const answer = await raw(
      'POST /spotify/swap HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 20000\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer).toContain('"error":"payload_too_large"');
  });

  it('answers 413 to a chunked body as soon as it passes the limit, and closes', async () => {
    const chunk = 'a'.repeat(17 * 1024);
    const answer = await raw(
      'POST /spotify/swap HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n',
      `${chunk.length.toString(16)}\r\ncode=${chunk}\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
  });

  it('keeps serving after a client that leaves halfway through its body', async () => {
    const { port } = new URL(h.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'POST /spotify/swap HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 100\r\n\r\ncode=abc',
    );
    socket.destroy();
    expect((await h.http.post('/spotify/swap').type('form').send({ code: h.code() })).status).toBe(200);
  });

  it('leaves other paths to the host app', async () => {
    const res = await h.http.post('/spotify/other');
    expect(res.status).toBe(404);
  });
});

describe('a host app that parsed bodies already', () => {
  it.each([
    ['express.json()', (app: express.Express) => app.use(express.json())],
    ['express.urlencoded()', (app: express.Express) => app.use(express.urlencoded({ extended: false }))],
    ['both, extended', (app: express.Express) => app.use(express.json(), express.urlencoded({ extended: true }))],
  ])('works behind %s for form and JSON', async (_name, before) => {
    const h = await startHarness({ before });
    try {
      expect((await h.http.post('/spotify/swap').type('form').send({ code: h.code() })).status).toBe(200);
      expect((await h.http.post('/spotify/swap').send({ code: h.code() })).status).toBe(200);
      const nested = await h.http.post('/spotify/swap').type('form').send('code[a]=b');
      expect(nested.status).toBe(400);
    } finally {
      await h.close();
    }
  });

  it('answers 500 server_error, not a hang, when the host read part of the body and left the rest', async () => {
    const h = await startHarness({
      before: (app) =>
        app.use((req, _res, next) =>
          req.once('data', () => {
            req.pause();
            next();
          }),
        ),
    });
    try {
      const res = await h.http.post('/spotify/swap').type('form').send({ code: h.code() });
      expect(res.status).toBe(500);
      expect(res.body.error).toBe('server_error');
    } finally {
      await h.close();
    }
  });

  it('still refuses a content type it does not take when the host parsed it as text', async () => {
    const h = await startHarness({ before: (app) => app.use(express.text()) });
    try {
      const res = await h.http.post('/spotify/swap').set('Content-Type', 'text/plain').send('code=abc');
      expect(res.status).toBe(415);
    } finally {
      await h.close();
    }
  });
});
