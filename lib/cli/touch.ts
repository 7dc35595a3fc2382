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
  const [{ makeContext, scopeFor }, { withHosts }, { touchHost }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/lifecycle/touch.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: false });
  // Every name is resolved first: a typo touches nothing.
  await withHosts(ctx.core, scopeFor(ctx, argv.provider), [...new Set(argv.names.map(String))], async (hosts) => {
    for (const host of hosts) {
      await touchHost(ctx.core, host);
      ctx.output.result(host.name);
    }
  });
}
