import { availableParallelism } from 'node:os';
import type { ProviderConfig } from '../../config/config.js';
import {
  buildInspectArgs,
  buildListIdsArgs,
  buildRemoveImagesArgs,
  MNG_DIR,
  SSH_CONTAINER_PORT,
} from '../../docker/args.js';
import { parseContainerInspect, parseIdLines, publishedPort, type ContainerInspect } from '../../docker/inspect.js';
import { MngError, NotFoundError } from '../../errors.js';
import { hostSshFiles, sshConfigPath, type EntryOwner } from '../../ssh/config.js';
import { buildSshArgs, type SshEndpoint, type SshFiles } from '../../ssh/args.js';
import { quote, quoteArgv } from '../../shell.js';
import { daemonOf, type Core } from '../core.js';
import { hostIdle, type HostIdle } from '../model/idle.js';
import { builtImageTag, decodeLabels, LABEL, type HostLabels } from '../model/labels.js';
import { containerName } from '../model/naming.js';
import { finishInterruptedRename } from './rename.js';
import { stopReason, type StopReason } from '../model/stop-reason.js';

/** mng's word for a container's state: `running`, `stopped` (exited), or docker's own word for the rest. */
export type HostState = 'running' | 'stopped' | 'created' | 'paused' | 'restarting' | 'removing' | 'dead';

export function hostState(dockerStatus: string): HostState {
  switch (dockerStatus) {
    case 'running':
      return 'running';
    case 'exited':
      return 'stopped';
    case 'created':
      return 'created';
    case 'paused':
      return 'paused';
    case 'restarting':
      return 'restarting';
    case 'removing':
      return 'removing';
    default:
      return 'dead';
  }
}

/** One agent's host, as read from its container. */
export interface Host extends HostLabels {
  containerName: string;
  containerId: string;
  state: HostState;
  /** the container's exit code, when stopped */
  exitCode: number | null;
  /** why it stopped, when stopped (see core/model/stop-reason.ts) */
  stopReason: StopReason | null;
  /** when it stopped (docker's FinishedAt), when stopped */
  stoppedAt: string | null;
  /** the id of the image the container runs (a snapshot's, after start --snapshot) */
  imageId: string;
  /** the SSH endpoint; port is null while the container is not running */
  ssh: { user: string; host: string; port: number | null; proxyCommand?: string };
  mounts: { type: string; source: string; destination: string }[];
  /** the idle clock of a running host with a timeout and a watcher (see core/model/idle.ts); null otherwise */
  idle?: HostIdle | null;
}

/** Which daemon a provider means right now, in the docker CLI's own order: its host, DOCKER_HOST, the docker context. */
export type DaemonChoice =
  | { via: 'host' | 'env'; address: string }
  | { via: 'context'; name: string; address: string }
  | { via: 'default'; address: '' };

export function daemonChoice(provider: ProviderConfig, env: NodeJS.ProcessEnv = process.env): DaemonChoice {
  if (provider.host) return { via: 'host', address: provider.host };
  if (env.DOCKER_HOST) return { via: 'env', address: env.DOCKER_HOST };
  if (provider.via_context)
    return { via: 'context', name: provider.via_context.name, address: provider.via_context.host };
  return { via: 'default', address: '' };
}

/**
 * Is this provider's daemon on another machine? Then the published port is on that machine's loopback, and mng
 * reaches sshd through `docker exec` instead (works for ssh:// and tcp:// alike, and never needs a public port).
 */
export function isRemoteDaemon(provider: ProviderConfig, env: NodeJS.ProcessEnv = process.env): boolean {
  const { address } = daemonChoice(provider, env);
  return address !== '' && !/^(unix|npipe|fd):\/\//.test(address);
}

/**
 * Which daemon a provider means right now ('' = the local default), as a host's cached ssh route records it: the
 * route is only trusted while this is what it was when the route was written.
 */
export function entryOwner(
  provider: ProviderConfig,
  hostId?: string,
  env: NodeJS.ProcessEnv = process.env,
): EntryOwner {
  const choice = daemonChoice(provider, env);
  return {
    provider: provider.name,
    daemon: choice.via === 'context' ? `context ${choice.name}` : choice.address,
    ...(hostId ? { hostId } : {}),
  };
}

/** ssh's ProxyCommand for a remote daemon: sshd in inetd mode inside the container, over `docker exec -i`. */
export function dockerExecProxyCommand(provider: ProviderConfig, container: string): string {
  const choice = daemonChoice(provider);
  const env =
    choice.via === 'host'
      ? `env DOCKER_HOST=${quote(choice.address)} `
      : choice.via === 'context'
        ? `env DOCKER_CONTEXT=${quote(choice.name)} `
        : '';
  return `${env}docker exec -i ${quote(container)} /bin/sh -c 'exec $(command -v sshd || echo /usr/sbin/sshd) -i -f ${MNG_DIR}/sshd_config'`;
}

/** How to reach a running container's sshd: the published loopback port, or docker exec for a remote daemon. */
export function sshRoute(
  provider: ProviderConfig,
  container: string,
  published: { host: string; port: number } | undefined,
  user: string,
): SshEndpoint | undefined {
  if (!published) return undefined;
  if (isRemoteDaemon(provider)) {
    return {
      user,
      host: container,
      port: SSH_CONTAINER_PORT,
      proxyCommand: dockerExecProxyCommand(provider, container),
    };
  }
  return { user, host: published.host === '0.0.0.0' ? '127.0.0.1' : published.host, port: published.port };
}

export function hostFromInspect(c: ContainerInspect, provider: ProviderConfig): Host | undefined {
  const labels = decodeLabels(c.Config?.Labels);
  if (!labels) return undefined;
  const name = c.Name.replace(/^\//, '');
  const route = c.State.Running ? sshRoute(provider, name, publishedPort(c), labels.sshUser) : undefined;
  return {
    ...labels,
    containerName: name,
    containerId: c.Id,
    state: hostState(c.State.Status),
    exitCode: c.State.Status === 'exited' ? c.State.ExitCode : null,
    stopReason: stopReason(c.State),
    stoppedAt: c.State.Status === 'exited' && c.State.FinishedAt ? c.State.FinishedAt : null,
    imageId: c.Image,
    ssh: route ? { ...route } : { user: labels.sshUser, host: '127.0.0.1', port: null },
    mounts: (c.Mounts ?? []).map((m) => ({ type: m.Type, source: m.Source, destination: m.Destination })),
    idle: hostIdle(c, labels.idleTimeout),
  };
}

/**
 * `docker container inspect` of many containers. The docker CLI asks the daemon for one container after another, and
 * the daemon answers several calls at once: a batch of 50 or more is split over parallel calls, one per core, at least
 * 25 containers each (100 containers, 2 cores: 122 → 88 ms here). A container that is gone fails the call for itself
 * alone; the rest still come back.
 */
export async function inspectContainers(
  core: Core,
  provider: ProviderConfig,
  refs: readonly string[],
): Promise<ContainerInspect[]> {
  const calls = Math.max(1, Math.min(availableParallelism(), Math.floor(refs.length / 25)));
  const size = Math.ceil(refs.length / calls);
  const chunks = Array.from({ length: calls }, (_, i) => refs.slice(i * size, (i + 1) * size)).filter(
    (c) => c.length > 0,
  );
  const results = await Promise.all(
    chunks.map((c) => core.runner.docker(daemonOf(provider), buildInspectArgs(c), { allowMissing: true })),
  );
  return results.flatMap((r) => parseContainerInspect(r.stdout));
}

/** inspectContainers of names, keyed by container name: a name docker does not know is missing from the map. */
export async function inspectByName(
  core: Core,
  provider: ProviderConfig,
  names: readonly string[],
): Promise<Map<string, ContainerInspect>> {
  return new Map((await inspectContainers(core, provider, names)).map((c) => [c.Name.replace(/^\//, ''), c]));
}

/** Every host of this prefix on one provider's daemon: one `docker ps`, one batched `docker inspect`. */
export async function listHosts(core: Core, provider: ProviderConfig): Promise<Host[]> {
  const daemon = daemonOf(provider);
  const ps = await core.runner.docker(daemon, buildListIdsArgs(LABEL.prefix, core.prefix));
  const ids = parseIdLines(ps.stdout);
  if (ids.length === 0) return [];
  return (
    (await inspectContainers(core, provider, ids))
      .map((c) => hostFromInspect(c, provider))
      .filter((h): h is Host => h !== undefined && h.prefix === core.prefix && h.provider === provider.name)
      // Names are ASCII: code-unit order (localeCompare would first load ICU's collator, ~10 ms of every list).
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  );
}

/** The host called NAME on this provider, or a clear error. */
export async function findHost(core: Core, provider: ProviderConfig, name: string): Promise<Host> {
  const container = containerName(core.prefix, name);
  let res = await core.runner.docker(daemonOf(provider), buildInspectArgs([container]), { allowMissing: true });
  if (res.exitCode !== 0 && (await finishInterruptedRename(core, provider, name))) {
    res = await core.runner.docker(daemonOf(provider), buildInspectArgs([container]), { allowMissing: true });
  }
  if (res.exitCode !== 0) {
    throw new NotFoundError(`no agent named '${name}' on provider '${provider.name}'`, 'mng list shows the agents');
  }
  const [c] = parseContainerInspect(res.stdout);
  const host = c && hostFromInspect(c, provider);
  if (!host || host.prefix !== core.prefix) {
    throw new MngError(`container '${container}' exists but is not an mng agent`);
  }
  // Two provider instances may share a daemon: a host belongs to the one that created it.
  if (host.provider !== provider.name) {
    throw new NotFoundError(`no agent named '${name}' on provider '${provider.name}'`, 'mng list shows the agents');
  }
  return host;
}

/**
 * Drop the host's claim on the image built from its Dockerfile (the tag `mng-built:<id>`). The image itself goes
 * with its last tag, unless mng's prepared image was made from it: then it stays, as that cache's parent.
 */
export async function removeBuiltImages(core: Core, provider: ProviderConfig, id: string): Promise<void> {
  await core.runner.docker(daemonOf(provider), buildRemoveImagesArgs([builtImageTag(id)]), { allowMissing: true });
}

/** The SSH endpoint of a running host, or an error saying it is not running. */
export function endpointOf(host: Host): SshEndpoint {
  if (host.ssh.port === null) {
    throw new MngError(`agent '${host.name}' is not running (state: ${host.state})`, {
      hint: `start it with: mng start ${host.name}`,
    });
  }
  return { user: host.ssh.user, host: host.ssh.host, port: host.ssh.port, proxyCommand: host.ssh.proxyCommand };
}

/** A command a user can paste to reach the host with plain ssh (no dependency on mng's ssh config file). */
export function pasteableSshCommand(host: Host, files: SshFiles): string | null {
  if (host.ssh.port === null) return null;
  const args = buildSshArgs(endpointOf(host), files, undefined, {}).filter((a) => a !== '-T');
  return quoteArgv(['ssh', ...args]);
}

/** Paths of mng's ssh files for one host, without creating anything (for list and JSON output). */
export function sshFilesOf(dataDir: string, alias: string): SshFiles & { configFile: string } {
  return { ...hostSshFiles(dataDir, alias), configFile: sshConfigPath(dataDir) };
}
