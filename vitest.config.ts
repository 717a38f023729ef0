import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Unit and property tests: `spec/**\/*.spec.ts`, and the example tests users
 * copy, `examples/**\/*.test.ts`. The interop suite (real peers in a network
 * namespace, `npm run test:interop`) and the benchmarks (`npm run bench`)
 * have their own runners and are kept out of `vitest run`.
 */
export default defineConfig({
  // Examples import the package by its public names, as a user's code would; here they mean the sources.
  resolve: {
    alias: [
      { find: /^rx-ice\/operators$/, replacement: source('./operators/index.ts') },
      { find: /^rx-ice\/testing$/, replacement: source('./lib/testing/index.ts') },
      { find: /^rx-ice$/, replacement: source('./lib/index.ts') },
    ],
  },
  test: {
    include: ['spec/**/*.spec.ts', 'examples/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'spec/interop/**', 'spec/bench/**'],
    environment: 'node',
    pool: 'forks',
    // Wall-clock bounds are hang guards only, never assertions: the suite must pass on a busy machine
    // (issue #10). Virtual-time tests finish in seconds when idle but are CPU-bound, and a test over
    // real UDP may legitimately need the PAC timer (39.5 s) to conclude; 60 s covers both. Tests that
    // also start processes (tsx compiles on start) set their own, longer bounds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 10_000,
    // Fail loudly on a stray `.only` in CI instead of silently running a subset.
    allowOnly: !process.env.CI,
  },
});
