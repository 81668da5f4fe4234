#!/usr/bin/env node
// The standalone server's entry point, `npx spotify-token-swap`: configured by environment variables, stopped by signals.
import { ConfigError } from './server/config.js';
import { startServer } from './server/index.js';

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

startServer(process.env).then((server) => {
  const shutdown = (signal: NodeJS.Signals) => {
    // A second signal means "now".
    process.once(signal, () => process.exit(1));
    server.stop(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}, fail);
