import { defineConfig } from 'vitest/config';

/**
 * Files run in parallel: the integration tests mostly wait on docker and ssh, so more files than cores keep both
 * cores busy (vitest's default is one worker fewer than the cores, one on a 2-core machine). Every file has its own
 * sandbox (`mngtest-<run>-<file>-` names, its own data folder and config), so files do not see each other's hosts;
 * what they share (the daemons, the prepared images, host ports) is described in test/global-setup.ts.
 * MNG_TEST_WORKERS overrides the number (1 runs the files one after another).
 */
const workers = Number(process.env.MNG_TEST_WORKERS ?? 4);

export default defineConfig({
  test: {
    projects: [
      {
        // Pure modules: no docker, no network.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], maxWorkers: workers },
      },
      {
        // The built binary against a real Docker daemon. The global setup fails the run loudly when there is none.
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          pool: 'forks',
          maxWorkers: workers,
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
