// The TypeScript examples of every page (the README, docs/, the server's README) type-check against the package as
// written; the testing page's examples are run by the package test, in a Jest of a user's own.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeBlocks } from '../helpers/markdown.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const pages = [
  'README.md',
  'packages/server/README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const blocks = pages.flatMap((page) => codeBlocks(readFileSync(join(root, page), 'utf8'), 'ts'));

it('has TypeScript examples to check', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(10);
});

it('type-checks every TypeScript example, each as a module of its own, against the package', () => {
  // Inside the project, so that express and the other packages the examples import resolve from its node_modules.
  const dir = mkdtempSync(join(root, '.readme-check-'));
  try {
    const files = blocks.map((block, index) => {
      const file = `example-${index + 1}.ts`;
      writeFileSync(join(dir, file), `${block}\nexport {};\n`);
      return file;
    });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          paths: {
            'spotify-token-swap': ['../src/index.ts'],
            'spotify-token-swap/testing': ['../src/testing/index.ts'],
            'spotify-token-swap/fetch': ['../src/fetch/index.ts'],
            'spotify-token-swap/lambda': ['../src/lambda/index.ts'],
            'spotify-token-swap/internal': ['../src/internal.ts'],
          },
        },
        files,
      }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    expect(output).toBe('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
