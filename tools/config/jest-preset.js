/**
 * Shared jest settings for every @rlvr package: native ESM (webgpu and other dependencies are
 * ESM-only), TypeScript through @swc/jest, in-repo imports resolved to sources.
 */
import { fileURLToPath } from 'node:url';

const environment = fileURLToPath(new URL('./jest-environment.cjs', import.meta.url));

/** Build the jest config of one package; `displayName` is the package's name. */
export function jestConfig(displayName) {
  return {
    displayName,
    testEnvironment: environment,
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    moduleNameMapper: {
      // Sibling packages are tested against their sources, so `test` needs no prior build.
      '^@rlvr/([a-z-]+)$': '<rootDir>/../$1/src/index.ts',
      // Their subpath exports (`@rlvr/kernels/testing`) likewise: `./src/<subpath>/index.ts`.
      '^@rlvr/([a-z-]+)/([a-z-]+)$': '<rootDir>/../$1/src/$2/index.ts',
      // NodeNext-style `./x.js` specifiers point at `./x.ts` sources.
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    // A hang guard, not a speed bound: CI runs two packages' suites at once on 2 cores, and tests must
    // pass when other work shares those cores (a lavapipe test ran past 30 s so).
    testTimeout: 120_000,
  };
}
