import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';
import { DAEMON2, loadIntoDaemon2 } from './helpers/daemon2.js';
import { docker, removeTestObjects } from './helpers/docker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
    baseImage: string;
    preparedImage: string;
    daemon2: boolean;
  }
}

const BASE = process.env.MNG_TEST_BASE_IMAGE ?? 'debian:bookworm-slim';
export const TEST_LABEL = 'mngtest.run';
const MNG_BIN = resolve(import.meta.dirname, '../bin/mng.js');

/**
 * The suite needs a real Docker daemon and the bare base image; without them it fails here, loudly
 * (scripts/testbed.sh, run by `npm test`, provides both).
 *
 * Hosts start from the bare base image itself, so mng's prepared image of it (apt-get of openssh-server, tmux and git,
 * about 20 s) is made once per machine and kept, like the base image: the first run on a new machine makes it here,
 * before any test file starts, and later runs find it (mng's own cache, keyed by the base image's id). Everything else a
 * run makes is its own and goes at the end: containers, networks and volumes by name (`mngtest-<run id>-…`), images by
 * the label `mngtest.run=<run id>` (tests build their images from a labelled image, so what derives from them carries
 * it) and snapshots by name (`mng-snapshot/mngtest-<run id>-…`).
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
  const preparedImage = await preparedImageOf(BASE, runId);
  // The second daemon (remote-daemon tests) gets the same two images once per run; it keeps them, so this is quick
  // after the first run. It has no route out for apt-get, so mng could not prepare an image there itself.
  const daemon2 = (await docker(['info'], { env: { DOCKER_HOST: DAEMON2 }, reject: false })).exitCode === 0;
  if (daemon2) await loadIntoDaemon2([BASE, preparedImage]);
  else if (process.env.MNG_TESTBED_SECOND_DAEMON === '1') {
    throw new Error(`The second test daemon (${DAEMON2}) does not answer. Run scripts/testbed.sh first.`);
  }
  project.provide('runId', runId);
  project.provide('baseImage', BASE);
  project.provide('preparedImage', preparedImage);
  project.provide('daemon2', daemon2);

  return async () => {
    await removeTestObjects(`mngtest-${runId}`, `${TEST_LABEL}=${runId}`, `mng-snapshot/mngtest-${runId}-*`);
    if (daemon2) {
      await removeTestObjects(`mngtest-${runId}`, `${TEST_LABEL}=${runId}`, `mng-snapshot/mngtest-${runId}-*`, {
        DOCKER_HOST: DAEMON2,
      });
    }
  };
}

/**
 * mng's prepared image of `base` (`mng-prepared:<base id>-g-<files hash>`), made by the built mng itself: a host is
 * created from it (the first time, that prepares the image) and removed again.
 */
async function preparedImageOf(base: string, runId: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mngtest-setup-'));
  const prefix = `mngtest-${runId}-setup-`;
  try {
    mkdirSync(join(dir, 'config', 'mng'), { recursive: true });
    writeFileSync(join(dir, 'config', 'mng', 'config.toml'), `[providers.docker]\ndefault_image = "${base}"\n`);
    const env = {
      HOME: dir,
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'),
      MNG_PREFIX: prefix,
      NO_COLOR: '1',
    };
    const r = await execa(MNG_BIN, ['create', 'warm', '--no-connect', '--idle-timeout', '0'], { env, reject: false });
    if (r.exitCode !== 0) throw new Error(`mng create of the warm-up host failed (${r.exitCode}): ${r.stderr}`);
    return (await docker(['container', 'inspect', '--format', '{{.Config.Image}}', `${prefix}warm`])).stdout.trim();
  } finally {
    await removeTestObjects(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}
