// What is published: the library's packed tarball, installed into an app of its own (beside redis@4), and loaded every
// way users load it: Node ESM and CommonJS, Jest's default CommonJS mode and its ESM mode, TypeScript with each module
// resolution; and alone in an empty project, with what it brings. The server's package has its own package test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeBlocks } from '../helpers/markdown.js';
import { installPacked, root, type Consumer } from '../helpers/packed.js';

let packed: Consumer;
let consumer: string;
let installed: string;
let files: string[];
const write = (entries: Record<string, string>) => packed.write(entries);
const run = (command: string, args: string[], cwd = consumer, env: Record<string, string> = {}) =>
  packed.run(command, args, cwd, env);

// The redis@4 beside it is a stand-in folder, so no further download is needed.
beforeAll(() => {
  packed = installPacked({
    dependencies: ['./redis4', '@types/express@^5', '@types/node@^20'],
    files: {
      // An app that already uses node-redis 4: the router never touches Redis, so it must install beside it.
      'redis4/package.json': JSON.stringify({ name: 'redis', version: '4.7.0', main: 'index.js' }),
      'redis4/index.js': 'module.exports = {};\n',
    },
  });
  ({ dir: consumer, installed, files } = packed);
}, 120_000);

afterAll(() => packed?.remove());

/**
 * Type-checks `source` as a TypeScript project of its own in the consumer, strict and with the libraries' types checked
 * too (no skipLibCheck), against the installed package and @types/node.
 */
function typeChecks(
  folder: string,
  type: 'module' | 'commonjs',
  file: string,
  source: string,
  compilerOptions: Record<string, unknown>,
): void {
  write({
    [`${folder}/package.json`]: JSON.stringify({ name: folder, private: true, type }),
    [`${folder}/${file}`]: source,
    [`${folder}/tsconfig.json`]: JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(consumer, 'node_modules', '@types')],
        ...compilerOptions,
      },
      files: [file],
    }),
  });
  expect(() =>
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], join(consumer, folder)),
  ).not.toThrow();
}

it('packs both builds, their types and the README, and nothing else', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      'package.json',
      'README.md',
      'dist/esm/index.js',
      'dist/esm/index.d.ts',
      'dist/esm/testing/index.js',
      'dist/esm/testing/index.d.ts',
      'dist/esm/fetch/index.js',
      'dist/esm/fetch/index.d.ts',
      'dist/esm/lambda/index.js',
      'dist/esm/lambda/index.d.ts',
      'dist/esm/fetch/node.js',
      'dist/cjs/package.json',
      'dist/cjs/index.js',
      'dist/cjs/index.d.ts',
      'dist/cjs/testing/index.js',
      'dist/cjs/testing/index.d.ts',
      'dist/cjs/fetch/index.js',
      'dist/cjs/fetch/index.d.ts',
      'dist/cjs/lambda/index.js',
      'dist/cjs/lambda/index.d.ts',
      'docs/CONTRACT.md',
    ]),
  );
  expect(
    files.filter(
      (f) =>
        !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|docs\/(decisions\/)?[A-Za-z-]+\.md|examples\/.*|dist\/.*)$/.test(
          f,
        ),
    ),
  ).toEqual([]);
});

it('installs beside redis@4: no peer range of Redis to conflict with', () => {
  expect(JSON.parse(readFileSync(join(consumer, 'node_modules', 'redis', 'package.json'), 'utf8')).version).toBe(
    '4.7.0',
  );
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  expect(Object.keys(manifest.peerDependencies)).toEqual(['express']);
});

it("ships declarations for its entries that import no Express types: the README's node:http example compiles without them", () => {
  const entries = files.filter((f) => f.endsWith('.d.ts') && !/\/(server\/|cli\.d\.ts$)/.test(f));
  for (const file of entries) {
    expect({ file, express: /from ['"]express['"]/.test(readFileSync(join(installed, file), 'utf8')) }).toEqual({
      file,
      express: false,
    });
  }
  const example = codeBlocks(readFileSync(join(root, 'README.md'), 'utf8'), 'ts').find((block) =>
    block.includes("from 'node:http'"),
  );
  expect(example).toBeDefined();
  typeChecks('ts-node-http', 'module', 'server.ts', example!, { module: 'NodeNext' });
}, 60_000);

it('ships every document its files cite: a .md path in a shipped file is shipped too, or a Markdown link there', () => {
  const cited = files
    .filter((file) => /\.(js|d\.ts|html|css|md)$/.test(file))
    .flatMap((file) => {
      const text = readFileSync(join(installed, file), 'utf8');
      const linked = new Set([...text.matchAll(/\]\(([^)#\s]+\.md)(?:#[^)\s]*)?\)/g)].map((match) => match[1]!));
      return [...text.matchAll(/(?<![\w/.-])((?:[\w-]+\/)*[\w-]+\.md)\b/g)]
        .map((match) => match[1]!)
        .filter((cites) => !linked.has(cites))
        .map((cites) => ({ file, cites }));
    });
  expect(cited.filter(({ cites }) => !files.includes(cites))).toEqual([]);
});

/** A real swap through node:http against the packaged mock Spotify, as a module of either kind. */
const swapScript = (load: string) => `${load}
if (tokenSwap !== named || typeof plaintextRefreshTokens.encrypt !== 'function') throw new Error('exports');
async function main() {
  const spotify = await createMockSpotify();
  const router = tokenSwap({
    clientId: spotify.clientId, clientSecret: spotify.clientSecret, redirectUri: 'app://cb', accountsUrl: spotify.url,
    hooks: { refreshTokenCipher: aesGcmCipher('package-test-secret-of-32-characters') },
  });
  const server = createServer((req, res) => router(req, res, () => res.writeHead(404).end())).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/swap', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code: spotify.issueCode({ redirectUri: 'app://cb' }) }),
  });
  const body = await res.json();
  server.closeAllConnections(); server.close(); await spotify.close();
  return res.status + ' ' + Object.keys(body).join(',');
}
`;
const SWAPPED = '200 access_token,token_type,scope,expires_in,refresh_token,refresh_token_expires_in';

const esmSwap =
  swapScript(`import tokenSwap, { tokenSwap as named, aesGcmCipher, plaintextRefreshTokens } from 'spotify-token-swap';
import { createMockSpotify } from 'spotify-token-swap/testing';
import { createServer } from 'node:http';`);
const cjsSwap =
  swapScript(`const { default: tokenSwap, tokenSwap: named, aesGcmCipher, plaintextRefreshTokens } = require('spotify-token-swap');
const { createMockSpotify } = require('spotify-token-swap/testing');
const { createServer } = require('node:http');`);

it('works from an ES module in Node', () => {
  write({ 'node/esm.mjs': `${esmSwap}\nconsole.log(await main());\n` });
  expect(run('node', ['node/esm.mjs']).trim()).toBe(SWAPPED);
});

it('works from CommonJS in Node, with require() of the CommonJS build', () => {
  write({
    'node/cjs.cjs': `${cjsSwap}\nmain().then(console.log);\nconsole.log(require.resolve('spotify-token-swap'));\n`,
  });
  const [resolved, result] = run('node', ['node/cjs.cjs']).trim().split('\n');
  expect(resolved).toMatch(/dist\/cjs\/index\.js$/);
  expect(result).toBe(SWAPPED);
});

it('loads spotify-token-swap/fetch and /lambda from an ES module and from CommonJS, /fetch as its Node build', () => {
  // On Node the `node` condition picks the build that seals with node:crypto: its cipher answers at once, where
  // WebCrypto's answers with a promise.
  const check = `console.log([typeof tokenSwapHandler, typeof lambdaHandler,
  typeof aesGcmCipher('a-test-secret-that-is-long-enough-1').encrypt('token')].join());\n`;
  write({
    'node/doors.mjs': `import { tokenSwapHandler, aesGcmCipher } from 'spotify-token-swap/fetch';
import { lambdaHandler } from 'spotify-token-swap/lambda';
${check}console.log(import.meta.resolve('spotify-token-swap/fetch'));\n`,
    'node/doors.cjs': `const { tokenSwapHandler, aesGcmCipher } = require('spotify-token-swap/fetch');
const { lambdaHandler } = require('spotify-token-swap/lambda');
${check}console.log(require.resolve('spotify-token-swap/fetch'));\n`,
  });
  const [esm, esmPath] = run('node', ['node/doors.mjs']).trim().split('\n');
  expect(esm).toBe('function,function,string');
  expect(esmPath).toMatch(/dist\/esm\/fetch\/node\.js$/);
  const [cjs, cjsPath] = run('node', ['node/doors.cjs']).trim().split('\n');
  expect(cjs).toBe('function,function,string');
  expect(cjsPath).toMatch(/dist\/cjs\/fetch\/node\.js$/);
});

describe("in a user's Jest", () => {
  const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');

  it('in its default CommonJS mode', () => {
    write({
      'jest-cjs/package.json': JSON.stringify({ name: 'jest-cjs', private: true }),
      'jest-cjs/jest.config.json': JSON.stringify({ testEnvironment: 'node', transform: {} }),
      'jest-cjs/swap.test.js': `${cjsSwap}\ntest('swaps', async () => expect(await main()).toBe('${SWAPPED}'));\n`,
    });
    expect(() =>
      run(process.execPath, [jest, '--ci', '--config', 'jest.config.json'], join(consumer, 'jest-cjs')),
    ).not.toThrow();
  }, 60_000);

  it('in its ES module mode', () => {
    write({
      'jest-esm/package.json': JSON.stringify({ name: 'jest-esm', private: true, type: 'module' }),
      'jest-esm/jest.config.json': JSON.stringify({ testEnvironment: 'node', transform: {} }),
      'jest-esm/swap.test.js': `import { expect, test } from '@jest/globals';\n${esmSwap}\ntest('swaps', async () => expect(await main()).toBe('${SWAPPED}'));\n`,
    });
    expect(() =>
      run(process.execPath, [jest, '--ci', '--config', 'jest.config.json'], join(consumer, 'jest-esm'), {
        NODE_OPTIONS: '--experimental-vm-modules',
        NODE_PATH: join(root, 'node_modules'),
      }),
    ).not.toThrow();
  }, 60_000);
});

describe("runs the testing page's examples as written, in a user's Jest", () => {
  const readme = () => readFileSync(join(root, 'docs', 'testing.md'), 'utf8');
  it.each([
    ['its ES module mode', 'js', 'module', { NODE_OPTIONS: '--experimental-vm-modules' }],
    ['its default CommonJS mode, with supertest', 'cjs', 'commonjs', {}],
  ] as const)(
    'in %s',
    (_name, language, type, env) => {
      const example = codeBlocks(readme(), language).find((block) => block.includes('spotify-token-swap/testing'));
      expect(example).toBeDefined();
      const folder = `readme-example-${type}`;
      write({
        [`${folder}/package.json`]: JSON.stringify({ name: folder, private: true, type }),
        [`${folder}/jest.config.json`]: JSON.stringify({ testEnvironment: 'node', transform: {} }),
        [`${folder}/spotify.test.js`]: example!,
      });
      expect(() =>
        run(
          process.execPath,
          [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--config', 'jest.config.json'],
          join(consumer, folder),
          { ...env, NODE_PATH: join(root, 'node_modules') },
        ),
      ).not.toThrow();
    },
    60_000,
  );
});

describe('type-checks a TypeScript consumer', () => {
  const consumerSource = (imports: string) => `${imports}
const cipher: RefreshTokenCipher = aesGcmCipher(['package-test-secret-of-32-characters']);
const log = (event: TokenSwapEvent): void => void event.status;
const options: TokenSwapOptions = { clientId: 'id', clientSecret: 'secret', redirectUri: 'app://cb', hooks: { refreshTokenCipher: cipher, logger: { info: log, warn: log, error: log } } };
express().use('/spotify', tokenSwap(options));
const fault: MockFault = { type: 'rateLimit', retryAfter: 3 };
void createMockSpotify().then((spotify) => spotify.fail(fault));
// @ts-expect-error: the cipher hook is required
tokenSwap({ clientId: 'id', clientSecret: 'secret', redirectUri: 'app://cb', hooks: {} });
const handler: TokenSwapHandler = tokenSwapHandler({
  clientId: 'id', clientSecret: 'secret', redirectUri: 'app://cb', basePath: '/spotify',
  hooks: { refreshTokenCipher: webCipher(['package-test-secret-of-32-characters']), rateLimit: () => ({ allowed: true }) },
});
export const lambda = lambdaHandler(handler);
`;
  const esmImports = `import express from 'express';
import { tokenSwap, aesGcmCipher, type TokenSwapOptions, type TokenSwapEvent, type RefreshTokenCipher } from 'spotify-token-swap';
import { createMockSpotify, type MockFault } from 'spotify-token-swap/testing';
import { tokenSwapHandler, aesGcmCipher as webCipher, type TokenSwapHandler } from 'spotify-token-swap/fetch';
import { lambdaHandler } from 'spotify-token-swap/lambda';`;
  const cjsImports = `import express = require('express');
import { tokenSwap, aesGcmCipher, type TokenSwapOptions, type TokenSwapEvent, type RefreshTokenCipher } from 'spotify-token-swap';
import { createMockSpotify, type MockFault } from 'spotify-token-swap/testing';
import { tokenSwapHandler, aesGcmCipher as webCipher, type TokenSwapHandler } from 'spotify-token-swap/fetch';
import { lambdaHandler } from 'spotify-token-swap/lambda';`;

  it.each([
    ['node10, CommonJS', { module: 'CommonJS', moduleResolution: 'Node10' }, 'commonjs', cjsImports],
    ['node16, a CommonJS project', { module: 'Node16', moduleResolution: 'Node16' }, 'commonjs', cjsImports],
    ['node16, an ES module project', { module: 'Node16', moduleResolution: 'Node16' }, 'module', esmImports],
    ['bundler', { module: 'ESNext', moduleResolution: 'Bundler' }, 'module', esmImports],
  ] as const)(
    'with %s',
    (name, resolution, type, imports) => {
      const folder = `ts-${name.replace(/\W+/g, '-')}`;
      typeChecks(folder, type, 'consumer.ts', consumerSource(imports), { ...resolution, esModuleInterop: true });
    },
    60_000,
  );
});

describe('alone in an empty project', () => {
  let alone: Consumer;
  beforeAll(() => {
    alone = installPacked();
  }, 120_000);
  afterAll(() => alone?.remove());

  it('brings one package besides itself: undici, for the router and the Fetch handler on Node', () => {
    expect(alone.packages).toBeLessThanOrEqual(2);
    expect(
      alone
        .run('npm', ['ls', '--all', '--parseable'])
        .trim()
        .split('\n')
        .slice(1)
        .map((path) => path.split('node_modules/').at(-1)),
    ).toEqual(['spotify-token-swap', 'undici']);
  });

  it('serves every door with no Express installed: the router on node:http, /fetch and /lambda', () => {
    alone.write({
      'doors.mjs': `import { createServer } from 'node:http';
import { tokenSwap, plaintextRefreshTokens } from 'spotify-token-swap';
import { tokenSwapHandler } from 'spotify-token-swap/fetch';
import { lambdaHandler } from 'spotify-token-swap/lambda';
const options = { clientId: 'id', clientSecret: 'secret', redirectUri: 'myapp://callback', hooks: { refreshTokenCipher: plaintextRefreshTokens } };
const router = tokenSwap(options);
const server = createServer((req, res) => router(req, res, () => res.writeHead(404).end())).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const routerAnswer = await fetch('http://127.0.0.1:' + server.address().port + '/swap', { method: 'POST' });
server.close();
const handler = tokenSwapHandler(options);
const lambdaAnswer = await lambdaHandler(handler)({ rawPath: '/swap', requestContext: { http: { method: 'POST' } } });
console.log([routerAnswer.status, (await handler(new Request('http://h/swap', { method: 'POST' }))).status, lambdaAnswer.statusCode].join());
`,
    });
    expect(alone.run('node', ['doors.mjs']).trim()).toBe('400,400,400');
  });

  it("makes the Lambda recipe's upload, zipped with node_modules as its comment says, under 1 MB, and it answers", () => {
    alone.write({ 'lambda/index.mjs': readFileSync(join(root, 'examples', 'lambda', 'index.mjs'), 'utf8') });
    alone.run('cp', ['-r', 'node_modules', 'lambda/node_modules']);
    // zip -r function.zip index.mjs node_modules, with Python's zipfile where no zip program is installed.
    const zip = `import os, zipfile
with zipfile.ZipFile('function.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    for folder, _, names in os.walk('.'):
        for name in names:
            if name != 'function.zip': z.write(os.path.join(folder, name))
print(os.path.getsize('function.zip'))`;
    const bytes = Number(alone.run('python3', ['-c', zip], join(alone.dir, 'lambda')));
    expect(bytes).toBeLessThan(1_000_000);
    const answer = alone.run(
      'node',
      [
        '--input-type=module',
        '-e',
        `const { handler } = await import('./index.mjs');
const result = await handler({ rawPath: '/swap', requestContext: { domainName: 'fn.example', http: { method: 'POST' } } });
console.log(result.statusCode, JSON.parse(result.body).error);`,
      ],
      join(alone.dir, 'lambda'),
      {
        SPOTIFY_CLIENT_ID: 'id',
        SPOTIFY_CLIENT_SECRET: 'secret',
        SPOTIFY_REDIRECT_URI: 'myapp://callback',
        TOKEN_ENCRYPTION_SECRETS: 'a-test-secret-that-is-long-enough-1',
      },
    );
    expect(answer.trim()).toBe('400 invalid_request');
  });
});
