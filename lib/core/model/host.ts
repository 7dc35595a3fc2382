// One host as Docker describes it: a container with mng's labels, decoded in exactly one place (decodeHost), and how
// to reach its sshd. Pure: nothing here calls docker.

import { SSH_CONTAINER_PORT } from '../../docker/args.js';
import { type Daemon, proxyCommand } from '../../docker/daemon.js';
import { type ContainerInspect, publishedPort } from '../../docker/inspect.js';
import { MngError } from '../../errors.js';
import { quoteArgv } from '../../shell.js';
import { buildSshArgs, type SshEndpoint, type SshFiles } from '../../ssh/args.js';
import { hostSshFiles, sshConfigPath } from '../../ssh/config.js';
import { decodeEgress } from '../network/egress.js';
import { publishesSsh } from '../network/flags.js';
import { type HostIdle, hostIdle } from './idle.js';
import { decodeLabels, type HostLabels, LABEL } from './labels.js';
import { type StopReason, stopReason } from './stop-reason.js';

/** mng's word for a container's state: `running`, `stopped` (exited), or docker's own word for the rest. */
export type HostState = 'running' | 'stopped' | 'created' | 'paused' | 'restarting' | 'removing' | 'dead';

export function hostState(dockerStatus: string): HostState {
  switch (dockerStatus) {
    case 'running':
      return 'running';
    case 'exited':
      return 'stopped';
    case 'created':
    case 'paused':
    case 'restarting':
    case 'removing':
      return dockerStatus;
    default:
      return 'dead';
  }
}

/** One agent's host, as read from its container. */
export interface Host extends HostLabels {
  /** the daemon it is on (its provider's, for this command) */
  daemon: Daemon;
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
  /** this machine's live port forwards to the host (mng forward), when the command read them */
  forwards?: { local: number; remote: number }[];
}

/** A container decoded: a host, or why it is not one (a result, not an exception: `list` shows every other host). */
export type Decoded = { host: Host } | { problem: string };

/** The one decoding of a container (its inspect, its labels) into a Host. */
export function decodeHost(c: ContainerInspect, daemon: Daemon): Decoded {
  const labels = decodeLabels(c.Config?.Labels);
  const name = c.Name.replace(/^\//, '');
  if (!labels) return { problem: `container '${name}' exists but is not an mng agent` };
  const route = c.State.Running ? containerSshRoute(daemon, c, name, labels.sshUser) : undefined;
  const exited = c.State.Status === 'exited';
  return {
    host: {
      ...labels,
      daemon,
      containerName: name,
      containerId: c.Id,
      state: hostState(c.State.Status),
      exitCode: exited ? c.State.ExitCode : null,
      stopReason: stopReason(c.State),
      stoppedAt: exited && c.State.FinishedAt ? c.State.FinishedAt : null,
      imageId: c.Image,
      ssh: route ? { ...route } : { user: labels.sshUser, host: '127.0.0.1', port: null },
      mounts: (c.Mounts ?? []).map((m) => ({ type: m.Type, source: m.Source, destination: m.Destination })),
      idle: hostIdle(c, labels.idleTimeout),
    },
  };
}

/** The host a container is, when it is one of this prefix's and its provider's (a name may be on two providers). */
export function ownHost(c: ContainerInspect, daemon: Daemon, prefix: string): Host | undefined {
  const d = decodeHost(c, daemon);
  return 'host' in d && d.host.prefix === prefix && d.host.provider === daemon.provider ? d.host : undefined;
}

/**
 * How to reach a running container's sshd: the published loopback port, or docker exec for a remote daemon and for a
 * host that publishes no port (no network, or an internal one: `viaExec`).
 */
export function sshRoute(
  daemon: Daemon,
  container: string,
  published: { host: string; port: number } | undefined,
  user: string,
  viaExec = false,
): SshEndpoint | undefined {
  if (viaExec)
    return { user, host: container, port: SSH_CONTAINER_PORT, proxyCommand: proxyCommand(daemon, container) };
  if (!published) return undefined;
  if (daemon.remote) {
    return { user, host: container, port: SSH_CONTAINER_PORT, proxyCommand: proxyCommand(daemon, container) };
  }
  return { user, host: published.host === '0.0.0.0' ? '127.0.0.1' : published.host, port: published.port };
}

/** How to reach a running container's sshd (named `name` for ssh), by its egress policy and its published port. */
export function containerSshRoute(
  daemon: Daemon,
  c: ContainerInspect,
  name: string,
  user: string,
): SshEndpoint | undefined {
  const viaExec = !publishesSsh(decodeEgress(c.Config?.Labels?.[LABEL.egress]));
  return sshRoute(daemon, name, publishedPort(c), user, viaExec);
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
