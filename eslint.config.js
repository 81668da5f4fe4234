// Lint rules: the recommended sets plus the type-aware checks that catch promises nobody awaits.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'packages/*/dist/',
      'coverage/',
      '.pack-test/',
      'node_modules/',
      'bench/.prof/',
      '.readme-check-*/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // supertest hands bodies back as `any`; the assertions are the type check there.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'packages/*/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  // The portable core and the Fetch and Lambda doors run in Workers, Deno and Bun: web APIs only, and nothing of the
  // Node door (the router, its body reader, its cipher) but through the core. The Fetch handler's Node entry, which
  // only the `node` export condition reaches, is the one exception.
  ...[
    {
      files: ['src/core/*.ts', 'src/fetch/*.ts', 'src/lambda/*.ts'],
      ignores: ['src/fetch/node.ts'],
      outside: ['../*.js', '../node/*', '../server/*', '!../core/*.js', '!../fetch/*.js'],
    },
    { files: ['src/core/handlers/*.ts'], ignores: [], outside: ['../../*.js', '../../*/*'] },
  ].map(({ files, ignores, outside }) => ({
    files,
    ignores,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'buffer', 'crypto', 'http', 'querystring', 'timers', 'timers/*', 'undici', 'express'],
              message: 'The portable core and the Fetch and Lambda doors use web APIs only.',
            },
            { group: outside, message: 'Only the core is shared with the Node door.' },
          ],
        },
      ],
    },
  })),
  // Deno's and Bun's recipes are type-checked by their own runtimes, which know Deno and Bun.
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs', 'examples/deno/*.ts', 'examples/bun/*.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  { files: ['**/*.js', '**/*.cjs', '**/*.mjs'], languageOptions: { globals: globals.node } },
  // The check page's script runs in the browser.
  { files: ['packages/server/src/check/*.js'], languageOptions: { globals: globals.browser } },
);
