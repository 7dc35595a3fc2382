import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { GlobalArgs } from './setup.js';

interface DiffArgs extends GlobalArgs {
  name: string;
  provider?: string;
  '--'?: (string | number)[];
}

export const command = 'diff <name>';
export const describe =
  'What an agent changed (committed and not) since the commit it started from, as git diff prints it';

export function builder(y: Argv): Argv<DiffArgs> {
  return y
    .positional('name', { type: 'string', demandOption: true, describe: 'agent name' })
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
    .example('$0 diff fix-42 -- --stat', 'git diff options after --') as unknown as Argv<DiffArgs>;
}

export async function handler(argv: ArgumentsCamelCase<DiffArgs>): Promise<void> {
  const [{ makeContext, scopeFor }, { withHosts }, { diffRepo }, { colorFor }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/code/diff.js'),
    import('./output.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: false });
  const color = colorFor(process.stdout).level > 0;
  const diffArgs = (argv['--'] ?? []).map(String);
  const write = (text: string) => process.stdout.write(text);
  process.exitCode = await withHosts(ctx.core, scopeFor(ctx, argv.provider), [String(argv.name)], ([host]) =>
    diffRepo(ctx.core, host, diffArgs, { color, write }),
  );
}
