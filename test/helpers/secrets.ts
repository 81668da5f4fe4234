// The spy logger every harness logs to, the secrets, codes and tokens a test file has seen, and the leak check over both.
import type { Logger, TokenSwapEvent } from '../../src/index.js';

/** Every log line of this test file, serialised as a logger would write it. */
export const logLines: string[] = [];
const sensitive = new Set<string>();

function record(level: string) {
  return (event: TokenSwapEvent) => {
    logLines.push(JSON.stringify({ level, ...event }));
  };
}

export const spyLogger: Logger = { info: record('info'), warn: record('warn'), error: record('error') };

/** Values that must never reach a log line: the client secret, every code, verifier and token, plain or sealed. */
export function remember(...values: (string | undefined)[]): void {
  for (const value of values) if (value !== undefined && value.length >= 8) sensitive.add(value);
}

/** The log lines holding any of the values, with the value's length (never the value) for the report. */
export function findLeaks(lines: readonly string[], values: Iterable<string>): string[] {
  const leaks: string[] = [];
  for (const value of values) {
    for (const line of lines) {
      if (line.includes(value)) leaks.push(`a ${value.length}-character secret in: ${line.replace(value, '<secret>')}`);
    }
  }
  return leaks;
}

export function leaksSoFar(): string[] {
  return findLeaks(logLines, sensitive);
}
