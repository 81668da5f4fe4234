// The one connection pool to Spotify: bounded, reused, never holding a process open, and which failures prove a
// request never left.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MAX_CONNECTIONS, neverSent } from '../../src/node/spotify.js';
import { plaintextRefreshTokens } from '../../src/index.js';
import { closeServer, listen, startHarness } from '../helpers/harness.js';

it('opens at most MAX_CONNECTIONS connections to Spotify; the calls beyond wait their turn', async () => {
  const h = await startHarness({ timeoutMs: 10_000 });
  try {
    // Every call is held long enough that the first MAX_CONNECTIONS are all in flight when the rest arrive.
    h.spotify.fail({ type: 'latency', ms: 400 }, { times: Infinity });
    const extra = 20;
    const tokens = await Promise.all(Array.from({ length: MAX_CONNECTIONS + extra }, () => h.sealedRefreshToken()));
    const answers = await Promise.all(
      tokens.map(({ sealed }) => h.http.post('/spotify/refresh').type('form').send({ refresh_token: sealed })),
    );
    expect(answers.map((res) => res.status)).toEqual(answers.map(() => 200));
    expect(h.spotify.connections.opened).toBeLessThanOrEqual(MAX_CONNECTIONS);
  } finally {
    await h.close();
  }
}, 30_000);

it('never keeps a process alive: one swap, the server closed, and the process exits by itself', async () => {
  // A stand-in for Spotify that asks its clients to keep idle connections for a minute: a pool holding the process
  // open for its idle connections would keep it running for that minute.
  const spotify = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ access_token: 'a', token_type: 'Bearer', scope: '', expires_in: 3600, refresh_token: 'r' }),
    );
  });
  spotify.keepAliveTimeout = 60_000;
  const { url, server } = await listen(spotify);
  try {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../fixtures/one-swap.mjs', import.meta.url))], {
      env: { PATH: process.env.PATH ?? '', ACCOUNTS_URL: url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(kill);
    expect({ code, signal, stdout }).toEqual({ code: 0, signal: null, stdout: 'answered 200\n' });
  } finally {
    await closeServer(server);
  }
}, 30_000);

describe('which failures prove the request never left (a swap may then be retried)', () => {
  const failure = (code: string) => Object.assign(new Error('failed'), { code });

  it.each([
    ['ECONNREFUSED', true, 'nothing listens at the address'],
    ['ENOTFOUND', true, 'the host name does not resolve'],
    ['EAI_AGAIN', true, 'the name lookup failed for now'],
    ['UND_ERR_CONNECT_TIMEOUT', true, 'the TCP or TLS handshake did not finish in time'],
    ['ECONNRESET', false, 'Spotify reset the connection, perhaps after reading the request'],
    ['EPIPE', false, 'the connection broke while the request was being written'],
    ['UND_ERR_SOCKET', false, 'the other side closed, perhaps after reading the request'],
    ['UND_ERR_ABORTED', false, 'the call was abandoned by this server'],
    ['HPE_INVALID_CONSTANT', false, 'an answer came that is not HTTP'],
    ['UND_ERR_RES_EXCEEDED_MAX_SIZE', false, 'an answer came, too large'],
  ])('%s proves it never left: %s (%s)', (code, never) => {
    expect(neverSent(failure(code))).toBe(never);
  });

  it('not an error without a code', () => {
    expect(neverSent(new Error('failed'))).toBe(false);
    expect(neverSent(undefined)).toBe(false);
  });
});

it('never hands a response nobody asked for to the next request: a connection that receives one while idle is dropped', async () => {
  // A misbehaving Spotify (or egress proxy) answers the first swap twice; the second answer, for nobody, arrives on
  // the idle keep-alive connection before the next swap is sent.
  const tokens = (accessToken: string) =>
    JSON.stringify({
      access_token: accessToken,
      token_type: 'Bearer',
      scope: '',
      expires_in: 3600,
      refresh_token: 'r',
    });
  const answer = (body: string) =>
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  let calls = 0;
  let connections = 0;
  const spotify = createNetServer((socket) => {
    connections += 1;
    socket.on('data', () => {
      calls += 1;
      socket.write(
        calls === 1 ? answer(tokens('for-the-first')) + answer(tokens('for-nobody')) : answer(tokens(`call-${calls}`)),
      );
    });
  });
  spotify.listen(0, '127.0.0.1');
  await once(spotify, 'listening');
  const h = await startHarness({
    accountsUrl: `http://127.0.0.1:${(spotify.address() as AddressInfo).port}`,
    hooks: { refreshTokenCipher: plaintextRefreshTokens },
  });
  try {
    const first = await h.http.post('/spotify/swap').type('form').send({ code: 'first-user-code' });
    expect(first.body.access_token).toBe('for-the-first');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await h.http.post('/spotify/swap').type('form').send({ code: 'second-user-code' });
    expect(second.body.access_token).toBe('call-2');
    expect(connections).toBe(2);
  } finally {
    await h.close();
    spotify.close();
  }
});
