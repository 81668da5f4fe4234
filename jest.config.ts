// Jest runs the TypeScript sources as ES modules through ts-jest (started with --experimental-vm-modules).
import type { Config } from 'jest';

const config: Config = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/packages/server/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The recipes in examples/ and the server's package import the library by name, as users do: here, its sources.
    '^spotify-token-swap$': '<rootDir>/src/index.ts',
    '^spotify-token-swap/(fetch|lambda|testing)$': '<rootDir>/src/$1/index.ts',
    '^spotify-token-swap/internal$': '<rootDir>/src/internal.ts',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  globalSetup: '<rootDir>/test/global-setup.mjs',
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  testTimeout: 20_000,
};

export default config;
