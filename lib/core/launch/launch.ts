// Launching a container as a host, shared by create and start --snapshot: docker run (or docker create, what goes in
// first, docker start), the boot until sshd answers, and then, for a replacement, the swap with the old container.
// Any failure or Ctrl-C before the end removes what this attempt made. After a successful launch or start, the host's
// record (and its ssh entry) is written here, in one place.

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInspectArgs, buildListIdsArgs, buildRemoveArgs, buildRenameArgs } from '../../docker/args.js';
import { type Daemon, daemonIdentity } from '../../docker/daemon.js';
import { dockerError, dockerReason } from '../../docker/errors.js';
import { parseContainerInspect, parseIdLines } from '../../docker/inspect.js';
import type { DockerResult } from '../../docker/runner.js';
import { InterruptedError, MngError } from '../../errors.js';
import type { SshEndpoint } from '../../ssh/args.js';
import { removeHostFiles } from '../../ssh/config.js';
import type { DeliverOptions, DeliveryLabels } from '../agents/boot.js';
import type { ContainerFile } from '../container/scripts.js';
import type { Core } from '../core.js';
import { writeRecord } from '../hosts/record.js';
import { type Host, startedSshRoute } from '../model/host.js';
import type { LaunchArgv } from './argv.js';
import { type Booted, bootContainer } from './boot.js';
import { withStateDir } from './state-dir.js';

/**
 * How to find what one launch attempt made, to remove it when the launch fails: by its unique id label (create:
 * an existing host of the same name is never touched), or by its unique temporary name (start --snapshot, whose
 * new container shares the host's id with the old one).
 */
export type LaunchAttempt = { label: string; value: string } | { name: string };

export interface LaunchSpec {
  daemon: Daemon;
  /** the agent's name, for messages */
  name: string;
  /** the host's id (its mng.id label) */
  hostId: string;
  /** the name the container is made under: the host's, or a temporary one for a replacement */
  containerName: string;
  /** the host's container name, which a replacement takes once the old container is gone */
  finalName: string;
  /** the host's ssh alias (see sshAlias): its pinned key, record and Host entry */
  alias: string;
  /** a new host (create): it makes its own host key at its first boot; mng reads it and pins it under `alias` */
  newHostKey?: boolean;
  /** the docker commands (planLaunch): create from the prepared image or a snapshot, with the labels and start args */
  argv: LaunchArgv;
  /** the image as the user knows it, for messages */
  imageForMessages: string;
  /** make the image when `docker create` says it is missing (create: mng's prepared image), then create again */
  makeMissingImage?: () => Promise<void>;
  /** make mng's network when `docker start` (boot) says it is missing: the first host on a daemon */
  makeMissingNetwork?: () => Promise<void>;
  /** what goes into the container's /mng before its first start (start --snapshot) */
  files?: ContainerFile[];
  /** more to copy into the created container before its first start (create --from: the user's files) */
  beforeStart?: () => Promise<void>;
  sshUser: string;
  sshTimeoutSeconds: number;
  attempt: LaunchAttempt;
  /** start --snapshot: the container this one replaces, removed once the new one answers ssh, which takes its name */
  replaces?: string;
  /** a coding agent's delivery at this first start (see core/agents/boot.ts) */
  deliver?: DeliverOptions & { labels?: DeliveryLabels };
}

/** Remove whatever this launch attempt made. Runs after Ctrl-C too (detached runner); never throws. */
async function removeAttempt(core: Core, daemon: Daemon, attempt: LaunchAttempt): Promise<void> {
  const runner = core.runner.detached();
  try {
    if ('name' in attempt) {
      await runner.docker(daemon, buildRemoveArgs([attempt.name]), { allowMissing: true });
      return;
    }
    const ids = parseIdLines((await runner.docker(daemon, buildListIdsArgs(attempt.label, attempt.value))).stdout);
    if (ids.length > 0) await runner.docker(daemon, buildRemoveArgs(ids));
  } catch (e) {
    const what = 'name' in attempt ? `container ${attempt.name}` : `label ${attempt.label}=${attempt.value}`;
    core.warn(`could not remove the half-made container (${what}): ${(e as Error).message}`);
  }
}

/** The error for a `docker run`/`docker create` that made nothing. */
function notMade(spec: LaunchSpec, argv: string[], r: DockerResult): Error {
  if (r.failure === 'name taken') {
    return new MngError(
      `an agent named '${spec.name}' already exists on provider '${spec.daemon.provider}' (container ${spec.containerName})`,
      { hint: `pick another name, or remove it with: mng destroy ${spec.name}` },
    );
  }
  return dockerError(argv, r.exitCode, r.stderr, spec.daemon);
}

/** mng's files for /mng, in a new private local folder (removed again by the caller). */
async function stageFiles(files: ContainerFile[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mng-files-'));
  try {
    // docker cp gives /mng this folder's mode: traversable by the agent's user, whose authorized keys are there
    await chmod(dir, 0o711);
    await Promise.all(files.map((f) => writeFile(join(dir, f.path), f.content, { mode: f.mode })));
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

/**
 * docker run, or (when something goes in before the first start) docker create → mng's files → `beforeStart`.
 * Returns whether the container runs already.
 */
async function makeContainer(core: Core, spec: LaunchSpec): Promise<boolean> {
  core.progress(`Creating container ${spec.containerName}`);
  const files = spec.files ?? [];
  const runAtOnce = files.length === 0 && !spec.beforeStart;
  const argv = runAtOnce ? spec.argv.run : spec.argv.create;
  const display = runAtOnce ? spec.argv.shown.run : spec.argv.shown.create;
  let r = await core.runner.docker(spec.daemon, argv, { check: false, display });
  if (r.failure === 'no such image' && spec.makeMissingImage) {
    await spec.makeMissingImage();
    r = await core.runner.docker(spec.daemon, argv, { check: false, display });
  }
  // made but not started (a host port the other daemon took, or mng's network not made yet): boot starts it again
  const startAgain = runAtOnce && (r.failure === 'port taken' || r.failure === 'no such network');
  if (r.exitCode !== 0 && !startAgain) throw notMade(spec, display, r);
  if (files.length > 0) {
    const dir = await stageFiles(files);
    try {
      await core.runner.docker(spec.daemon, spec.argv.copy(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (spec.beforeStart) await spec.beforeStart();
  return runAtOnce && r.exitCode === 0;
}

/** Make the container and boot it; for a replacement, remove the old one. On any failure, remove what was made. */
async function launchAttempt(core: Core, spec: LaunchSpec): Promise<Booted> {
  let made = false;
  try {
    const started = await withStateDir(core.dataDir, spec.daemon, spec.alias, () => makeContainer(core, spec));
    made = true;
    const booted = await bootContainer(core, { ...spec, container: spec.containerName, started });
    if (booted.agent.state === 'missing') {
      throw new MngError(
        `agent command '${booted.agent.program}' is not on the PATH of image '${spec.imageForMessages}'`,
        {
          hint: 'install it in the image (for example with --dockerfile), or pass a whole command line with --agent-cmd',
        },
      );
    }
    // The new container answers ssh: now the old one goes. Not interruptible: half of a swap is worse than either side.
    if (spec.replaces) await core.runner.detached().docker(spec.daemon, buildRemoveArgs([spec.replaces]));
    return booted;
  } catch (e) {
    if (e instanceof InterruptedError) core.warn('interrupted: removing what this create made');
    await removeAttempt(core, spec.daemon, spec.attempt);
    // A new host's key is pinned under its alias once the container exists; no other host had that name then.
    if (made && spec.newHostKey) await removeHostFiles(core.dataDir, spec.alias);
    throw e;
  }
}

/** The replacement takes the host's name (another mng command that looked the host up may have done it already). */
async function renameIntoPlace(core: Core, spec: LaunchSpec, booted: Booted): Promise<void> {
  const runner = core.runner.detached();
  const to = spec.finalName;
  const rename = await runner.docker(spec.daemon, buildRenameArgs(spec.containerName, to), { check: false });
  if (rename.exitCode === 0) return;
  const now = await runner.docker(spec.daemon, buildInspectArgs([to]), { allowMissing: true });
  if (now.exitCode === 0 && parseContainerInspect(now.stdout)[0]?.Id === booted.container.Id) return;
  throw new MngError(
    `the old container of agent '${spec.name}' is removed, but renaming its replacement ${spec.containerName} to ${to} failed: ${dockerReason(rename.stderr)}`,
    { hint: `rename it yourself: docker rename ${spec.containerName} ${to}` },
  );
}

/**
 * After a successful launch or start: the host's record and ssh entry, with its route under its alias (a remote
 * daemon's ProxyCommand names the container by its final name). Returns that route.
 */
async function recordBoot(
  core: Core,
  spec: { daemon: Daemon; finalName: string; alias: string; hostId: string; sshUser: string },
  booted: Booted,
): Promise<SshEndpoint> {
  const { daemon, alias } = spec;
  const names = { container: spec.finalName, alias };
  const endpoint = startedSshRoute(daemon, booted.container, names, spec.sshUser, spec.finalName) ?? booted.endpoint;
  await writeRecord(core.dataDir, alias, {
    provider: daemon.provider,
    daemon: daemonIdentity(daemon),
    hostId: spec.hostId,
    containerId: booted.container.Id,
    ssh: endpoint,
  });
  return endpoint;
}

/**
 * Launch a container as host `spec.finalName`: docker run (or create, copy, start), boot until sshd answers, and for
 * start --snapshot the swap (the old container removed, the new one renamed into place); then its record.
 */
export async function launchHost(core: Core, spec: LaunchSpec): Promise<Booted> {
  const booted = await launchAttempt(core, spec);
  if (spec.replaces) await renameIntoPlace(core, spec, booted);
  return { ...booted, endpoint: await recordBoot(core, spec, booted) };
}

/** Start a stopped host's container, wait until its sshd answers, and record it. */
export async function bootHost(
  core: Core,
  host: Host,
  opts: { sshTimeoutSeconds: number; fresh?: boolean },
): Promise<Booted> {
  const spec = {
    daemon: host.daemon,
    finalName: host.containerName,
    alias: host.alias,
    hostId: host.id,
    sshUser: host.sshUser,
  };
  const booted = await bootContainer(core, {
    ...spec,
    container: host.containerId,
    name: host.name,
    sshTimeoutSeconds: opts.sshTimeoutSeconds,
    deliver: { fresh: opts.fresh },
  });
  return { ...booted, endpoint: await recordBoot(core, spec, booted) };
}
