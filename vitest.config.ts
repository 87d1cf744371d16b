import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Deadlines, not measurements: they only turn a hang into a failure, so they are sized for
    // a loaded 2-core machine (tests/helpers/wait.ts DEADLINE_MS); no test asserts a duration.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    expect: { poll: { timeout: 30_000 } },
    // Integration tests start real servers and child processes: keep the 2-core machine calm.
    maxWorkers: 2,
  },
});
