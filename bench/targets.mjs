// The servers the benchmark compares, built in Node (bench/lib.mjs starts one process per target, and the standalone
// server as its bin): (a) a bare node:http keep-alive proxy; (b) the same proxy as an Express 5 router with one undici
// Pool, the floor of this stack; (got) that router with got instead, the client this package used to have; (sample)
// the Express 4 + raw https sample server people copy; (c) tokenSwap() with aesGcmCipher in Express 5, and
// (c-handles) the same with refresh handles kept in Redis.
import http from 'node:http';
import https from 'node:https';
import express from 'express';
import express4 from 'express4';
import got from 'got';
import { Pool } from 'undici';
import { createClient } from 'redis';
import { aesGcmCipher, redisSessionStore, tokenSwap } from '../dist/esm/index.js';
import { REDIRECT_URI, SECRET } from './lib.mjs';

const { ACCOUNTS_URL, CLIENT_ID, CLIENT_SECRET, REDIS_URL, TARGETS, TIMEOUT_MS } = process.env;
const tokenUrl = `${ACCOUNTS_URL}/api/token`;
const authorization = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';
const agentOptions = { keepAlive: true, scheduling: 'lifo', timeout: 5_000 };

/** What each proxy sends Spotify for a client's form: the same grant tokenSwap() sends, without any of its checks. */
function grant(path, fields) {
  return path === '/swap'
    ? { grant_type: 'authorization_code', code: fields.code ?? '', redirect_uri: REDIRECT_URI }
    : { grant_type: 'refresh_token', refresh_token: fields.refresh_token ?? '' };
}

function bareProxy() {
  const agent = tokenUrl.startsWith('https:') ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const request = tokenUrl.startsWith('https:') ? https.request : http.request;
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
      const body = new URLSearchParams(grant(req.url, fields)).toString();
      const upstream = request(tokenUrl, {
        method: 'POST',
        agent,
        headers: { authorization, 'content-type': FORM, 'content-length': Buffer.byteLength(body) },
      });
      upstream.on('response', (answer) => {
        res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
}

/** An Express 5 router that parses the form and hands Spotify's answer back as it came: `post(form)` does the call. */
function expressProxy(post) {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false }));
  router.post(['/swap', '/refresh'], async (req, res) => {
    try {
      const { status, body } = await post(grant(req.path, req.body ?? {}));
      res.status(status).type('application/json').send(body);
    } catch {
      res.status(502).end();
    }
  });
  return http.createServer(express().use(router));
}

function undiciProxy() {
  const { origin, pathname } = new URL(tokenUrl);
  const pool = new Pool(origin, { connections: 128 });
  return expressProxy(async (form) => {
    const answer = await pool.request({
      path: pathname,
      method: 'POST',
      headers: { authorization, 'content-type': FORM },
      body: new URLSearchParams(form).toString(),
    });
    return { status: answer.statusCode, body: await answer.body.text() };
  });
}

function gotProxy() {
  const client = got.extend({
    agent: { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) },
    headers: { authorization },
    retry: { limit: 0 },
    throwHttpErrors: false,
  });
  return expressProxy(async (form) => {
    const answer = await client.post(tokenUrl, { form });
    return { status: answer.statusCode, body: answer.body };
  });
}

/** The sample server as people write it: Express 4, its urlencoded parser, https.request on Node's global agent. */
function sampleServer() {
  const app = express4();
  app.use(express4.urlencoded({ extended: true }));
  app.post(['/swap', '/refresh'], (req, res) => {
    const body = new URLSearchParams(grant(req.path, req.body)).toString();
    const upstream = https.request(
      tokenUrl,
      { method: 'POST', headers: { Authorization: authorization, 'Content-Type': FORM } },
      (answer) => {
        let text = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk) => (text += chunk));
        answer.on('end', () => res.status(answer.statusCode).set('Content-Type', 'application/json').send(text));
      },
    );
    upstream.on('error', () => res.status(502).json({ error: 'bad_gateway' }));
    upstream.end(body);
  });
  return http.createServer(app);
}

function tokenSwapRouter(sessions) {
  return tokenSwap({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: REDIRECT_URI,
    accountsUrl: ACCOUNTS_URL,
    apiUrl: ACCOUNTS_URL,
    timeoutMs: Number(TIMEOUT_MS),
    sessions,
    hooks: { refreshTokenCipher: aesGcmCipher(SECRET) },
  });
}

/** (c) with refresh handles, its sessions in the Redis at REDIS_URL: one EVAL per refresh. */
async function tokenSwapWithHandles() {
  const client = createClient({ url: REDIS_URL, disableOfflineQueue: true });
  await client.connect();
  const store = redisSessionStore({ sendCommand: (args) => client.sendCommand(args) });
  return http.createServer(express().use(tokenSwapRouter({ store })));
}

const tokenSwapApp = () => http.createServer(express().use(tokenSwapRouter()));

/** The same router on node:http itself, with no Express app around it: what the app's layer costs. */
function tokenSwapOnNode() {
  const router = tokenSwapRouter();
  return http.createServer((req, res) => router(req, res, () => res.writeHead(404).end()));
}

const makers = {
  a: bareProxy,
  b: undiciProxy,
  got: gotProxy,
  sample: sampleServer,
  c: tokenSwapApp,
  'c-node': tokenSwapOnNode,
  'c-handles': tokenSwapWithHandles,
};
const ports = {};
const counts = { connections: 0, requests: 0, answered: 0, closed: 0 };
const open = new Set();
for (const name of TARGETS.split(',')) {
  const server = await makers[name]();
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => (counts.connections += 1));
  server.on('request', (req, res) => {
    counts.requests += 1;
    const entry = { req, res, since: Date.now() };
    open.add(entry);
    res.once('close', () => open.delete(entry));
    res.once('finish', () => (counts.answered += 1));
    // Every request ends here, answered or abandoned by its client: received minus closed is what still hangs.
    res.once('close', () => (counts.closed += 1));
  });
  // Node's default backlog (511) would leave part of a 1,000-connection burst unaccepted.
  await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  ports[name] = server.address().port;
}
process.send(ports);
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send(user + system);
  }
  if (message === 'counts') {
    const stuck = [...open].slice(0, 5).map(({ req, res, since }) => ({
      path: req.url,
      ageMs: Date.now() - since,
      bodyComplete: req.complete,
      headersSent: res.headersSent,
      writableEnded: res.writableEnded,
      socketDestroyed: res.socket?.destroyed ?? null,
      socketWritable: res.socket?.writableLength ?? null,
    }));
    // Open longer than the deadline and a second: hung. Younger ones are still being served.
    const hung = [...open].filter(({ since }) => Date.now() - since > Number(TIMEOUT_MS) + 1_000).length;
    process.send({ ...counts, hung, stuck });
  }
  if (message === 'heap') {
    globalThis.gc();
    process.send(process.memoryUsage().heapUsed);
  }
});
// Exit cleanly on SIGINT so that `node --cpu-prof` writes its profile.
process.on('SIGINT', () => process.exit(0));
