// The package as users get it: packed with npm and installed into a project of its own, outside this one, so that a
// dependency declared in the wrong place (or not at all) fails. Everything it needs is in npm's cache from
// installing this project. dist/ was built by the global setup.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Consumer {
  dir: string;
  /** The packed tarball's files. */
  files: string[];
  /** Where the package was installed. */
  installed: string;
  /** Writes files under the consumer, making folders as needed. */
  write(files: Record<string, string>): void;
  /** Runs a program there (or in `cwd`) with NODE_OPTIONS cleared, and gives back its stdout. */
  run(command: string, args: string[], cwd?: string, env?: Record<string, string>): string;
  remove(): void;
}

/**
 * Packs the package and installs the tarball into a new project, with `dependencies` beside it and `files` written
 * first (a stand-in package folder, say).
 */
export function installPacked(
  dependencies: readonly string[] = [],
  files: Record<string, string> = {},
  manifest: Record<string, unknown> = {},
): Consumer {
  const dir = mkdtempSync(join(tmpdir(), 'spotify-token-swap-consumer-'));
  const run = (command: string, args: string[], cwd = dir, env: Record<string, string> = {}) =>
    execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', ...env },
    });
  const write = (entries: Record<string, string>) => {
    for (const [name, text] of Object.entries(entries)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
  };
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root)) as [
    { filename: string; files: { path: string }[] },
  ];
  write({ 'package.json': JSON.stringify({ name: 'consumer', private: true, ...manifest }), ...files });
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed.filename), ...dependencies]);
  return {
    dir,
    files: packed.files.map((f) => f.path),
    installed: join(dir, 'node_modules', 'spotify-token-swap'),
    write,
    run,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
