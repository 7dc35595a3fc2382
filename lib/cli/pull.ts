import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { GlobalArgs } from './setup.js';

interface PullArgs extends GlobalArgs {
  name: string;
  repo?: string;
  provider?: string;
  format: 'human' | 'json';
}

export const command = 'pull <name>';
export const describe =
  "Fetch an agent's branches, HEAD and uncommitted work into refs/mng/NAME/ of your repository (made with --from)";

export function builder(y: Argv): Argv<PullArgs> {
  return y
    .positional('name', { type: 'string', demandOption: true, describe: 'agent name' })
    .option('repo', {
      type: 'string',
      describe: 'local repository to fetch into (default: the one the agent was made from, else the current one)',
    })
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
    .option('format', { choices: ['human', 'json'] as const, default: 'human' as const, describe: 'output format' })
    .example(
      '$0 pull fix-42 && git log --oneline HEAD..mng/fix-42/HEAD',
      "the agent's commits, next to your branch",
    ) as unknown as Argv<PullArgs>;
}

/** One line per ref: name, short commit, commits since the start, and whether it moved. */
export function formatPulled(refs: { ref: string; commit: string; commits: number; status: string }[]): string[] {
  const width = Math.max(0, ...refs.map((r) => r.ref.length));
  return refs.map(
    (r) =>
      `${r.ref.padEnd(width)}  ${r.commit.slice(0, 12)}  ${r.commits} commit${r.commits === 1 ? '' : 's'}  ${r.status}`,
  );
}

export async function handler(argv: ArgumentsCamelCase<PullArgs>): Promise<void> {
  const [{ makeContext, scopeFor }, { withHosts }, { pullRepo }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/code/pull.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: true });
  const { host, pulled } = await withHosts(
    ctx.core,
    scopeFor(ctx, argv.provider),
    [String(argv.name)],
    async ([h]) => ({
      host: h,
      pulled: await pullRepo(ctx.core, h, { repo: argv.repo }),
    }),
  );
  const { repo, refs } = pulled;
  if (argv.format === 'json') {
    ctx.output.result(JSON.stringify({ name: host.name, repo, refs }));
    return;
  }
  ctx.output.progress(
    `Pulled agent '${host.name}' into ${repo} (commit counts since ${host.from?.commit.slice(0, 12)}, where it started)`,
  );
  for (const line of formatPulled(refs)) ctx.output.result(line);
}
