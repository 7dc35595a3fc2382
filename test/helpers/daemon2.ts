import { execa } from 'execa';
import { docker, inspectContainer } from './docker.js';
import type { Sandbox } from './sandbox.js';

/** The second, separate Docker daemon that scripts/testbed.sh starts (MNG_TESTBED_SECOND_DAEMON=1) for remote-daemon tests. */
export const DAEMON2 = `tcp://127.0.0.1:${process.env.MNG_TEST_DAEMON2_PORT ?? '23750'}`;

/** The real docker CLI against the second daemon. */
export function d2(args: string[], reject = true) {
  return docker(args, { env: { DOCKER_HOST: DAEMON2 }, reject });
}

/**
 * Give the second daemon this run's base and prepared images: it has no network route for apt-get, so mng's image
 * preparation cannot run there. Makes host `warmName` on the local daemon to have the prepared image.
 */
export async function loadRunImagesIntoDaemon2(sb: Sandbox, warmName: string): Promise<void> {
  await sb.create(warmName);
  const prepared = (await inspectContainer(sb.container(warmName))).Config.Image;
  await execa('sh', ['-c', `docker save ${prepared} ${sb.baseImage} | DOCKER_HOST=${DAEMON2} docker load`]);
}

/** Remove this sandbox's containers and this run's images from the second daemon. */
export async function cleanDaemon2(sb: Sandbox): Promise<void> {
  const ids = (await d2(['ps', '-aq', '--filter', `name=${sb.prefix}`], false)).stdout.split('\n').filter(Boolean);
  if (ids.length) await d2(['rm', '-f', ...ids], false);
  const imgs = (await d2(['images', '-q', '--filter', `label=mngtest.run=${sb.runId}`], false)).stdout
    .split('\n')
    .filter(Boolean);
  if (imgs.length) await d2(['rmi', '-f', ...new Set(imgs)], false);
}
