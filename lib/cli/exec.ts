import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UsageError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

interface ExecArgs extends GlobalArgs {
  name: string;
  provider?: string;
  '--'?: (string | number)[];
}

export const command = 'exec <name>';
export const describe = "Run a command in an agent's host over ssh: mng exec NAME -- CMD [ARGS...]";

export function builder(y: Argv): Argv<ExecArgs> {
  return y
    .positional('name', { type: 'string', demandOption: true, describe: 'agent name' })
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
    .example('$0 exec my-agent -- make test', "the exit code is the command's") as unknown as Argv<ExecArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ExecArgs>): Promise<void> {
  const command = (argv['--'] ?? []).map(String);
  if (command.length === 0) throw new UsageError('no command given: mng exec NAME -- CMD [ARGS...]');
  const [{ makeContext, scopeFor }, { withHosts }, { execIn, liveTarget, sshTarget }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/access/session.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: false });
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const scope = scopeFor(ctx, argv.provider);
  // A live shared connection on the route this machine recorded needs no docker call at all.
  const live = await liveTarget(ctx.core, scope, argv.name);
  process.exitCode = live
    ? await execIn(ctx.core, live, command, { tty, live: true })
    : await withHosts(ctx.core, scope, [argv.name], ([host]) => execIn(ctx.core, sshTarget(host), command, { tty }));
}
