import { execa } from 'execa';
import { inject } from 'vitest';
import { docker } from './docker.js';
import type { Sandbox } from './sandbox.js';

/** The second, separate Docker daemon that scripts/testbed.sh starts (MNG_TESTBED_SECOND_DAEMON=1) for remote-daemon tests. */
export const DAEMON2 = `tcp://127.0.0.1:${process.env.MNG_TEST_DAEMON2_PORT ?? '23750'}`;

/** The real docker CLI against the second daemon. */
export function d2(args: string[], reject = true) {
  return docker(args, { env: { DOCKER_HOST: DAEMON2 }, reject });
}

/**
 * Give the second daemon these images of the local daemon, unless it has them already (same image id): `docker save |
 * docker load`. The global setup loads the base image and its prepared image once per run.
 */
export async function loadIntoDaemon2(images: string[]): Promise<void> {
  const id = async (image: string, env?: Record<string, string>) =>
    (await docker(['image', 'inspect', '--format', '{{.Id}}', image], { env, reject: false })).stdout.trim();
  const missing: string[] = [];
  for (const image of images) {
    if ((await id(image, { DOCKER_HOST: DAEMON2 })) !== (await id(image))) missing.push(image);
  }
  if (missing.length === 0) return;
  await execa('sh', ['-c', 'docker save "$@" | DOCKER_HOST="$0" docker load', DAEMON2, ...missing]);
}

/** The second daemon has this run's base and prepared images (the global setup loaded them); fails clearly if not. */
export function requireDaemon2(): void {
  if (!inject('daemon2')) {
    throw new Error(
      `The second test daemon (${DAEMON2}) does not answer: run scripts/testbed.sh with MNG_TESTBED_SECOND_DAEMON=1`,
    );
  }
}

/** Remove this sandbox's containers (and anonymous volumes) from the second daemon. */
export async function cleanDaemon2(sb: Sandbox): Promise<void> {
  const ids = (await d2(['ps', '-aq', '--filter', `name=${sb.prefix}`], false)).stdout.split('\n').filter(Boolean);
  if (ids.length) await d2(['rm', '-f', '-v', ...ids], false);
}
