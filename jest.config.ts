// Jest runs the TypeScript sources as ES modules through ts-jest (started with --experimental-vm-modules).
import type { Config } from 'jest';

const config: Config = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The recipes in examples/ import the package by name, as users do: here, its sources.
    '^spotify-token-swap/(fetch|lambda)$': '<rootDir>/src/$1/index.ts',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  globalSetup: '<rootDir>/test/global-setup.mjs',
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  testTimeout: 20_000,
};

export default config;
