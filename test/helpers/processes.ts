// Child processes for the server tests: the built bin, a real redis-server, and free loopback ports for them.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { expect } from '@jest/globals';
import type { MockSpotify } from '../../src/testing/index.js';
import { remember } from './secrets.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${root}packages/server/dist/cli.js`;

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface BinProcess {
  url: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[];
  /** Waits for a log line (they reach this process after the answers they describe). */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<void>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The environment a bin gets: PATH and what the test sets, nothing of this process's. */
const baseEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOST: '127.0.0.1', PORT: '0' });

/** Runs the bin until it exits, for refusals at start-up. */
export async function runBin(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN], { env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Starts the bin (this checkout's build, or `bin`) on a free port and waits until its health check answers. */
export async function startBin(env: Record<string, string>, bin = BIN): Promise<BinProcess> {
  const port = env.PORT ?? String(await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [bin], {
    env: { ...baseEnv(), ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const logs = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const healthy = () =>
    fetch(`${url}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
  try {
    await waitFor(async () => child.exitCode !== null || (await healthy()), 'the server to answer');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  if (child.exitCode !== null) throw new Error(`the server exited: ${stderr}`);
  return {
    url,
    child,
    waitForLog: (match) => waitFor(() => logs().some(match), 'a log line'),
    stdout: () => stdout,
    stderr: () => stderr,
    logs,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return (await exited)[0];
    },
  };
}

export interface RedisProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A throwaway redis-server on loopback, with no persistence. */
export async function startRedis(port?: number, extraArgs: string[] = []): Promise<RedisProcess> {
  const chosen = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: 'ignore' },
  );
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(chosen, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      }),
    'redis-server',
  );
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    async stop() {
      // A process killed by a signal has no exit code, only its signal.
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

/** Every key in a Redis and every value under it, as text: what a scan for secrets reads. */
export async function redisContents(url: string): Promise<string[]> {
  const client = createClient({ url });
  await client.connect();
  const seen: string[] = [];
  try {
    for await (const keys of client.scanIterator({ MATCH: '*' })) {
      for (const key of keys) {
        seen.push(key);
        const type = await client.type(key);
        if (type === 'hash') seen.push(JSON.stringify(await client.hGetAll(key)));
        else if (type === 'set') seen.push(JSON.stringify(await client.sMembers(key)));
        else if (type === 'string') seen.push(String(await client.get(key)));
        else seen.push(`(${type})`);
      }
    }
  } finally {
    client.destroy();
  }
  return seen;
}

export interface Launched {
  /** The launcher's process (npm, npx). */
  launcher: ChildProcess;
  url: string;
  /** The server's own process id, from its log. */
  serverPid: number;
}

/**
 * Starts the server through a launcher such as `npm start` or `npx spotify-token-swap`, which runs it as a process of
 * its own, and waits until it answers.
 */
export async function launch(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Launched> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const launcher = spawn(command, args, {
    cwd,
    env: { ...baseEnv(), HOME: process.env.HOME ?? '/root', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  launcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  launcher.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const pid = () => Number(/"pid":(\d+)/.exec(output)?.[1] ?? 0);
  const healthy = () =>
    fetch(`${url}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
  await waitFor(
    async () => launcher.exitCode !== null || (pid() > 0 && (await healthy())),
    `${command} to serve`,
    30_000,
  );
  if (launcher.exitCode !== null) throw new Error(`${command} exited: ${output}`);
  return { launcher, url, serverPid: pid() };
}

/** Whether a process is still running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM to the launcher while a swap is in flight, and checks what a host needs of the server. */
export async function drainsWhenItsLauncherIsSignalled(
  spotify: MockSpotify,
  command: string,
  args: string[],
  cwd: string,
): Promise<void> {
  const { launcher, url, serverPid } = await launch(command, args, cwd, {
    SPOTIFY_CLIENT_ID: spotify.clientId,
    SPOTIFY_CLIENT_SECRET: spotify.clientSecret,
    SPOTIFY_REDIRECT_URI: 'myapp://callback',
    SPOTIFY_ACCOUNTS_URL: spotify.url,
    SPOTIFY_TIMEOUT_MS: '3000',
    TOKEN_ENCRYPTION_SECRETS: 'launcher-test-secret-of-32-characters',
  });
  try {
    spotify.fail({ type: 'latency', ms: 700 });
    const code = spotify.issueCode({ redirectUri: 'myapp://callback' });
    remember(code);
    const inFlight = fetch(`${url}/swap`, { method: 'POST', body: new URLSearchParams({ code }) });
    // Signalled only once the swap is with Spotify: in flight for sure.
    await waitFor(() => spotify.requests.some((request) => request.form.code === code), 'the swap to reach Spotify');
    const signalled = Date.now();
    launcher.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    await waitFor(() => !alive(serverPid), 'the server to exit', 5_000 + 2_000);
    expect(Date.now() - signalled).toBeLessThan(5_000 + 2_000);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  } finally {
    if (alive(serverPid)) process.kill(serverPid, 'SIGKILL');
  }
}
