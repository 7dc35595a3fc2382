import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Pure modules: no docker, no network.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        // The built binary against a real Docker daemon. The global setup fails the run loudly when there is none.
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
