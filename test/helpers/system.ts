// Tests that need a program npm does not install (redis-server, curl, openssl, chromium): skipped with one line saying what to
// install, so that `npm install && npm test` passes anywhere, unless REQUIRE_SYSTEM_TESTS=1 (set by .ci/run), where a
// missing program fails them instead.
import { spawnSync } from 'node:child_process';

/** The Debian package of each program. */
const PACKAGES: Readonly<Record<string, string>> = {
  'redis-server': 'redis-server',
  curl: 'curl',
  openssl: 'openssl',
  chromium: 'chromium',
};

export const hasProgram = (program: string): boolean =>
  spawnSync('sh', ['-c', 'command -v "$0"', program], { stdio: 'ignore' }).status === 0;

const required = () => process.env.REQUIRE_SYSTEM_TESTS === '1';

/** The programs of `programs` that are missing, after printing the one-line notice when they are to be skipped. */
function missing(programs: readonly string[], name: string): string[] {
  const absent = programs.filter((program) => !hasProgram(program));
  if (absent.length > 0 && !required()) {
    const install = absent.map((program) => PACKAGES[program] ?? program).join(' ');
    process.stderr.write(`skipped "${name}": needs ${absent.join(', ')} (Debian: apt-get install ${install})\n`);
  }
  return absent;
}

const failing = (absent: string[]) => () => {
  throw new Error(`REQUIRE_SYSTEM_TESTS=1, but ${absent.join(', ')} is not installed`);
};

/** `describe`, skipped when a program is missing (or failing, under REQUIRE_SYSTEM_TESTS=1). */
export function describeNeeding(programs: readonly string[], name: string, body: () => void): void {
  const absent = missing(programs, name);
  if (absent.length === 0) describe(name, body);
  else if (required()) describe(name, () => it(`has ${absent.join(', ')}`, failing(absent)));
  else describe.skip(name, body);
}

/** `it`, skipped when a program is missing (or failing, under REQUIRE_SYSTEM_TESTS=1). */
export function itNeeding(
  programs: readonly string[],
  name: string,
  test: () => Promise<void>,
  timeout?: number,
): void {
  const absent = missing(programs, name);
  if (absent.length === 0) it(name, test, timeout);
  else if (required()) it(name, failing(absent));
  else it.skip(name, test);
}
