// The standalone server's log destination on a pipe nobody reads for a while: it holds 1 MB, drops the rest, and once
// the reader is back says how many lines it dropped, in a line of its own, before the next one.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logDestination } from '../src/log-destination.js';

it('drops what a stalled reader cannot take, and counts it in a notice once the reader is back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'log-destination-'));
  const fifo = join(dir, 'log');
  execFileSync('mkfifo', [fifo]);
  // The reading end first, without blocking; then the writing end, which has a reader and so does not block either.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, 'w');
  const reports = openSync('/dev/null', 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let received = '';
  const readAll = () => {
    for (;;) {
      try {
        const n = readSync(reader, chunk, 0, chunk.length, null);
        if (n === 0) return;
        received += chunk.toString('utf8', 0, n);
      } catch {
        return; // EAGAIN: nothing more for now
      }
    }
  };
  try {
    const destination = logDestination(writer, reports);
    const line = (i: number) => `${JSON.stringify({ level: 30, i, msg: 'x'.repeat(80) })}\n`;
    const total = 30_000; // about 3 MB: far past the pipe's 64 kB and the 1 MB backlog
    for (let i = 0; i < total; i++) destination.write(line(i));
    // The reader comes back and reads until everything held has been written.
    let flushed = false;
    void destination.flush(10_000).then(() => (flushed = true));
    while (!flushed) {
      readAll();
      await new Promise((resolve) => setImmediate(resolve));
    }
    destination.write(line(total));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const flushedAgain = destination.flush(10_000);
    for (let i = 0; i < 100; i++) {
      readAll();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await flushedAgain;
    readAll();

    const lines = received
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as { i?: number; event?: string; lines?: number; level: number });
    const notices = lines.filter((entry) => entry.event === 'log');
    expect(notices).toEqual([expect.objectContaining({ level: 40, outcome: 'dropped', lines: expect.any(Number) })]);
    const dropped = notices[0]!.lines!;
    const delivered = lines.filter((entry) => entry.i !== undefined);
    expect(dropped).toBeGreaterThan(0);
    expect(delivered.length + dropped).toBe(total + 1);
    // The notice comes right before the first line written after the reader caught up.
    expect(lines.at(-2)).toBe(notices[0]);
    expect(lines.at(-1)?.i).toBe(total);
  } finally {
    // The writing end belongs to the destination's socket now; the others are the test's.
    for (const fd of [reader, reports]) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
