// The README's TypeScript examples type-check against the package as written; its testing example is run by the
// package test, in a Jest of a user's own.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeBlocks } from '../helpers/markdown.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const readme = readFileSync(join(root, 'README.md'), 'utf8');

it('has TypeScript examples to check', () => {
  expect(codeBlocks(readme, 'ts').length).toBeGreaterThanOrEqual(5);
});

it('type-checks every TypeScript example, each as a module of its own, against the package', () => {
  // Inside the project, so that express and the other packages the examples import resolve from its node_modules.
  const dir = mkdtempSync(join(root, '.readme-check-'));
  try {
    const blocks = codeBlocks(readme, 'ts');
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
