import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { Host } from '../core/model/host.js';
import { matchesTags, parseTagFilters } from '../core/model/tags.js';
import { MngError } from '../errors.js';
import { tokens } from './options.js';
import type { Context, GlobalArgs } from './setup.js';

interface ListArgs extends GlobalArgs {
  format: 'human' | 'json' | 'jsonl';
  provider?: string;
  tag?: string | string[];
}

export const command = 'list';
export const aliases = ['ls'];
export const describe = 'List the agents on every configured provider';

export function builder(y: Argv): Argv<ListArgs> {
  return y
    .option('format', {
      choices: ['human', 'json', 'jsonl'] as const,
      default: 'human' as const,
      describe: 'output format',
    })
    .option('provider', { type: 'string', describe: 'only this provider instance' })
    .option('tag', {
      type: 'string',
      nargs: 1,
      describe: 'only agents with this tag: KEY=VALUE, or KEY for any value (repeatable: all must match)',
    }) as unknown as Argv<ListArgs>;
}

/** The names shell completion offers; a provider that did not answer keeps its names from last time. */
async function cacheNames(ctx: Context, results: PromiseSettledResult<Host[]>[], partial: boolean): Promise<void> {
  const { readNames, writeNames } = await import('../core/hosts/name-cache.js');
  const all = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.map((h) => h.name) : []));
  const keep = partial ? readNames(ctx.core.dataDir, ctx.core.prefix) : [];
  await writeNames(ctx.core.dataDir, ctx.core.prefix, [...keep, ...all]);
}

export async function handler(argv: ArgumentsCamelCase<ListArgs>): Promise<void> {
  const filters = parseTagFilters(tokens(argv.tag));
  // Loaded side by side, not one after another: every module costs a file read and a compile.
  const [{ makeContext, scopeFor }, { listHosts }, { agentJson, listTable }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/lookup.js'),
    import('./format.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: false });
  const { daemons } = scopeFor(ctx, argv.provider);
  // Every daemon is asked at once; one that does not answer is reported without hiding the others.
  const results = await Promise.allSettled(daemons.map((d) => listHosts(ctx.core, d)));
  const hosts = results
    .flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
    .filter((h) => matchesTags(h.tags, filters));
  // this machine's forwards: local files, no docker call (a forward whose process ended is not shown)
  const { liveForwards } = await import('../core/forward/records.js');
  await Promise.all(
    hosts.map(async (h) => {
      h.forwards = await liveForwards(ctx.core.dataDir, h.containerName);
    }),
  );
  const errors = results.flatMap((r, i) =>
    r.status === 'rejected'
      ? [{ provider: daemons[i].provider, error: r.reason instanceof Error ? r.reason.message : String(r.reason) }]
      : [],
  );
  if (filters.length === 0) await cacheNames(ctx, results, errors.length > 0 || argv.provider !== undefined);
  if (argv.format === 'json') {
    ctx.output.result(JSON.stringify({ agents: hosts.map((h) => agentJson(h, ctx.core.dataDir)), errors }, null, 2));
  } else if (argv.format === 'jsonl') {
    for (const h of hosts) ctx.output.result(JSON.stringify(agentJson(h, ctx.core.dataDir)));
  } else if (hosts.length === 0 && errors.length === 0) {
    ctx.output.result('No agents yet. Create one with: mng create NAME --in docker');
  } else if (hosts.length > 0) {
    ctx.output.result(listTable(hosts, ctx.output.out));
  }
  if (argv.format !== 'json') {
    for (const e of errors) ctx.output.warn(`provider '${e.provider}': ${e.error}`);
  }
  // Every provider failed: that is a failure. Some failed: the others' agents are shown, and the exit code says it was partial.
  if (errors.length > 0) {
    if (errors.length === daemons.length && daemons.length === 1) throw new MngError(errors[0].error);
    process.exitCode = 1;
  }
}
