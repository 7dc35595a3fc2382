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
  const { makeContext, locateAgents } = await import('./setup.js');
  const { execIn, liveTarget, sshTarget } = await import('../core/access/session.js');
  const ctx = await makeContext(argv, { interruptible: false });
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  // A live shared connection to the host needs no lookup through Docker.
  const live = await liveTarget(ctx.core, ctx.config, argv.name, argv.provider);
  if (live) {
    process.exitCode = await execIn(ctx.core, live, command, { tty, live: true });
    return;
  }
  const [{ provider, host }] = await locateAgents(ctx, argv.provider, [argv.name]);
  process.exitCode = await execIn(ctx.core, sshTarget(provider, host), command, { tty });
}
