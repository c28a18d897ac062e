import { defineConfig } from 'vitest/config';

// Integration tests start real processes (redis-server, gst-launch-1.0) and open an embedded
// ClickHouse (chDB) per test file; chDB allows one data directory per process, so test files run
// in separate forks. Two forks match the 2-core reference machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    // In-process pipeline logs would drown the report; CLI tests set their own level.
    env: { LOG_LEVEL: 'silent' },
  },
});
