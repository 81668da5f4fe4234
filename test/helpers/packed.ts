// The packages as users get them: packed with npm and installed into a project of its own, outside this one, so that
// a dependency declared in the wrong place (or not at all) fails. Everything they need is in npm's cache from
// installing this project. Both builds were made by the global setup.
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
  /** Where the library was installed. */
  installed: string;
  /** How many packages the install put in node_modules, the library (and the server) included. */
  packages: number;
  /** Writes files under the consumer, making folders as needed. */
  write(files: Record<string, string>): void;
  /** Runs a program there (or in `cwd`) with NODE_OPTIONS cleared, and gives back its stdout. */
  run(command: string, args: string[], cwd?: string, env?: Record<string, string>): string;
  remove(): void;
}

export interface InstallOptions {
  /** Installed beside the tarballs. */
  dependencies?: readonly string[];
  /** Written first (a stand-in package folder, say). */
  files?: Record<string, string>;
  /** Merged into the project's package.json. */
  manifest?: Record<string, unknown>;
  /** Pack and install the standalone server's package too. */
  server?: boolean;
}

/** Packs the library (and the server's package) and installs the tarballs together into a new project. */
export function installPacked({
  dependencies = [],
  files = {},
  manifest = {},
  server = false,
}: InstallOptions = {}): Consumer {
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
  const pack = (folder: string) =>
    (
      JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], folder)) as [
        { filename: string; files: { path: string }[] },
      ]
    )[0];
  const packed = pack(root);
  const tarballs = [packed, ...(server ? [pack(join(root, 'packages', 'server'))] : [])];
  write({ 'package.json': JSON.stringify({ name: 'consumer', private: true, ...manifest }), ...files });
  const install = ['install', '--prefer-offline', '--no-audit', '--no-fund'];
  run('npm', [...install, ...tarballs.map((tarball) => join(dir, tarball.filename)), ...dependencies]);
  const listed = run('npm', ['ls', '--all', '--parseable']).trim().split('\n');
  return {
    dir,
    files: packed.files.map((f) => f.path),
    installed: join(dir, 'node_modules', 'spotify-token-swap'),
    // The first line is the project itself.
    packages: listed.length - 1,
    write,
    run,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
