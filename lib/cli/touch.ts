import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { GlobalArgs } from './setup.js';

interface TouchArgs extends GlobalArgs {
  names: string[];
  provider?: string;
}

export const command = 'touch <names..>';
export const describe =
  "Count as activity now: restarts the idle clock of agents' hosts (for scripts that keep a host alive)";

export function builder(y: Argv): Argv<TouchArgs> {
  return y
    .positional('names', { type: 'string', array: true, demandOption: true, describe: 'agent names' })
    .option('provider', { type: 'string', describe: 'provider instance holding the agents' })
    .example(
      '$0 touch my-agent',
      'the same as writing the activity file inside the host',
    ) as unknown as Argv<TouchArgs>;
}

export async function handler(argv: ArgumentsCamelCase<TouchArgs>): Promise<void> {
  const { makeContext, locateAgents } = await import('./setup.js');
  const { touchHost } = await import('../core/model/idle.js');
  const ctx = await makeContext(argv, { interruptible: false });
  // Every name is resolved first: a typo touches nothing.
  const targets = await locateAgents(ctx, argv.provider, argv.names.map(String));
  for (const { provider, host } of targets) {
    await touchHost(ctx.core, provider, host);
    ctx.output.result(host.name);
  }
}
