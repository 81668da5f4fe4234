// The shared door cases on the router, mounted as users mount it: in Express 5, Express 4 and Connect at /spotify, and
// on a bare node:http server that hands it every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import connect from 'connect';
import express from 'express';
import express4 from 'express4';
import { aesGcmCipher, tokenSwap, type TokenSwapOptions } from '../../src/index.js';
import { NOT_FOUND } from '../../src/core/errors.js';
import { sendJson } from '../../src/node/http.js';
import { ALLOWED_ORIGIN, casesFor, type DoorOption } from './cases.js';
import { rawSend } from './raw-send.js';
import { SECRETS, closeServer, listen, mockSpotifyOptions } from '../helpers/harness.js';
import { sharedMockSpotify } from '../helpers/mock.js';
import { spyLogger } from '../helpers/secrets.js';

const spotify = sharedMockSpotify();

/** Refuses a request with an x-refuse header in the way it names, as middleware does; lets the rest on. */
function refusingHook(req: IncomingMessage, res: ServerResponse, next: () => void): unknown {
  switch (req.headers['x-refuse']) {
    case 'writeHead':
      res.writeHead(429, { 'Retry-After': '2.5', 'Content-Type': 'text/plain' });
      res.end('Slow down');
      return undefined;
    case 'write':
      res.statusCode = 429;
      res.setHeader('Retry-After', '2.5');
      res.write('Slow');
      res.end(' down');
      return undefined;
    case 'end':
      res.statusCode = 429;
      res.setHeader('Retry-After', '3');
      res.setHeader('ETag', 'W/"x"');
      res.end('Slow down');
      return undefined;
    case 'verdict':
      return { allowed: false, retryAfterSeconds: 2.5 };
    default:
      next();
      return undefined;
  }
}

const options = (): TokenSwapOptions => ({
  ...mockSpotifyOptions(spotify),
  cors: { origins: [ALLOWED_ORIGIN] },
  clientToken: true,
  hooks: { refreshTokenCipher: aesGcmCipher(SECRETS), logger: spyLogger, rateLimit: refusingHook },
});

/** The router passes every other path on: each host answers it as the standalone server does, the JSON 404. */
const notFound = (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 404, NOT_FOUND);

/** Each host, with the router mounted at /spotify. */
const hosts: Record<string, () => Server> = {
  'Express 5': () => createServer(express().use('/spotify', tokenSwap(options())).use(notFound)),
  'Express 4': () => createServer(express4().use('/spotify', tokenSwap(options())).use(notFound)),
  Connect: () => createServer(connect().use('/spotify', tokenSwap(options())).use(notFound)),
  'node:http': () => {
    const router = tokenSwap(options());
    return createServer((req, res) => {
      // A bare server hands the router the paths under its prefix, as Express would.
      if (!req.url?.startsWith('/spotify')) return notFound(req, res);
      req.url = req.url.slice('/spotify'.length) || '/';
      router(req, res, () => notFound(req, res));
    });
  },
};

const built: readonly DoorOption[] = ['cors', 'refusingHook', 'streamedBody', 'clientToken'];

describe.each(Object.keys(hosts))('the router in %s', (host) => {
  let url: string;
  let server: Server;
  beforeAll(async () => ({ url, server } = await listen(hosts[host]!())));
  afterAll(() => closeServer(server));

  for (const doorCase of casesFor(built)) {
    it(doorCase.name, () => doorCase.run({ spotify, send: (path, init) => rawSend(url, `/spotify${path}`, init) }));
  }
});
