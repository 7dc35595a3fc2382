import type { Argv, ArgumentsCamelCase } from 'yargs';
import { MngError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

interface ConnectArgs extends GlobalArgs {
  name: string;
  provider?: string;
}

export const command = 'connect <name>';
export const describe = 'Open a terminal on the agent: ssh in and attach to its tmux session (detach: Ctrl-b d)';

export function builder(y: Argv): Argv<ConnectArgs> {
  return y.positional('name', { type: 'string', demandOption: true, describe: 'agent name' }).option('provider', {
    type: 'string',
    describe: 'provider instance holding the agent',
  }) as unknown as Argv<ConnectArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ConnectArgs>): Promise<void> {
  const [{ makeContext, scopeFor }, { withHosts }, { connectTo, sshTarget }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/access/session.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: false });
  process.exitCode = await withHosts(ctx.core, scopeFor(ctx, argv.provider), [argv.name], async ([host]) => {
    if (!process.stdin.isTTY) {
      throw new MngError('mng connect needs a terminal on stdin', {
        hint: `to run a command without one: mng exec ${argv.name} -- CMD`,
      });
    }
    return connectTo(ctx.core, sshTarget(host));
  });
}
