// Where the server's log lines go, so that logging never blocks serving or shutdown: a pipe or socket is written
// without blocking, with a bounded backlog; a destination that breaks is reported once and dropped.
import { fstatSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { errorCode } from 'spotify-token-swap/internal';

export interface LogDestination {
  /** Writes or queues a line (pino calls this); drops it when the backlog is full or the destination has failed. */
  write(line: string): void;
  /** Resolves once everything queued is written, the destination has failed, or `ms` have passed. */
  flush(ms: number): Promise<void>;
}

/** A log collector that stops reading must not make the server hold its lines without bound. */
const MAX_BACKLOG_BYTES = 1024 * 1024;

function report(reportFd: number, error: unknown): void {
  const code = errorCode(error) ?? 'error';
  try {
    writeSync(reportFd, `spotify-token-swap: the log destination failed (${code}); logging is off\n`);
  } catch {
    // Nowhere left to say it.
  }
}

/**
 * A pipe or socket (a log collector, `| tee`, a container runtime) is opened as a non-blocking stream: a reader that
 * stops reading fills the backlog, and lines past it are dropped and counted, rather than every write waiting, and
 * an exit never waits for it. A file or terminal is written synchronously, as pino does by default. Either way, a
 * failed write (EPIPE: the reader went away) ends logging, said once on `reportFd`.
 */
export function logDestination(fd = 1, reportFd = 2): LogDestination {
  let failed = false;
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    report(reportFd, error);
  };

  let stat;
  try {
    stat = fstatSync(fd);
  } catch (error) {
    fail(error);
    return { write: () => {}, flush: () => Promise.resolve() };
  }

  if (!stat.isFIFO() && !stat.isSocket()) {
    return {
      write(line) {
        if (failed) return;
        try {
          writeSync(fd, line);
        } catch (error) {
          fail(error);
        }
      },
      flush: () => Promise.resolve(),
    };
  }

  const stream = new Socket({ fd, readable: false, writable: true });
  // Nothing waits on a log pipe: not the event loop, not the exit.
  stream.unref();
  stream.on('error', (error) => {
    fail(error);
    stream.destroy();
  });
  let dropped = 0;
  let corked = false;
  /** Lines handed to the stream and not yet written, and who waits for them to be. */
  let pending = 0;
  let waiting: (() => void)[] = [];
  const written = () => {
    pending -= 1;
    if (pending > 0) return;
    for (const resolve of waiting) resolve();
    waiting = [];
  };
  const uncork = () => {
    corked = false;
    stream.uncork();
  };
  return {
    write(line) {
      if (failed) return;
      if (stream.writableLength > MAX_BACKLOG_BYTES) {
        dropped += 1;
        return;
      }
      if (dropped > 0) {
        const notice = { level: 40, time: Date.now(), event: 'log', outcome: 'dropped', lines: dropped };
        pending += 1;
        stream.write(
          `${JSON.stringify({ ...notice, msg: 'log lines dropped: the log reader was not keeping up' })}\n`,
          written,
        );
        dropped = 0;
      }
      // The lines of one turn of the event loop go out in one write.
      if (!corked) {
        corked = true;
        stream.cork();
        setImmediate(uncork);
      }
      pending += 1;
      stream.write(line, written);
    },
    flush(ms) {
      if (failed || pending === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
