import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module). Node loads the CJS one for our dependencies
    // (Pothos, Yoga); Vite would pick the ESM one for our sources, and two copies of graphql
    // refuse each other's types. Point Vite at the one Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    include: ["tests/**/*.test.ts"],
    // Database tests open PGlite (wasm PostgreSQL) or PostgreSQL; give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 2,
    // Reuse each worker process for many test files instead of a fresh one per file: a worker then
    // migrates its PGlite template once (tests/support/db.ts), not once per file (several seconds
    // each). Safe because nothing leaks between files: src/ keeps no module state beyond per-request
    // WeakMaps and the cached wasm engine, tests neither mock modules nor change process.env, and each
    // file opens (and closes) its own databases.
    isolate: false,
    globalSetup: ["tests/support/global-setup.ts"],
  },
});
