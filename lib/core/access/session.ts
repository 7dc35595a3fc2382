import { ensureConnection, hasLiveConnection, sharedSshArgs, type SshTarget } from './access.js';
import { CONNECT_COMMAND, execCommandLine } from '../container/agent.js';
import type { Core } from '../core.js';
import { recordedRoute, type Scope } from '../hosts/resolve.js';
import { endpointOf, type Host, sshAlias } from '../model/host.js';
import { containerName } from '../model/naming.js';

/** A running host as an ssh target (an error when it is not running). */
export function sshTarget(host: Host): SshTarget {
  return {
    daemon: host.daemon,
    alias: host.alias,
    container: host.containerId,
    name: host.name,
    endpoint: endpointOf(host),
    hostId: host.id,
    containerId: host.containerId,
  };
}

/**
 * Agent NAME, reachable at once: the route in this machine's record of the host, with a live shared connection on it.
 * No docker call: a live connection proves the container runs with that route (it dies with the container). When
 * there is none, or the name could be on several providers, undefined: the caller looks the host up through Docker.
 */
export async function liveTarget(core: Core, scope: Scope, name: string): Promise<SshTarget | undefined> {
  const recorded = await recordedRoute(core, scope, name);
  if (!recorded) return undefined;
  const alias = sshAlias(containerName(core.prefix, name), recorded.daemon.provider);
  const { hostId, containerId } = recorded.record;
  const target: SshTarget = {
    daemon: recorded.daemon,
    alias,
    container: containerId ?? alias,
    name,
    endpoint: recorded.endpoint,
    ...(hostId ? { hostId } : {}),
    ...(containerId ? { containerId } : {}),
  };
  return (await hasLiveConnection(core, target)) ? target : undefined;
}

/**
 * Run a remote command with the terminal's stdin/stdout/stderr as a session on the host's shared connection (opened
 * first when there is none, unless `live`: just checked). Returns the remote exit code.
 */
async function session(
  core: Core,
  target: SshTarget,
  remoteCommand: string,
  opts: { tty: boolean; live?: boolean; batch?: boolean },
): Promise<number> {
  if (!opts.live) await ensureConnection(core, target);
  const args = await sharedSshArgs(core, target, remoteCommand, {
    tty: opts.tty,
    batch: opts.batch,
    connectTimeoutSeconds: 10,
  });
  const res = await core.runner.run('ssh', args, { stdin: 'inherit', stdout: 'inherit', stderr: 'inherit' });
  return res.exitCode;
}

/** Run a command (argv, as docker exec takes it) in the host, in the agent's working directory. */
export function execIn(
  core: Core,
  target: SshTarget,
  argv: readonly string[],
  opts: { tty: boolean; live?: boolean },
): Promise<number> {
  return session(core, target, execCommandLine(argv), { ...opts, batch: true });
}

/** Interactive ssh with a terminal, attached to the agent's tmux session (started again if it is gone). */
export function connectTo(core: Core, target: SshTarget): Promise<number> {
  return session(core, target, CONNECT_COMMAND, { tty: true });
}
