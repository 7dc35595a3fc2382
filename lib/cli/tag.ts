import type { Argv, ArgumentsCamelCase } from 'yargs';
import { MngError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

interface TagArgs extends GlobalArgs {
  name: string;
  changes?: string[];
  provider?: string;
  format: 'human' | 'json';
}

export const command = 'tag <name> [changes..]';
export const describe = "Show an agent's tags (they are fixed at creation)";

export function builder(y: Argv): Argv<TagArgs> {
  return y
    .positional('name', { type: 'string', demandOption: true, describe: 'agent name' })
    .positional('changes', {
      type: 'string',
      array: true,
      describe: '(not possible: tags cannot change after creation)',
    })
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
    .option('format', {
      choices: ['human', 'json'] as const,
      default: 'human' as const,
      describe: 'output format',
    }) as unknown as Argv<TagArgs>;
}

export async function handler(argv: ArgumentsCamelCase<TagArgs>): Promise<void> {
  if (argv.changes && argv.changes.length > 0) {
    throw new MngError(
      `tags of '${argv.name}' cannot change: they are Docker labels, which are fixed when the container is created`,
      {
        hint: `to change them, create a new agent with the tags you want (mng create NEW --tag KEY=VALUE); take a snapshot first to keep the files: mng snapshot create ${argv.name}`,
      },
    );
  }
  const [{ makeContext, scopeFor }, { resolveHosts }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: false });
  const [host] = await resolveHosts(ctx.core, scopeFor(ctx, argv.provider), [argv.name]);
  if (argv.format === 'json') {
    ctx.output.result(JSON.stringify(host.tags));
  } else {
    const lines = Object.entries(host.tags).map(([k, v]) => `${k}=${v}`);
    if (lines.length > 0) ctx.output.result(lines.join('\n'));
    else ctx.output.progress(`agent '${argv.name}' has no tags`);
  }
}
