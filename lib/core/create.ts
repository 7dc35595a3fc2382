import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderConfig } from '../config/config.js';
import {
  buildCopyInArgs, buildCreateArgs, buildInspectArgs, buildListIdsArgs, buildRemoveArgs, buildStartArgs,
} from '../docker/args.js';
import { dockerError, dockerReason, isDaemonUnreachable, isNoSuchObject } from '../docker/errors.js';
import { parseContainerInspect, parseIdLines, publishedPort, type ContainerInspect } from '../docker/inspect.js';
import { InterruptedError, MngError } from '../errors.js';
import type { SshEndpoint } from '../ssh/args.js';
import { updateSshConfig } from '../ssh/config.js';
import { ensureKeys, type SshKeys } from '../ssh/keys.js';
import { version } from '../version.js';
import { agentCommandLine, containerFiles, parseAgentProbe, type AgentSpec, type AgentState, type ContainerFile } from './container-files.js';
import { daemonOf, type Core } from './context.js';
import { hostFromInspect, type Host } from './hosts.js';
import { prepareImage } from './image.js';
import { encodeLabels, LABEL } from './labels.js';
import { containerName, generateId } from './naming.js';
import { waitForSsh } from './ssh-wait.js';

export interface CreateRequest {
  name: string;
  provider: ProviderConfig;
  /** image to run; the provider's default_image when absent */
  image?: string;
  agent: AgentSpec;
  /** the user's -s values, verbatim */
  startArgs: string[];
  tags: Record<string, string>;
  /** seconds; the provider's default_idle_timeout when absent */
  idleTimeout?: number;
  /** how long to wait for the SSH handshake, in seconds */
  sshTimeoutSeconds: number;
}

export interface CreateResult {
  host: Host;
  agent: AgentState;
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
      const r = await runner.docker(daemon, buildRemoveArgs([attempt.name]), { check: false });
      if (r.exitCode !== 0 && !isNoSuchObject(r.stderr)) await runner.docker(daemon, buildRemoveArgs([attempt.name]));
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
export async function bootContainer(core: Core, provider: ProviderConfig, container: string, keys: SshKeys, opts: { sshUser: string; sshTimeoutSeconds: number }): Promise<Booted> {
  const daemon = daemonOf(provider);
  const start = await core.runner.docker(daemon, buildStartArgs([container]), { check: false });
  if (start.exitCode !== 0) {
    if (isDaemonUnreachable(start.stderr)) throw dockerError(['start'], start.exitCode, start.stderr, daemon);
    throw new MngError(`docker start failed: ${dockerReason(start.stderr)}`);
  }

  const inspect = await core.runner.docker(daemon, buildInspectArgs([container]));
  const [c] = parseContainerInspect(inspect.stdout);
  const published = publishedPort(c);
  if (!published) {
    throw new MngError(`container '${container}' has no published SSH port (did a -s flag change the network?)`);
  }
  const endpoint: SshEndpoint = { user: opts.sshUser, host: published.host === '0.0.0.0' ? '127.0.0.1' : published.host, port: published.port };

  core.progress(`Waiting for sshd on ${endpoint.host}:${endpoint.port}`);
  const probe = await waitForSsh(core, provider, container, endpoint, keys, opts.sshTimeoutSeconds);
  return { container: c, endpoint, agent: parseAgentProbe(probe) };
}

export interface LaunchSpec {
  provider: ProviderConfig;
  /** the agent's name, for messages */
  name: string;
  containerName: string;
  /** the image to run: a prepared image, or a snapshot */
  image: string;
  /** the image as the user knows it, for messages */
  imageForMessages: string;
  labels: Record<string, string>;
  /** default_start_args then the -s values, verbatim */
  startArgs: readonly string[];
  /** what goes into the container's /mng before its first start */
  files: ContainerFile[];
  sshUser: string;
  sshTimeoutSeconds: number;
  attempt: LaunchAttempt;
}

/**
 * docker create → copy mng's files into /mng → boot (start, SSH handshake, agent state) → `finish`. Any failure (or
 * Ctrl-C) up to the end of `finish` removes what this attempt made. Shared by create and start --snapshot.
 */
export async function launchContainer<T>(core: Core, spec: LaunchSpec, keys: SshKeys, finish: (booted: Booted) => Promise<T>): Promise<T> {
  const { provider } = spec;
  const daemon = daemonOf(provider);
  const container = spec.containerName;
  let staging: string | undefined;
  try {
    core.progress(`Creating container ${container}`);
    const created = await core.runner.docker(daemon, buildCreateArgs({
      containerName: container,
      image: spec.image,
      labels: spec.labels,
      startArgs: spec.startArgs,
    }), { check: false });
    if (created.exitCode !== 0) {
      if (/is already in use/.test(created.stderr)) {
        throw new MngError(`an agent named '${spec.name}' already exists on provider '${provider.name}' (container ${container})`, {
          hint: 'pick another name, or remove it with: mng destroy ' + spec.name,
        });
      }
      if (isDaemonUnreachable(created.stderr)) throw dockerError(['create'], created.exitCode, created.stderr, daemon);
      throw new MngError(`docker create failed: ${dockerReason(created.stderr)}`);
    }

    staging = await mkdtemp(join(tmpdir(), 'mng-files-'));
    for (const f of spec.files) {
      await writeFile(join(staging, f.path), f.content, { mode: f.mode });
    }
    await core.runner.docker(daemon, buildCopyInArgs(staging, container));
    await rm(staging, { recursive: true, force: true });
    staging = undefined;

    const booted = await bootContainer(core, provider, container, keys, { sshUser: spec.sshUser, sshTimeoutSeconds: spec.sshTimeoutSeconds });
    if (booted.agent.state === 'missing') {
      throw new MngError(`agent command '${booted.agent.program}' is not on the PATH of image '${spec.imageForMessages}'`, {
        hint: 'install it in the image (for example with --dockerfile), or pass a whole command line with --agent-cmd',
      });
    }
    return await finish(booted);
  } catch (e) {
    if (staging) await rm(staging, { recursive: true, force: true });
    if (e instanceof InterruptedError) core.warn('interrupted: removing the half-made container');
    await removeAttempt(core, provider, spec.attempt);
    throw e;
  }
}

/**
 * Create a host: prepared image → launch (docker create, copy mng's files in, docker start, SSH handshake with the
 * pinned host key, agent state) → ssh config entry. Any failure (or Ctrl-C) after the container exists removes it.
 */
export async function createHost(core: Core, req: CreateRequest): Promise<CreateResult> {
  const { provider } = req;
  const container = containerName(core.prefix, req.name);
  const image = req.image ?? provider.default_image;
  const runImage = await prepareImage(core, provider, image);
  const keys = await ensureKeys(core.runner, core.dataDir);

  const id = generateId();
  const startArgs = [...provider.default_start_args, ...req.startArgs];
  const labels = encodeLabels({
    id,
    name: req.name,
    prefix: core.prefix,
    provider: provider.name,
    tags: req.tags,
    idleTimeout: req.idleTimeout ?? provider.default_idle_timeout,
    agentCommand: agentCommandLine(req.agent),
    createdAt: new Date().toISOString(),
    version: version(),
    image,
    startArgs,
    sshUser: 'root',
  });

  return launchContainer(core, {
    provider,
    name: req.name,
    containerName: container,
    image: runImage,
    imageForMessages: image,
    labels,
    startArgs,
    files: containerFiles({ agent: req.agent, authorizedKey: keys.client.publicKey, hostPrivateKey: keys.hostPrivateKey }),
    sshUser: 'root',
    sshTimeoutSeconds: req.sshTimeoutSeconds,
    attempt: { label: LABEL.id, value: id },
  }, keys, async ({ container: c, endpoint, agent }) => {
    await updateSshConfig(core.dataDir, [{ alias: container, endpoint }], keys);
    const host = hostFromInspect(c);
    if (!host) throw new MngError(`container '${container}' lost its mng labels`);
    return { host: { ...host, ssh: { ...endpoint } }, agent };
  });
}
