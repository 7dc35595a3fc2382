// Launching a container, shared by create, start and start --snapshot: docker create, mng's files into /mng, docker
// start, the SSH handshake with the pinned host key, the agent's state; and removing what a failed attempt made.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderConfig } from '../config/config.js';
import {
  buildCopyInArgs, buildCreateArgs, buildInspectArgs, buildListIdsArgs, buildRemoveArgs, buildStartArgs, type CreateSpec,
} from '../docker/args.js';
import { dockerError } from '../docker/errors.js';
import { parseContainerInspect, parseIdLines, publishedPort, type ContainerInspect } from '../docker/inspect.js';
import { InterruptedError, MngError } from '../errors.js';
import type { SshEndpoint } from '../ssh/args.js';
import { isPinned, pinHostKey, removeHostFiles } from '../ssh/config.js';
import { parseAgentProbe, type AgentState, type ContainerFile } from './container-files.js';
import { repairAccess } from './access.js';
import { daemonOf, type Core } from './context.js';
import { sshRoute } from './hosts.js';
import { exitedError, waitForSsh } from './ssh-wait.js';

/** The docker commands of one launch, laid out before anything runs: the one source for a real run and for --dry-run. */
export interface LaunchArgv {
  create: string[];
  /** `docker cp` of the local staging folder into the container's /mng */
  copy: (stagingDir: string) => string[];
  start: string[];
}

export function planLaunch(spec: CreateSpec): LaunchArgv {
  return {
    create: buildCreateArgs(spec),
    copy: (stagingDir) => buildCopyInArgs(stagingDir, spec.containerName),
    start: buildStartArgs([spec.containerName]),
  };
}

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
 * the agent's state. Shared by create, start and start --snapshot.
 */
export async function bootContainer(core: Core, provider: ProviderConfig, container: string, opts: { alias: string; name: string; sshUser: string; sshTimeoutSeconds: number; startArgv?: string[] }): Promise<Booted> {
  const daemon = daemonOf(provider);
  const startArgv = opts.startArgv ?? buildStartArgs([container]);
  // Two daemons on one machine hand out host ports from the same range without knowing of each other:
  // a collision fails the start, and the next start gets the next port.
  let start = await core.runner.docker(daemon, startArgv, { check: false });
  for (let retry = 0; retry < 3 && start.exitCode !== 0 && /port is already allocated|address already in use/i.test(start.stderr); retry++) {
    start = await core.runner.docker(daemon, startArgv, { check: false });
  }
  if (start.exitCode !== 0) throw dockerError(startArgv, start.exitCode, start.stderr, daemon);

  const inspect = await core.runner.docker(daemon, buildInspectArgs([container]));
  const [c] = parseContainerInspect(inspect.stdout);
  // e.g. a -s --user that cannot run sshd: say what the container said, not that a port is missing
  if (!c.State.Running) throw await exitedError(core, provider, container, c.State.ExitCode, 'start');
  const endpoint = sshRoute(provider, container, publishedPort(c), opts.sshUser);
  if (!endpoint) {
    throw new MngError(`container '${container}' has no published SSH port (did a -s flag change the network?)`);
  }
  const target = { provider, alias: opts.alias, container, name: opts.name, endpoint };
  // No pinned host key here (a lost data folder, another machine): pin it through Docker before the first handshake.
  if (!(await isPinned(core.dataDir, opts.alias))) await repairAccess(core, target);
  core.progress(endpoint.proxyCommand ? `Waiting for sshd (through docker exec on ${provider.host || 'DOCKER_HOST'})` : `Waiting for sshd on ${endpoint.host}:${endpoint.port}`);
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
  /** a new host's public host key, pinned under `alias` once its container exists (create; start --snapshot keeps the pin) */
  pinPublicKey?: string;
  /** the docker commands (planLaunch): create from the prepared image or a snapshot, with the labels and start args */
  argv: LaunchArgv;
  /** the image as the user knows it, for messages */
  imageForMessages: string;
  /** make the image when `docker create` says it is missing (create: mng's prepared image), then create again */
  makeMissingImage?: () => Promise<void>;
  /** what goes into the container's /mng before its first start */
  files: ContainerFile[];
  /** more to copy into the created container before its first start (create --from: the user's files) */
  beforeStart?: () => Promise<void>;
  sshUser: string;
  sshTimeoutSeconds: number;
  attempt: LaunchAttempt;
}

/**
 * docker create → copy mng's files into /mng → boot (start, SSH handshake, agent state) → `finish`. Any failure (or
 * Ctrl-C) up to the end of `finish` removes what this attempt made. Shared by create and start --snapshot.
 */
export async function launchContainer<T>(core: Core, spec: LaunchSpec, finish: (booted: Booted) => Promise<T>): Promise<T> {
  const { provider } = spec;
  const daemon = daemonOf(provider);
  const container = spec.containerName;
  let pinned = false;
  // mng's files are written to a local folder while docker creates the container: they do not depend on it.
  const staging = stageFiles(spec.files);
  staging.catch(() => { /* awaited below, or removed in the clean-up */ });
  let unstaged: Promise<void> | undefined;
  try {
    core.progress(`Creating container ${container}`);
    let created = await core.runner.docker(daemon, spec.argv.create, { check: false });
    if (created.exitCode !== 0 && spec.makeMissingImage && /No such image/i.test(created.stderr)) {
      await spec.makeMissingImage();
      created = await core.runner.docker(daemon, spec.argv.create, { check: false });
    }
    if (created.exitCode !== 0) {
      if (/is already in use/.test(created.stderr)) {
        throw new MngError(`an agent named '${spec.name}' already exists on provider '${provider.name}' (container ${container})`, {
          hint: 'pick another name, or remove it with: mng destroy ' + spec.name,
        });
      }
      throw dockerError(spec.argv.create, created.exitCode, created.stderr, daemon);
    }
    if (spec.pinPublicKey) {
      await pinHostKey(core.dataDir, spec.alias, spec.pinPublicKey);
      pinned = true;
    }

    const dir = await staging;
    await core.runner.docker(daemon, spec.argv.copy(dir));
    unstaged = rm(dir, { recursive: true, force: true }); // while the container starts
    if (spec.beforeStart) await spec.beforeStart();

    const booted = await bootContainer(core, provider, container, { alias: spec.alias, name: spec.name, sshUser: spec.sshUser, sshTimeoutSeconds: spec.sshTimeoutSeconds, startArgv: spec.argv.start });
    if (booted.agent.state === 'missing') {
      throw new MngError(`agent command '${booted.agent.program}' is not on the PATH of image '${spec.imageForMessages}'`, {
        hint: 'install it in the image (for example with --dockerfile), or pass a whole command line with --agent-cmd',
      });
    }
    await unstaged;
    return await finish(booted);
  } catch (e) {
    await (unstaged ?? staging.then((dir) => rm(dir, { recursive: true, force: true }), () => undefined));
    if (e instanceof InterruptedError) core.warn('interrupted: removing what this create made');
    await removeAttempt(core, provider, spec.attempt);
    if (pinned) await removeHostFiles(core.dataDir, spec.alias);
    throw e;
  }
}

