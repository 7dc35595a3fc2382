import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { GlobalArgs } from './setup.js';

interface RefreshArgs extends GlobalArgs {
  names: string[];
  provider?: string;
}

export const command = 'refresh <names..>';
export const describe =
  'Hand running agents their sign-in and --pass-env variables again, as read here now (after rotating a key)';

export function builder(y: Argv): Argv<RefreshArgs> {
  return y
    .positional('names', { type: 'string', array: true, demandOption: true, describe: 'agent names' })
    .option('provider', { type: 'string', describe: 'provider instance holding the agents' })
    .example('$0 refresh fix-42', 'after export ANTHROPIC_API_KEY=<the new key>') as unknown as Argv<RefreshArgs>;
}

export async function handler(argv: ArgumentsCamelCase<RefreshArgs>): Promise<void> {
  const [{ makeContext, scopeFor }, { withHosts }, { refreshHost }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/agents/refresh.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: true });
  // Every name is resolved first: a typo refreshes nothing.
  await withHosts(ctx.core, scopeFor(ctx, argv.provider), [...new Set(argv.names.map(String))], async (hosts) => {
    for (const host of hosts) {
      await refreshHost(ctx.core, host);
      ctx.output.result(host.name);
    }
  });
}
