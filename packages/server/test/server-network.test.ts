// The standalone server on the network: where it says it listens and where it does, and behind a host's proxy, an
// untrusted X-Forwarded-For said once in the log, and on /healthz for ten minutes after the last.
import { jest } from '@jest/globals';
import { fromPrivateNetwork } from '../src/client-address.js';
import { logEvents, serversStoppedAfterEach, type CheckServer } from './helpers/check.js';

const start = serversStoppedAfterEach();

const viaProxy = (server: CheckServer, header: Record<string, string>) =>
  fetch(`${server.url}/swap`, { method: 'POST', headers: header });
const health = async (server: CheckServer) => (await fetch(`${server.url}/healthz`)).json();
const proxyEvents = (server: CheckServer) => logEvents(server).filter((line) => line.event === 'proxy');

it.each([
  ['X-Forwarded-For', { 'x-forwarded-for': '203.0.113.7' }],
  ['Forwarded', { forwarded: 'for=203.0.113.7' }],
])('warns once, naming TRUST_PROXY, when a request arrives with %s and TRUST_PROXY is unset', async (_name, header) => {
  const server = await start();
  expect(await health(server)).toEqual({ status: 'ok' });
  await viaProxy(server, header);
  await viaProxy(server, header);
  const events = proxyEvents(server);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ level: 40, msg: expect.stringMatching(/TRUST_PROXY=1/) });
  expect(events[0]!.msg).toMatch(/every client shares one limit/);
  expect(await health(server)).toEqual({ status: 'ok', proxy: 'untrusted X-Forwarded-For seen' });
});

// Issue 26: any client could set it until restart. Now only a peer on a private network (where a host's proxy is; a
// client on the internet cannot connect from there) sets it, and it fades ten minutes after the last such request.
it('says on /healthz that a proxy was seen for ten minutes after the last request through one, then no more', async () => {
  const server = await start();
  await viaProxy(server, { 'x-forwarded-for': '203.0.113.7' });
  const later = Date.now() + 601_000;
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => later);
  try {
    expect(await health(server)).toEqual({ status: 'ok' });
  } finally {
    clock.mockRestore();
  }
});

it.each([
  ['127.0.0.1', true],
  ['::ffff:10.1.2.3', true],
  ['172.31.255.1', true],
  ['192.168.0.9', true],
  ['100.64.0.1', true],
  ['169.254.169.254', true],
  ['fd12:3456::1', true],
  ['fe80::1%eth0', true],
  ['::1', true],
  ['203.0.113.7', false],
  ['172.32.0.1', false],
  ['100.128.0.1', false],
  ['2001:db8::1', false],
  ['8.8.8.8', false],
  [undefined, false],
])("judges a proxy header from %s as %s: from a private network, where a host's proxy is", (peer, judged) => {
  expect(fromPrivateNetwork(peer)).toBe(judged);
});

it('says nothing with TRUST_PROXY set, or with no proxy header', async () => {
  const trusting = await start({ TRUST_PROXY: '1' });
  await viaProxy(trusting, { 'x-forwarded-for': '203.0.113.7' });
  expect(proxyEvents(trusting)).toEqual([]);
  expect(await health(trusting)).toEqual({ status: 'ok' });
  const direct = await start();
  await viaProxy(direct, {});
  expect(proxyEvents(direct)).toEqual([]);
});

describe('where it listens', () => {
  const listening = (server: CheckServer) => logEvents(server).find((line) => line.event === 'listening');
  const credentials = {
    SPOTIFY_CLIENT_ID: 'client-id',
    SPOTIFY_CLIENT_SECRET: 'client-secret',
    SPOTIFY_REDIRECT_URI: 'myapp://callback',
    TOKEN_ENCRYPTION_SECRETS: 'a-test-secret-that-is-long-enough-1',
  };

  it('says so when it listens on every interface, rather than naming loopback', async () => {
    const server = await start({ ...credentials, HOST: '0.0.0.0' });
    expect(listening(server)).toMatchObject({
      address: '0.0.0.0',
      everyInterface: true,
      msg: expect.stringMatching(
        /^spotify-token-swap listening on every interface, port \d+ \(http:\/\/127\.0\.0\.1:\d+ from this machine\)$/,
      ),
    });
  });

  it('keeps the check page with real credentials on this machine unless PUBLIC_URL or HOST say otherwise', async () => {
    const server = await start({ ...credentials, HOST: '', LOGIN_CHECK: '1' });
    expect(listening(server)).toMatchObject({ address: '127.0.0.1', everyInterface: false });
  });
});
