import type { Argv, ArgumentsCamelCase } from 'yargs';
import { parseDuration } from '../config/duration.js';
import type { GcResult } from '../core/gc/gc.js';
import { MngError, UsageError } from '../errors.js';
import type { Context, GlobalArgs } from './setup.js';

interface GcArgs extends GlobalArgs {
  'dry-run'?: boolean;
  provider?: string;
  snapshots?: boolean;
  'older-than': string;
  format: 'human' | 'json';
}

export const command = 'gc';
export const describe = 'Remove what interrupted commands and replaced images left behind (only what mng made)';

export function builder(y: Argv): Argv<GcArgs> {
  return y
    .option('dry-run', { type: 'boolean', describe: 'print what would be removed, and remove nothing' })
    .option('provider', { type: 'string', describe: 'only this provider instance' })
    .option('snapshots', {
      type: 'boolean',
      describe: 'also remove snapshots of agents that no longer exist (kept by default)',
    })
    .option('older-than', {
      type: 'string',
      default: '5m',
      describe: 'leave containers younger than this alone: a command may still be making them',
    })
    .option('format', { choices: ['human', 'json'] as const, default: 'human' as const, describe: 'output format' })
    .example('$0 gc --dry-run', 'what would go') as unknown as Argv<GcArgs>;
}

/** `--format json`: `{dry_run, actions, errors}` (a daemon that did not answer is an error, not an action). */
function gcJson(results: GcResult[], dryRun: boolean): string {
  const actions = results
    .filter((r) => !(r.error && r.action.ref === '-'))
    .map((r) => ({
      op: r.action.op,
      kind: r.action.kind,
      ref: r.action.ref,
      ...(r.action.to ? { to: r.action.to } : {}),
      provider: r.provider ?? null,
      reason: r.action.reason,
      error: r.error ?? null,
    }));
  const errors = results
    .filter((r) => r.error && r.action.ref === '-')
    .map((r) => ({ provider: r.provider, error: r.error }));
  return JSON.stringify({ dry_run: dryRun, actions, errors }, null, 2);
}

/** One line per action done (stdout), kept (narration) or failed (a warning). */
function printGc(ctx: Context, results: GcResult[], dryRun: boolean): void {
  const verb = (op: string) =>
    (dryRun
      ? { remove: 'would remove', rename: 'would rename', keep: 'keep' }
      : { remove: 'removed', rename: 'renamed', keep: 'kept' })[op as 'remove'];
  for (const r of results.filter((x) => x.action.op !== 'keep' && !x.error)) {
    const what = `${r.action.kind} ${r.action.ref}${r.action.to ? ` to ${r.action.to}` : ''}`;
    ctx.output.result(
      `${verb(r.action.op)} ${what}${r.provider ? ` (provider ${r.provider})` : ''}: ${r.action.reason}`,
    );
  }
  for (const r of results.filter((x) => x.action.op === 'keep' && !x.error))
    ctx.output.progress(`${r.action.kind} ${r.action.ref}: ${r.action.reason}`);
  for (const r of results.filter((x) => x.error))
    ctx.output.warn(
      r.action.ref === '-'
        ? `provider '${r.provider}': ${r.error}`
        : `${r.action.kind} ${r.action.ref} not removed: ${r.error}`,
    );
  if (results.length === 0) ctx.output.progress('Nothing to clean up');
}

export async function handler(argv: ArgumentsCamelCase<GcArgs>): Promise<void> {
  const minAge = argv.olderThan === '0' ? 0 : parseDuration(argv.olderThan);
  if (minAge === undefined)
    throw new UsageError(`--older-than wants a duration like 5m or 0, got ${JSON.stringify(argv.olderThan)}`);
  const [{ makeContext, scopeFor }, { collectGarbage }] = await Promise.all([
    import('./setup.js'),
    import('../core/gc/gc.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: true });
  const dryRun = Boolean(argv.dryRun);
  const opts = {
    dryRun,
    snapshots: Boolean(argv.snapshots),
    minAgeSeconds: minAge,
    allProviders: argv.provider === undefined,
  };
  const results = await collectGarbage(ctx.core, scopeFor(ctx, argv.provider).daemons, opts);
  if (argv.format === 'json') ctx.output.result(gcJson(results, dryRun));
  else printGc(ctx, results, dryRun);
  const failed = results.filter((r) => r.error).length;
  if (failed > 0) {
    if (argv.format === 'json') process.exitCode = 1;
    else throw new MngError(`${failed} item${failed === 1 ? '' : 's'} could not be cleaned up (see above)`);
  }
}
