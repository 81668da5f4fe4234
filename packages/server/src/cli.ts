#!/usr/bin/env node
// The standalone server's entry point, `npx spotify-token-swap`: configured by environment variables, stopped by signals.
import { ConfigError } from './config.js';
import { startServer } from './index.js';

function fail(error: unknown): never {
  // Configuration messages name variables, never values. Anything else is summarised: its message might not be safe.
  const err = error as (Error & { code?: string; syscall?: string }) | undefined;
  const message =
    error instanceof ConfigError
      ? error.message
      : err?.syscall !== undefined
        ? `cannot ${err.syscall}: ${err.code ?? 'failed'}`
        : `failed to start (${err?.name ?? 'error'})`;
  process.stderr.write(`spotify-token-swap: ${message}\n`);
  process.exit(1);
}

/** How often the server looks whether the process that started it is still there. */
const PARENT_CHECK_MS = 500;

startServer(process.env).then((server) => {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.stop(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // A second signal means "now".
      process.once(signal, () => process.exit(1));
      shutdown(signal);
    });
  }
  // `npm start` and `npx` end on SIGTERM without passing it on: the server, left behind, would keep its port and cut
  // its in-flight requests off when the host kills it. When the process that started it is gone, it drains and exits
  // as on SIGTERM.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(watch);
      shutdown('parent-exit');
    }
  }, PARENT_CHECK_MS);
  watch.unref();
}, fail);
