// Starting and stopping the standalone server: configuration, demo mode, rate limiter, listening, and draining on shutdown.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { DEFAULT_TIMEOUT_MS } from 'spotify-token-swap/internal';
import { memorySessionStore, redisSessionStore, type RefreshTokenCipher } from 'spotify-token-swap';
import { admission } from './admission.js';
import { clientAddress, fromPrivateNetwork } from './client-address.js';
import { createApp, isHealthCheck, type App, type AppSessions, type AppState } from './app.js';
import { checkRedirectUri } from './check/routes.js';
import { readConfig, type ServerConfig, type SpotifyEndpoint } from './config.js';
import { listen } from './listen.js';
import { DEMO_REDIRECT_URI, startDemo, type Demo } from './demo.js';
import { logDestination, type LogDestination } from './log-destination.js';
import { ownAnswers, type OwnAnswers } from './own-answers.js';
import { createRateLimiter } from './rate-limit.js';
import { connectRedis, type SharedRedis } from './redis-store.js';

export interface RunningServer {
  url: string;
  /** Stops accepting, lets in-flight requests finish (bounded by the Spotify deadline), and releases everything. */
  stop(signal?: string): Promise<void>;
}

/**
 * Spotify as the app sees it: the real one, or the demo's mock, which plays the accounts service and the Web API both
 * and registers the check page's redirect URI as an app would, so that it sends codes nowhere else.
 */
async function spotifyFor(
  config: ServerConfig,
  publicUrl: string,
): Promise<{ spotify: SpotifyEndpoint; cipher: RefreshTokenCipher; demo?: Demo }> {
  if (config.mode === 'spotify') return { spotify: config.spotify, cipher: config.cipher };
  const demo = await startDemo(config.cipher, [checkRedirectUri(publicUrl)]);
  const { clientId, clientSecret, url } = demo.spotify;
  return {
    spotify: { clientId, clientSecret, redirectUri: DEMO_REDIRECT_URI, accountsUrl: url, apiUrl: url },
    cipher: demo.cipher,
    demo,
  };
}

/**
 * Where REFRESH_TOKENS=handles keeps sessions: Redis, shared by every instance, or (demo mode only, which config
 * checks) this process's memory. `unavailable` tells /healthz when Redis cannot be reached.
 */
function sessionStore(redis: SharedRedis | undefined, log: Logger): AppSessions {
  if (redis === undefined) return { store: memorySessionStore(), unavailable: () => false };
  if (!redis.reachedAtStart) {
    log.error(
      { event: 'session_store', outcome: 'unavailable' },
      'Redis at REDIS_URL cannot be reached: swaps and refreshes answer 503 until it answers',
    );
  }
  return {
    store: redisSessionStore({ sendCommand: (args) => redis.sendCommand(args) }),
    unavailable: () => !redis.ready(),
  };
}

/** How often a draining server closes the connections that have become idle. */
const IDLE_SWEEP_MS = 50;

/**
 * Whether a request came through a host's proxy: a proxy header, from a peer on a private network. A client on the
 * internet can write the header too, but cannot connect from there, so it cannot make the server say so.
 */
const throughProxy = (req: IncomingMessage) =>
  (req.headers['x-forwarded-for'] ?? req.headers.forwarded) !== undefined &&
  fromPrivateNetwork(req.socket.remoteAddress);

/**
 * Hands the server's requests to the app, at most so many at once. While draining, each answer says
 * `Connection: close`. It runs before the app, which may answer at once.
 */
function handRequests(
  server: Server,
  app: App,
  answers: OwnAnswers,
  { state, config, log }: { state: AppState; config: ServerConfig; log: Logger },
): void {
  // Behind a host's proxy every request comes from the proxy's address, and all clients share one limit: said once,
  // naming the variable, rather than left to a limit that trips for everyone at once. Read here, where it costs no
  // layer of the app.
  const watchProxy = config.trustProxy === undefined && config.rateLimitPerMinute > 0;
  const admit = admission(app, {
    maxInFlight: config.maxInFlight,
    exempt: isHealthCheck,
    busy: (_req, res) => answers.busy(res),
    flooded: () => answers.flooded(),
  });
  // What Node could not hand over as a request (unreadable, too large, too slow) is answered JSON too, and logged.
  server.on('clientError', (error, socket) => answers.clientError(error, socket));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (state.draining) res.setHeader('Connection', 'close');
    if (watchProxy && throughProxy(req)) {
      const first = state.untrustedProxySeenAt === undefined;
      state.untrustedProxySeenAt = Date.now();
      if (first)
        log.warn(
          { event: 'proxy', trustProxy: 'unset' },
          'a request came through a proxy (X-Forwarded-For or Forwarded), but TRUST_PROXY is not set: the rate ' +
            "limit counts the proxy's address, so every client shares one limit. Behind one proxy, set TRUST_PROXY=1",
        );
    }
    admit(req, res);
  });
}

/** Says where the server listens and what it serves. (The router says what in its redirect URIs would fail.) */
async function announce(
  config: ServerConfig,
  log: Logger,
  destination: LogDestination,
  where: { url: string; address: string; everyInterface: boolean; publicUrl: string },
  demo: Demo | undefined,
): Promise<void> {
  const { url, address, everyInterface, publicUrl } = where;
  const port = new URL(url).port;
  log.info(
    {
      event: 'listening',
      url,
      mode: config.mode,
      rateLimitPerMinute: config.rateLimitPerMinute,
      sharedRateLimit: config.redisUrl !== undefined && config.rateLimitPerMinute > 0,
      refreshTokens: config.refreshTokens,
      rotateHandles: config.rotateHandles,
      cors: config.corsOrigins !== undefined,
      legacyExchange: config.legacyExchange !== false,
      clientToken: config.clientToken,
      loginCheck: config.loginCheck,
      address,
      everyInterface,
    },
    everyInterface
      ? `spotify-token-swap listening on every interface, port ${port} (${url} from this machine)`
      : `spotify-token-swap listening on ${url}`,
  );
  const checkUrl = `${publicUrl}/check/`;
  if (config.mode === 'demo') {
    if (demo !== undefined)
      destination.write(await demo.walkthrough(url, checkUrl, config.refreshTokens === 'handles'));
    return;
  }
  if (config.loginCheck) {
    log.warn(
      { event: 'login_check', url: checkUrl, redirectUri: checkRedirectUri(publicUrl) },
      `login check page at ${checkUrl}: a set-up tool, turn LOGIN_CHECK off once your app logs in`,
    );
  }
}

/**
 * Stopping: health turns 503, no new connections, idle ones closed, in-flight requests given the Spotify deadline
 * and a little more, then everything released and the last lines flushed (for a second at most).
 */
function drainOnStop(
  server: Server,
  state: AppState,
  log: Logger,
  destination: LogDestination,
  drainMs: number,
  release: () => Promise<void>,
): RunningServer['stop'] {
  let stopping: Promise<void> | undefined;
  return (signal = 'stop') =>
    (stopping ??= (async () => {
      state.draining = true;
      log.info({ event: 'shutdown', signal }, 'draining in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A connection whose request started before the drain keeps alive once answered: it is closed as soon as it
      // is idle. Looked for here, a few times a second, rather than by a listener on every response.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      const force = setTimeout(() => server.closeAllConnections(), drainMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
      await release();
      log.info({ event: 'shutdown', outcome: 'done' }, 'stopped');
      // A destination that is stuck or gone does not hold the exit.
      await destination.flush(1_000);
    })());
}

/** What the server says goes to `destination`: its JSON log lines, and in demo mode the walk-through first. */
export async function startServer(
  env: Readonly<Record<string, string | undefined>>,
  destination: LogDestination = logDestination(),
): Promise<RunningServer> {
  const config = readConfig(env);
  const log = pino({ name: 'spotify-token-swap', level: config.logLevel }, destination);
  let demo: Demo | undefined;
  let redis: SharedRedis | undefined;
  let server: Server | undefined;
  const release = async () => {
    await redis?.close();
    await demo?.spotify.close();
  };
  try {
    const handles = config.refreshTokens === 'handles';
    if (config.redisUrl !== undefined && (config.rateLimitPerMinute > 0 || handles)) {
      redis = await connectRedis(config.redisUrl);
    }
    const limiter =
      config.rateLimitPerMinute > 0
        ? await createRateLimiter(config.rateLimitPerMinute, redis, log, clientAddress(config.trustProxy))
        : undefined;
    const sessions = handles ? sessionStore(redis, log) : undefined;
    const listening = await listen(config);
    server = listening.server;
    // The app is built once the port is known: the check page's redirect URI contains it, unless PUBLIC_URL is set.
    const publicUrl = config.publicUrl ?? listening.url;
    const spotify = await spotifyFor(config, publicUrl);
    demo = spotify.demo;
    const state: AppState = { draining: false };
    const answers = ownAnswers(log, [
      '/swap',
      '/refresh',
      ...(config.clientToken ? ['/client-token'] : []),
      ...(handles ? ['/revoke', '/me'] : []),
    ]);
    const app = createApp({
      answers,
      config,
      cipher: spotify.cipher,
      spotify: spotify.spotify,
      rateLimit: limiter?.middleware,
      rateLimitDegraded: () => limiter?.degraded() ?? false,
      sessions,
      log,
      state,
      publicUrl,
    });
    handRequests(server, app, answers, { state, config, log });
    await announce(config, log, destination, { ...listening, publicUrl }, demo);
    const drainMs = (config.timeoutMs ?? DEFAULT_TIMEOUT_MS) + 2_000;
    return { url: listening.url, stop: drainOnStop(server, state, log, destination, drainMs, release) };
  } catch (error) {
    if (server?.listening === true) await new Promise((resolve) => server!.close(resolve));
    await release();
    throw error;
  }
}
