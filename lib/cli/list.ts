import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { Host } from '../core/model/host.js';
import { matchesTags, parseTagFilters, type TagFilter } from '../core/model/tags.js';
import { MngError, UsageError } from '../errors.js';
import { safeText } from '../safe-text.js';
import { tokens } from './options.js';
import type { Context, GlobalArgs } from './setup.js';

interface ListArgs extends GlobalArgs {
  format: 'human' | 'json' | 'jsonl' | 'names';
  provider?: string;
  tag?: string | string[];
  watch?: boolean;
  interval?: number;
}

export const command = 'list';
export const aliases = ['ls'];
export const describe = 'List the agents on every configured provider';

export function builder(y: Argv): Argv<ListArgs> {
  return y
    .option('format', {
      choices: ['human', 'json', 'jsonl', 'names'] as const,
      default: 'human' as const,
      describe: "output format; names: one name a line (for other commands' '-')",
    })
    .option('watch', {
      alias: 'w',
      type: 'boolean',
      describe: 'show the table again every --interval seconds (redrawn in place on a terminal) until Ctrl-C',
    })
    .option('interval', {
      type: 'number',
      default: 2,
      requiresArg: true,
      describe: 'seconds between two --watch views',
    })
    .option('provider', { type: 'string', describe: 'only this provider instance' })
    .option('tag', {
      type: 'string',
      nargs: 1,
      describe: 'only agents with this tag: KEY=VALUE, or KEY for any value (repeatable: all must match)',
    }) as unknown as Argv<ListArgs>;
}

type Listed = PromiseSettledResult<{ hosts: Host[]; problems: { container: string; problem: string }[] }>;

/** The names shell completion offers; a provider that did not answer keeps its names from last time. */
async function cacheNames(ctx: Context, results: Listed[], partial: boolean): Promise<void> {
  const { readNames, writeNames } = await import('../core/hosts/name-cache.js');
  const all = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.hosts.map((h) => h.name) : []));
  const keep = partial ? readNames(ctx.core.dataDir, ctx.core.prefix) : [];
  await writeNames(ctx.core.dataDir, ctx.core.prefix, [...keep, ...all]);
}

export async function handler(argv: ArgumentsCamelCase<ListArgs>): Promise<void> {
  const filters = parseTagFilters(tokens(argv.tag));
  if (argv.watch) return watchList(argv, filters);
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
    .flatMap((r) => (r.status === 'fulfilled' ? r.value.hosts : []))
    .filter((h) => matchesTags(h.tags, filters));
  await attachForwards(ctx.core.dataDir, hosts);
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected'
      ? [{ provider: daemons[i].provider, error: r.reason instanceof Error ? r.reason.message : String(r.reason) }]
      : [],
  );
  // Containers that claim to be hosts but are not as mng makes them: named, never shown as agents, never acted on.
  const bad = results.flatMap((r, i) =>
    r.status === 'fulfilled'
      ? r.value.problems.map((p) => ({ provider: daemons[i].provider, container: p.container, error: p.problem }))
      : [],
  );
  const errors = [...failed, ...bad];
  if (filters.length === 0) await cacheNames(ctx, results, failed.length > 0 || argv.provider !== undefined);
  if (argv.format === 'names') {
    for (const h of hosts) ctx.output.result(h.name);
  } else if (argv.format === 'json') {
    ctx.output.result(JSON.stringify({ agents: hosts.map((h) => agentJson(h, ctx.core.dataDir)), errors }, null, 2));
  } else if (argv.format === 'jsonl') {
    for (const h of hosts) ctx.output.result(JSON.stringify(agentJson(h, ctx.core.dataDir)));
  } else if (hosts.length === 0 && errors.length === 0) {
    ctx.output.result('No agents yet. Create one with: mng create NAME --in docker');
  } else if (hosts.length > 0 || bad.length > 0) {
    ctx.output.result(listTable(hosts, ctx.output.out, Date.now(), bad));
  }
  if (argv.format !== 'json') {
    for (const e of failed) ctx.output.warn(`provider '${e.provider}': ${e.error}`);
    for (const e of bad) {
      ctx.output.warn(
        `provider '${e.provider}': container ${JSON.stringify(e.container)} is not as mng makes it, so mng leaves it alone: ${e.error}`,
      );
    }
  }
  // Every provider failed: that is a failure. Some failed (or a container is not as mng makes it): the others'
  // agents are shown, and the exit code says it was partial.
  if (errors.length > 0) {
    if (failed.length === daemons.length && daemons.length === 1) throw new MngError(failed[0].error);
    process.exitCode = 1;
  }
}

/** --watch: the human table with each agent's time in its state, every --interval seconds, until Ctrl-C (exit 0). */
async function watchList(argv: ArgumentsCamelCase<ListArgs>, filters: TagFilter[]): Promise<void> {
  if (argv.format !== 'human') throw new UsageError('--watch shows the table: it does not go with --format');
  const interval = Number(argv.interval);
  if (!(interval > 0)) throw new UsageError('--interval wants a positive number of seconds');
  const [{ makeContext, scopeFor }, { listHosts }, { listTable }, { watchLoop }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/lookup.js'),
    import('./format.js'),
    import('./list-watch.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: false });
  const { daemons } = scopeFor(ctx, argv.provider);
  const stop = new AbortController();
  process.removeAllListeners('SIGINT');
  process.on('SIGINT', () => stop.abort());
  const render = async () => {
    const results = await Promise.allSettled(daemons.map((d) => listHosts(ctx.core, d)));
    const hosts = results
      .flatMap((r) => (r.status === 'fulfilled' ? r.value.hosts : []))
      .filter((h) => matchesTags(h.tags, filters));
    const bad = results.flatMap((r, i) =>
      r.status === 'fulfilled' ? r.value.problems.map((p) => ({ provider: daemons[i].provider, ...p })) : [],
    );
    const errors = [
      ...results.flatMap((r, i) =>
        r.status === 'rejected'
          ? [`provider '${daemons[i].provider}': ${(r.reason as Error).message ?? r.reason}`]
          : [],
      ),
      ...bad.map(
        (b) =>
          `provider '${b.provider}': container ${JSON.stringify(b.container)} is not as mng makes it, so mng leaves it alone: ${b.problem}`,
      ),
    ].map((e) => safeText(e));
    await attachForwards(ctx.core.dataDir, hosts);
    const now = Date.now();
    const head = `Every ${interval}s: mng list  ${new Date(now).toISOString().slice(11, 19)} UTC  (Ctrl-C to stop)`;
    const table =
      hosts.length > 0 || bad.length > 0
        ? listTable(hosts, ctx.output.out, now, bad, { timeInState: true })
        : 'No agents.';
    return [head, '', table, ...errors].join('\n');
  };
  await watchLoop(render, {
    intervalSeconds: interval,
    tty: Boolean(process.stdout.isTTY),
    write: (s) => process.stdout.write(s),
    signal: stop.signal,
  });
}

/** This machine's live forwards, for the FORWARDS column: local files, no docker call (an ended one is not shown). */
async function attachForwards(dataDir: string, hosts: Host[]): Promise<void> {
  const { liveForwards } = await import('../core/forward/records.js');
  await Promise.all(
    hosts.map(async (h) => {
      h.forwards = await liveForwards(dataDir, h.alias);
    }),
  );
}
