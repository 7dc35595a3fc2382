import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { docker, removeTestObjects } from './helpers/docker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
    baseImage: string;
  }
}

const BASE = process.env.MNG_TEST_BASE_IMAGE ?? 'debian:bookworm-slim';
export const TEST_LABEL = 'mngtest.run';

/**
 * The suite needs a real Docker daemon and the bare base image; without them it fails here, loudly
 * (scripts/testbed.sh, run by `npm test`, provides both).
 */
export async function setup(project: TestProject) {
  const info = await docker(['info', '--format', '{{.ServerVersion}}'], { reject: false });
  if (info.exitCode !== 0) {
    throw new Error(
      `No Docker daemon answers (docker info: ${info.stderr.trim()}). Run 'npm test' (which runs scripts/testbed.sh) or start Docker.`,
    );
  }
  const base = await docker(['image', 'inspect', BASE], { reject: false });
  if (base.exitCode !== 0) {
    throw new Error(`The test base image ${BASE} is missing. Run scripts/testbed.sh first.`);
  }
  // Leftovers of an earlier run that was killed before its teardown. Only in CI, where no other run can be going on.
  if (process.env.CI) await removeTestObjects('mngtest-', TEST_LABEL);

  const runId = randomBytes(4).toString('hex');
  // A per-run base image (the bare base plus a label) gives this run its own prepared-image cache entry,
  // and the label marks every image made from it for removal at the end.
  const baseImage = `mngtest-base:${runId}`;
  await docker(['build', '-q', '-t', baseImage, '-'], { input: `FROM ${BASE}\nLABEL ${TEST_LABEL}=${runId}\n` });
  project.provide('runId', runId);
  project.provide('baseImage', baseImage);

  return async () => {
    await removeTestObjects(`mngtest-${runId}`, `${TEST_LABEL}=${runId}`);
  };
}
