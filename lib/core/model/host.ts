// One host as Docker describes it: a container with mng's labels, decoded in exactly one place (decodeHost), and how
// to reach its sshd. Pure: nothing here calls docker.

import { SSH_CONTAINER_PORT } from '../../docker/args.js';
import { type Daemon, proxyCommand } from '../../docker/daemon.js';
import { type ContainerInspect, publishedPort } from '../../docker/inspect.js';
import { MngError } from '../../errors.js';
import { quoteArgv } from '../../shell.js';
import { buildSshArgs, type SshEndpoint, type SshFiles } from '../../ssh/args.js';
import { hostSshFiles, sshConfigPath } from '../../ssh/config.js';
import { type AgentStatus, agentStatusFromInspect } from './agent-state.js';
import { DEFAULT_PROVIDER } from '../../config/config.js';
import { OPEN } from '../network/egress.js';
import { publishesSsh } from '../network/flags.js';
import { CONTAINER_ID, CONTAINER_NAME, IMAGE_ID, isIpLiteral, isTime, shown } from './checks.js';
import { type HostIdle, hostIdle } from './idle.js';
import { decodeLabels, type FromLabels, type HostLabels, labelsDigest } from './labels.js';
import { containerName } from './naming.js';
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
  /** the host's ssh alias: its Host entry, pinned key, record and connection (see sshAlias) */
  alias: string;
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
  /** what the agent is doing (see core/model/agent-state.ts); null when not running or not reported */
  agent?: AgentStatus | null;
  /** when the container last started (docker's StartedAt), while running */
  startedAt?: string | null;
  /** this machine's live port forwards to the host (mng forward), when the command read them */
  forwards?: { local: number; remote: number }[];
  /**
   * The `mng.from-*` labels of a host whose labels carry no digest of this container (made by an mng before digests):
   * they may be its image's own, so only core/code/repo.ts reads them, after asking the image. `from` is then unset.
   */
  fromUnchecked?: FromLabels;
}

/** A container decoded: a host, or why it is not one (a result, not an exception: `list` shows every other host). */
export type Decoded = { host: Host } | { problem: string };

/**
 * Before the containers come: what decoding them first calls costs most the first time (Node loads its crypto module
 * for the labels' digest, V8 compiles the IP parser's patterns). `list` calls it while Docker answers, so that cost is
 * not added after the answer.
 */
export function prepareDecoding(): void {
  labelsDigest({}, '');
  isIpLiteral('::1');
}

/**
 * The one decoding of a container (its inspect, its labels) into a Host, and the one gate at the Docker boundary:
 * its name, id, labels, ports and numbers are checked against exactly what mng writes (core/model/checks.ts), so a
 * container made behind mng's back on a shared daemon never puts its values into an ssh argv, an ssh config file, a
 * path or a docker call. `as`: the name a container is being launched under (a replacement under its temporary name).
 */
export function decodeHost(c: ContainerInspect, daemon: Daemon, opts: { as?: string } = {}): Decoded {
  try {
    return decodeChecked(c, daemon, opts.as);
  } catch (e) {
    // a daemon's answer of another shape than docker's: this container's problem, never the whole listing's
    return { problem: `docker's description of it could not be read (${(e as Error).message})` };
  }
}

function decodeChecked(c: ContainerInspect, daemon: Daemon, as: string | undefined): Decoded {
  const observed = String(c.Name).replace(/^\//, '');
  const name = as ?? observed;
  const decoded = decodeLabels(c.Config?.Labels, name);
  if (!decoded) return { problem: `container ${shown(observed)} exists but is not an mng agent` };
  if ('problem' in decoded) return decoded;
  const { labels, verified } = decoded;
  if (!CONTAINER_NAME.test(observed) || name !== containerName(labels.prefix, labels.name)) {
    return { problem: `its name ${shown(observed)} is not its labels' (${labels.prefix}${labels.name})` };
  }
  if (!CONTAINER_ID.test(c.Id)) return { problem: `its id ${shown(String(c.Id))} is not a container id` };
  if (!IMAGE_ID.test(c.Image)) return { problem: `its image id ${shown(String(c.Image))} is not an image id` };
  const state = stateOf(c);
  if (typeof state === 'string') return { problem: state };
  const alias = sshAlias(name, labels.provider);
  const published = c.State.Running ? publishedPort(c) : undefined;
  if (published === null) return { problem: 'its published ssh port is not an address and port docker writes' };
  const viaExec = c.State.Running === true && !publishesSsh(labels.egress ?? OPEN);
  const route = sshRoute(daemon, { container: name, alias }, published, labels.sshUser, viaExec);
  const { from, ...own } = labels;
  return {
    host: {
      ...own,
      ...(from ? (verified ? { from } : { fromUnchecked: from }) : {}),
      daemon,
      containerName: name,
      containerId: c.Id,
      alias,
      ...state,
      imageId: c.Image,
      ssh: route ? { ...route } : { user: labels.sshUser, host: '127.0.0.1', port: null },
      mounts: (c.Mounts ?? []).map((m) => ({
        type: String(m.Type),
        source: String(m.Source),
        destination: String(m.Destination),
      })),
      idle: hostIdle(c, labels.idleTimeout),
      agent: agentStatusFromInspect(c),
      startedAt:
        c.State.Running && typeof c.State.StartedAt === 'string' && isTime(c.State.StartedAt)
          ? c.State.StartedAt
          : null,
    },
  };
}

/** The container's state, exit code and stop time, or why they are not as docker writes them. */
function stateOf(c: ContainerInspect): Pick<Host, 'state' | 'exitCode' | 'stopReason' | 'stoppedAt'> | string {
  const code = c.State.ExitCode;
  if (!Number.isSafeInteger(code) || Math.abs(code) > 2 ** 31) return 'its exit code is not a number docker writes';
  const exited = c.State.Status === 'exited';
  const finished = c.State.FinishedAt;
  if (finished !== undefined && !isTime(finished)) return 'its stop time is not a time';
  return {
    state: hostState(c.State.Status),
    exitCode: exited ? code : null,
    stopReason: stopReason(c.State),
    stoppedAt: exited && finished ? finished : null,
  };
}

/** The host a container is, when it is one of this prefix's and its provider's (a name may be on two providers). */
export function ownHost(c: ContainerInspect, daemon: Daemon, prefix: string): Host | undefined {
  const d = decodeHost(c, daemon);
  return 'host' in d && d.host.prefix === prefix && d.host.provider === daemon.provider ? d.host : undefined;
}

/**
 * A host's ssh alias: its Host entry in mng's ssh config file, the folder of its local files (`hosts/ALIAS/`) and the
 * name its key is pinned under. The container's name for provider `docker` (so `ssh mng-NAME` works as it always
 * has), `<container>.<provider>` for the others: the same name on two providers never shares an entry, a pinned key
 * or a connection.
 */
export function sshAlias(container: string, provider: string): string {
  return provider === DEFAULT_PROVIDER ? container : `${container}.${provider}`;
}

/**
 * How to reach a running container's sshd: the published loopback port, or docker exec for a remote daemon and for a
 * host that publishes no port (no network, or an internal one: `viaExec`). A remote or exec route's host name is the
 * alias (the ProxyCommand names the container): ssh's connection sharing keys on it.
 */
export function sshRoute(
  daemon: Daemon,
  names: { container: string; alias: string },
  published: { host: string; port: number } | undefined,
  user: string,
  viaExec = false,
): SshEndpoint | undefined {
  if (!viaExec && !published) return undefined;
  if (viaExec || daemon.remote) {
    return {
      user,
      host: names.alias,
      port: SSH_CONTAINER_PORT,
      proxyCommand: proxyCommand(daemon, names.container),
    };
  }
  if (!published) return undefined;
  const host = published.host === '0.0.0.0' || published.host === '::' ? '127.0.0.1' : published.host;
  return { user, host, port: published.port };
}

/**
 * How to reach a just-started container's sshd under `names`, by its egress policy as the one gate reads it (labels
 * written for `as`, its final name): a policy without a published port goes through docker exec. A container whose
 * labels do not pass the gate is taken at its published port only.
 */
export function startedSshRoute(
  daemon: Daemon,
  c: ContainerInspect,
  names: { container: string; alias: string },
  user: string,
  as?: string,
): SshEndpoint | undefined {
  const decoded = decodeHost(c, daemon, as ? { as } : {});
  const egress = 'host' in decoded ? (decoded.host.egress ?? OPEN) : OPEN;
  return sshRoute(daemon, names, publishedPort(c) ?? undefined, user, !publishesSsh(egress));
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
