import { defineConfig } from "vitest/config";

// Database tests open PGlite (wasm PostgreSQL) or PostgreSQL; give them room on a 2-core machine.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 2,
    globalSetup: ["tests/support/global-setup.ts"],
  },
});
