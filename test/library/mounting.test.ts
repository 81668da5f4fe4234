// The router mounted in Express 5, Express 4, Connect and a bare node:http server: the same answers in each.
import { createServer, type Server } from 'node:http';
import connect from 'connect';
import express from 'express';
import express4 from 'express4';
import request from 'supertest';
import { tokenSwap } from '../../src/index.js';
import { createMockSpotify, type MockSpotify } from '../../src/testing/index.js';
import { REDIRECT_URI, closeServer, listen, routerOptions } from '../helpers/harness.js';
import { remember, rememberForm } from '../helpers/secrets.js';

type Router = ReturnType<typeof tokenSwap>;

const hosts: [string, (router: Router) => Server][] = [
  ['Express 5', (router) => createServer(express().use('/spotify', router))],
  ['Express 4', (router) => createServer(express4().use('/spotify', router))],
  ['Connect', (router) => createServer(connect().use('/spotify', router))],
  [
    'node:http',
    (router) =>
      createServer((req, res) => {
        if (!req.url?.startsWith('/spotify/')) {
          res.writeHead(404).end();
          return;
        }
        req.url = req.url.slice('/spotify'.length);
        router(req, res, () => res.writeHead(404).end());
      }),
  ],
];

describe.each(hosts)('mounted in %s', (_name, host) => {
  let spotify: MockSpotify;
  let server: Server;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    spotify = await createMockSpotify();
    remember(spotify.clientSecret);
    ({ server } = await listen(host(tokenSwap(routerOptions(spotify)))));
    http = request(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  });
  afterAll(async () => {
    for (const { form } of spotify.requests) rememberForm(form);
    await closeServer(server);
    await spotify.close();
  });

  it('swaps a code and refreshes the sealed token, form and JSON', async () => {
    const code = spotify.issueCode({ redirectUri: REDIRECT_URI });
    remember(code);
    const swapped = await http.post('/spotify/swap').type('form').send({ code });
    expect(swapped.status).toBe(200);
    expect(swapped.headers['content-type']).toBe('application/json; charset=utf-8');
    const refreshed = await http.post('/spotify/refresh').send({ refresh_token: swapped.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBe(swapped.body.refresh_token);
  });

  it('answers errors as the documented JSON', async () => {
    const missing = await http.post('/spotify/swap').type('form').send({});
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
    const wrongMethod = await http.get('/spotify/refresh');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
  });
});
