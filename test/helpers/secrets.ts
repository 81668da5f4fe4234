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

/** The log lines holding any of the values, with every value masked (never repeated) in the report. */
export function findLeaks(lines: readonly string[], values: Iterable<string>): string[] {
  const secrets = [...values];
  const mask = (line: string) => secrets.reduce((masked, value) => masked.split(value).join('<secret>'), line);
  return lines.filter((line) => secrets.some((value) => line.includes(value))).map(mask);
}

/** The secret-bearing fields of a form sent to Spotify. */
export function rememberForm(form: Readonly<Record<string, string>>): void {
  remember(form.code, form.refresh_token, form.code_verifier);
}

export function leaksSoFar(): string[] {
  return findLeaks(logLines, sensitive);
}

/** Every value remembered so far, for a scan of somewhere other than the log (a Redis, say). */
export const sensitiveValues = (): ReadonlySet<string> => sensitive;
