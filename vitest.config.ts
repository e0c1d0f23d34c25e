import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts", "tests/e2e/**/*.test.ts", "tests/reliability/**/*.test.ts"],
    // Installs (or names) the Debian packages the tests need before any test runs.
    globalSetup: ["tests/setup/debian-packages.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // tfjs keeps global engine state per process; isolate files in forks.
    pool: "forks",
  },
});
