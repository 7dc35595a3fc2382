import type { Config, ProviderConfig } from '../../config/config.js';
import { ensureConnection, hasLiveConnection, sharedSshArgs, type SshTarget } from './access.js';
import { CONNECT_COMMAND, execCommandLine } from '../container/scripts.js';
import type { Core } from '../core.js';
import { endpointOf, type Host } from '../hosts/hosts.js';
import { recordedHosts } from '../hosts/recorded.js';

/** A running host as an ssh target (an error when it is not running). */
export function sshTarget(provider: ProviderConfig, host: Host): SshTarget {
  return {
    provider,
    alias: host.containerName,
    container: host.containerName,
    name: host.name,
    endpoint: endpointOf(host),
  };
}

/**
 * Agent NAME, reachable at once: the route mng cached in the host's own ssh entry, with a live shared connection on
 * it. No docker call: a live connection proves the container runs with that route (it dies with the container). When
 * there is none, or the name could be on several providers, undefined: the caller looks the host up through Docker.
 */
export async function liveTarget(
  core: Core,
  config: Config,
  name: string,
  providerName?: string,
): Promise<SshTarget | undefined> {
  const [recorded] = (await recordedHosts(core, config, [name], providerName, { endpoint: true })) ?? [];
  if (!recorded?.endpoint) return undefined;
  const target: SshTarget = {
    provider: recorded.provider,
    alias: recorded.container,
    container: recorded.container,
    name,
    endpoint: recorded.endpoint,
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
export function connectTo(core: Core, target: SshTarget, opts: { live?: boolean } = {}): Promise<number> {
  return session(core, target, CONNECT_COMMAND, { tty: true, live: opts.live });
}

export function connectToHost(core: Core, provider: ProviderConfig, host: Host): Promise<number> {
  return connectTo(core, sshTarget(provider, host));
}
