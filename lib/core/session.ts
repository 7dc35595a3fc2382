import { buildSshArgs } from '../ssh/args.js';
import { ensureKeys } from '../ssh/keys.js';
import { CONNECT_COMMAND, execCommandLine } from './container-files.js';
import type { Core } from './context.js';
import { endpointOf, type Host } from './hosts.js';

/**
 * Run a command (argv, as docker exec takes it) in a host over ssh, with the terminal's stdin/stdout/stderr.
 * Returns the remote exit code (ssh's own 255 when the connection fails).
 */
export async function execInHost(core: Core, host: Host, argv: readonly string[], opts: { tty: boolean }): Promise<number> {
  const keys = await ensureKeys(core.runner, core.dataDir);
  const args = buildSshArgs(endpointOf(host), keys, execCommandLine(argv), { tty: opts.tty, batch: true, connectTimeoutSeconds: 10 });
  const res = await core.runner.run('ssh', args, { stdin: 'inherit', stdout: 'inherit', stderr: 'inherit' });
  return res.exitCode;
}

/** Interactive ssh with a terminal, attached to the agent's tmux session (started again if it is gone). */
export async function connectToHost(core: Core, host: Host): Promise<number> {
  const keys = await ensureKeys(core.runner, core.dataDir);
  const args = buildSshArgs(endpointOf(host), keys, CONNECT_COMMAND, { tty: true, connectTimeoutSeconds: 10 });
  const res = await core.runner.run('ssh', args, { stdin: 'inherit', stdout: 'inherit', stderr: 'inherit' });
  return res.exitCode;
}
