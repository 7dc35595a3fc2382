import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { GlobalArgs } from './setup.js';

interface PushArgs extends GlobalArgs {
  name: string;
  branch?: string;
  repo?: string;
  provider?: string;
}

export const command = 'push <name> [branch]';
export const describe =
  "Update a branch of an agent's repository from yours (made with --from); its checked-out branch only fast-forwards";

export function builder(y: Argv): Argv<PushArgs> {
  return y
    .positional('name', { type: 'string', demandOption: true, describe: 'agent name' })
    .positional('branch', { type: 'string', describe: 'local branch to push (default: the current one)' })
    .option('repo', {
      type: 'string',
      describe: 'local repository to push from (default: the one the agent was made from, else the current one)',
    })
    .option('provider', {
      type: 'string',
      describe: 'provider instance holding the agent',
    }) as unknown as Argv<PushArgs>;
}

export async function handler(argv: ArgumentsCamelCase<PushArgs>): Promise<void> {
  const [{ makeContext, scopeFor }, { withHosts }, { pushRepo }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/code/push.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: true });
  const branch = argv.branch === undefined ? undefined : String(argv.branch);
  const { host, r } = await withHosts(ctx.core, scopeFor(ctx, argv.provider), [String(argv.name)], async ([h]) => ({
    host: h,
    r: await pushRepo(ctx.core, h, { branch, repo: argv.repo }),
  }));
  ctx.output.result(`${r.branch} ${r.commit}`);
  ctx.output.progress(`Pushed ${r.branch} from ${r.repo} to agent '${host.name}'`);
}
