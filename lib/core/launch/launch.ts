// Launching a container, shared by create, start and start --snapshot: docker run (or docker create, the files that go
// in first, docker start), (create: the new host key, read and pinned), the SSH handshake with the pinned host key, the
// agent's state; and removing what a failed attempt made.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderConfig } from '../../config/config.js';
import {
  buildCopyInArgs,
  buildCreateArgs,
  buildInspectArgs,
  buildListIdsArgs,
  buildRemoveArgs,
  buildRunArgs,
  buildStartArgs,
  type CreateSpec,
} from '../../docker/args.js';
import { dockerError } from '../../docker/errors.js';
import { parseContainerInspect, parseIdLines, publishedPort, type ContainerInspect } from '../../docker/inspect.js';
import { InterruptedError, MngError } from '../../errors.js';
import type { SshEndpoint } from '../../ssh/args.js';
import { isPinned, pinHostKey, removeHostFiles } from '../../ssh/config.js';
import { readNewHostKey } from '../access/host-key.js';
import { parseAgentProbe, type AgentState, type ContainerFile } from '../container/scripts.js';
import { repairAccess } from '../access/access.js';
import { daemonOf, type Core } from '../core.js';
import { sshRoute } from '../hosts/hosts.js';
import { exitedError, waitForSsh } from '../access/ssh-wait.js';

/** The docker commands of one launch, laid out before anything runs: the one source for a real run and for --dry-run. */
export interface LaunchArgv {
  /** `docker run --detach`: create and start in one call, when nothing goes into the container before it starts */
  run: string[];
  /** create, (copy,) start: when something does (start --snapshot: mng's files; create --from: the user's) */
  create: string[];
  /** `docker cp` of the local staging folder into the container's /mng (start --snapshot; create needs none) */
  copy: (stagingDir: string) => string[];
  start: string[];
}

export function planLaunch(spec: CreateSpec): LaunchArgv {
  return {
    run: buildRunArgs(spec),
    create: buildCreateArgs(spec),
    copy: (stagingDir) => buildCopyInArgs(stagingDir, spec.containerName),
    start: buildStartArgs([spec.containerName]),
  };
}

/** Two daemons on one machine hand out host ports from the same range without knowing of each other. */
const PORT_TAKEN = /port is already allocated|address already in use/i;

/**
 * How to find what one launch attempt made, to remove it when the launch fails: by its unique id label (create:
 * an existing host of the same name is never touched), or by its unique temporary name (start --snapshot, whose
 * new container shares the host's id with the old one).
 */
export type LaunchAttempt = { label: string; value: string } | { name: string };

/** Remove whatever this launch attempt made. Runs after Ctrl-C too (detached runner); never throws. */
async function removeAttempt(core: Core, provider: ProviderConfig, attempt: LaunchAttempt): Promise<void> {
  const runner = core.runner.detached();
  const daemon = daemonOf(provider);
  try {
    if ('name' in attempt) {
      await runner.docker(daemon, buildRemoveArgs([attempt.name]), { allowMissing: true });
      return;
    }
    const ps = await runner.docker(daemon, buildListIdsArgs(attempt.label, attempt.value));
    const ids = parseIdLines(ps.stdout);
    if (ids.length > 0) await runner.docker(daemon, buildRemoveArgs(ids));
  } catch (e) {
    const what = 'name' in attempt ? `container ${attempt.name}` : `label ${attempt.label}=${attempt.value}`;
    core.warn(`could not remove the half-made container (${what}): ${(e as Error).message}`);
  }
}

/** What a booted container looks like: its inspect (after start), its SSH endpoint and the agent's state. */
export interface Booted {
  container: ContainerInspect;
  endpoint: SshEndpoint;
  agent: AgentState;
}

/**
 * docker start → the published SSH port (it may change at every start) → SSH handshake with the pinned host key →
 * the agent's state. Shared by create, start and start --snapshot. With `newHostKey` (create) the container made its
 * host key at this first boot: its public half is read through Docker, alongside the port, and pinned under the alias.
 */
export async function bootContainer(
  core: Core,
  provider: ProviderConfig,
  container: string,
  opts: {
    alias: string;
    name: string;
    sshUser: string;
    sshTimeoutSeconds: number;
    startArgv?: string[];
    newHostKey?: boolean;
    started?: boolean;
  },
): Promise<Booted> {
  const daemon = daemonOf(provider);
  if (!opts.started) {
    const startArgv = opts.startArgv ?? buildStartArgs([container]);
    // A host port taken by the other daemon fails the start, and the next start gets the next port.
    let start = await core.runner.docker(daemon, startArgv, { check: false });
    for (let retry = 0; retry < 3 && start.exitCode !== 0 && PORT_TAKEN.test(start.stderr); retry++) {
      start = await core.runner.docker(daemon, startArgv, { check: false });
    }
    if (start.exitCode !== 0) throw dockerError(startArgv, start.exitCode, start.stderr, daemon);
  }

  // A new host makes its key at this first boot: read it while docker reports the port.
  const cancel = { cancelled: false };
  const newKey = opts.newHostKey
    ? readNewHostKey(core, provider, container, opts.sshTimeoutSeconds, cancel)
    : undefined;
  newKey?.catch(() => {
    /* awaited below, or settled before a failure is thrown */
  });
  const settle = async () => {
    cancel.cancelled = true;
    await newKey?.catch(() => undefined); // no docker call of this attempt outlives it
  };
  let c: ContainerInspect;
  try {
    const inspect = await core.runner.docker(daemon, buildInspectArgs([container]));
    [c] = parseContainerInspect(inspect.stdout);
    // e.g. a -s --user that cannot run sshd: say what the container said, not that a port is missing
    if (!c.State.Running) throw await exitedError(core, provider, container, c.State.ExitCode, 'start');
  } catch (e) {
    await settle();
    throw e;
  }
  const endpoint = sshRoute(provider, container, publishedPort(c), opts.sshUser);
  if (!endpoint) {
    await settle();
    throw new MngError(`container '${container}' has no published SSH port (did a -s flag change the network?)`);
  }
  const target = { provider, alias: opts.alias, container, name: opts.name, endpoint };
  if (newKey) {
    await pinHostKey(core.dataDir, opts.alias, await newKey);
  } else if (!(await isPinned(core.dataDir, opts.alias))) {
    // No pinned host key here (a lost data folder, another machine): pin it through Docker before the first handshake.
    await repairAccess(core, target);
  }
  core.progress(
    endpoint.proxyCommand
      ? `Waiting for sshd (through docker exec on ${provider.host || 'DOCKER_HOST'})`
      : `Waiting for sshd on ${endpoint.host}:${endpoint.port}`,
  );
  const probe = await waitForSsh(core, target, opts.sshTimeoutSeconds);
  return { container: c, endpoint, agent: parseAgentProbe(probe) };
}

/** A new private temporary folder holding `files`; removed again when writing one fails. */
async function stageFiles(files: ContainerFile[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mng-files-'));
  try {
    await Promise.all(files.map((f) => writeFile(join(dir, f.path), f.content, { mode: f.mode })));
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

export interface LaunchSpec {
  provider: ProviderConfig;
  /** the agent's name, for messages */
  name: string;
  containerName: string;
  /** the host's ssh alias (its final container name): its pinned key and Host entry */
  alias: string;
  /** a new host (create): it makes its own host key at its first boot; mng reads it and pins it under `alias` (start --snapshot keeps the pin) */
  newHostKey?: boolean;
  /** the docker commands (planLaunch): create from the prepared image or a snapshot, with the labels and start args */
  argv: LaunchArgv;
  /** the image as the user knows it, for messages */
  imageForMessages: string;
  /** make the image when `docker create` says it is missing (create: mng's prepared image), then create again */
  makeMissingImage?: () => Promise<void>;
  /** what goes into the container's /mng before its first start (start --snapshot; create has all it needs in the image and the init's arguments) */
  files?: ContainerFile[];
  /** more to copy into the created container before its first start (create --from: the user's files) */
  beforeStart?: () => Promise<void>;
  sshUser: string;
  sshTimeoutSeconds: number;
  attempt: LaunchAttempt;
}

/**
 * docker run (create and start in one call), or, when something goes in before the first start, docker create → copy
 * (mng's files; create --from: `beforeStart`) → docker start; then the new host key, SSH handshake, agent state →
 * `finish`. Any failure (or Ctrl-C) up to the end of `finish` removes what this attempt made. Shared by create and
 * start --snapshot.
 */
export async function launchContainer<T>(
  core: Core,
  spec: LaunchSpec,
  finish: (booted: Booted) => Promise<T>,
): Promise<T> {
  const { provider } = spec;
  const daemon = daemonOf(provider);
  const container = spec.containerName;
  let created = false;
  const argv = spec.argv;
  // mng's files (if any) are written to a local folder while docker creates the container: they do not depend on it.
  const staging = spec.files && spec.files.length > 0 ? stageFiles(spec.files) : undefined;
  staging?.catch(() => {
    /* awaited below, or removed in the clean-up */
  });
  let unstaged: Promise<void> | undefined;
  try {
    core.progress(`Creating container ${container}`);
    // Nothing to put in before the first start: docker run creates and starts it in one call.
    const runAtOnce = !staging && !spec.beforeStart;
    const first = runAtOnce ? argv.run : argv.create;
    let result = await core.runner.docker(daemon, first, { check: false });
    if (result.exitCode !== 0 && spec.makeMissingImage && /No such image/i.test(result.stderr)) {
      await spec.makeMissingImage();
      result = await core.runner.docker(daemon, first, { check: false });
    }
    // docker run that made the container but could not start it on a host port the other daemon took: start it again.
    const startAgain = runAtOnce && result.exitCode !== 0 && PORT_TAKEN.test(result.stderr);
    if (result.exitCode !== 0 && !startAgain) {
      if (/is already in use/.test(result.stderr)) {
        throw new MngError(
          `an agent named '${spec.name}' already exists on provider '${provider.name}' (container ${container})`,
          {
            hint: 'pick another name, or remove it with: mng destroy ' + spec.name,
          },
        );
      }
      throw dockerError(first, result.exitCode, result.stderr, daemon);
    }
    created = true;

    if (staging) {
      const dir = await staging;
      await core.runner.docker(daemon, argv.copy(dir));
      unstaged = rm(dir, { recursive: true, force: true }); // while the container starts
    }
    if (spec.beforeStart) await spec.beforeStart();

    const booted = await bootContainer(core, provider, container, {
      alias: spec.alias,
      name: spec.name,
      sshUser: spec.sshUser,
      sshTimeoutSeconds: spec.sshTimeoutSeconds,
      startArgv: argv.start,
      newHostKey: spec.newHostKey,
      started: runAtOnce && !startAgain,
    });
    if (booted.agent.state === 'missing') {
      throw new MngError(
        `agent command '${booted.agent.program}' is not on the PATH of image '${spec.imageForMessages}'`,
        {
          hint: 'install it in the image (for example with --dockerfile), or pass a whole command line with --agent-cmd',
        },
      );
    }
    await unstaged;
    return await finish(booted);
  } catch (e) {
    await (unstaged ??
      staging?.then(
        (dir) => rm(dir, { recursive: true, force: true }),
        () => undefined,
      ));
    if (e instanceof InterruptedError) core.warn('interrupted: removing what this create made');
    await removeAttempt(core, provider, spec.attempt);
    // A new host's key is pinned under its alias once the container exists; no other host had that name then.
    if (created && spec.newHostKey) await removeHostFiles(core.dataDir, spec.alias);
    throw e;
  }
}
