import type { ProviderConfig } from '../config/config.js';
import { ensureConnection, sharedSshArgs, type SshTarget } from './access.js';
import { CONNECT_COMMAND, execCommandLine } from './container-files.js';
import type { Core } from './context.js';
import { endpointOf, type Host } from './hosts.js';

/** A running host as an ssh target (an error when it is not running). */
export function sshTarget(provider: ProviderConfig, host: Host): SshTarget {
  return { provider, alias: host.containerName, container: host.containerName, name: host.name, endpoint: endpointOf(host) };
}

/**
 * Run a command (argv, as docker exec takes it) in a host over ssh, with the terminal's stdin/stdout/stderr, as a
 * session on the host's shared connection (opened first when there is none). Returns the remote exit code.
 */
export async function execInHost(core: Core, provider: ProviderConfig, host: Host, argv: readonly string[], opts: { tty: boolean }): Promise<number> {
  const target = sshTarget(provider, host);
  await ensureConnection(core, target);
  const args = await sharedSshArgs(core, target, execCommandLine(argv), { tty: opts.tty, batch: true, connectTimeoutSeconds: 10 });
  const res = await core.runner.run('ssh', args, { stdin: 'inherit', stdout: 'inherit', stderr: 'inherit' });
  return res.exitCode;
}

/** Interactive ssh with a terminal, attached to the agent's tmux session (started again if it is gone). */
export async function connectToHost(core: Core, provider: ProviderConfig, host: Host): Promise<number> {
  const target = sshTarget(provider, host);
  await ensureConnection(core, target);
  const args = await sharedSshArgs(core, target, CONNECT_COMMAND, { tty: true, connectTimeoutSeconds: 10 });
  const res = await core.runner.run('ssh', args, { stdin: 'inherit', stdout: 'inherit', stderr: 'inherit' });
  return res.exitCode;
}
