import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Integration tests drive a real Docker daemon: generous limits, files in parallel on the machine's cores.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    reporters: ['default'],
  },
});
