import type { Argv, ArgumentsCamelCase } from 'yargs';
import { MngError, UsageError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

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

export async function handler(argv: ArgumentsCamelCase<GcArgs>): Promise<void> {
  const { parseDuration } = await import('../config/duration.js');
  const minAge = argv.olderThan === '0' ? 0 : parseDuration(argv.olderThan);
  if (minAge === undefined)
    throw new UsageError(`--older-than wants a duration like 5m or 0, got ${JSON.stringify(argv.olderThan)}`);
  const { makeContext, providersFor } = await import('./setup.js');
  const { collectGarbage } = await import('../core/gc/gc.js');
  const ctx = await makeContext(argv, { interruptible: true });
  const results = await collectGarbage(ctx.core, providersFor(ctx.config, argv.provider), {
    dryRun: Boolean(argv.dryRun),
    snapshots: Boolean(argv.snapshots),
    minAgeSeconds: minAge,
  });
  const done = results.filter((r) => r.action.op !== 'keep' && !r.error);
  const failed = results.filter((r) => r.error);
  if (argv.format === 'json') {
    ctx.output.result(
      JSON.stringify(
        {
          dry_run: Boolean(argv.dryRun),
          actions: results
            .filter((r) => !(r.error && r.action.ref === '-'))
            .map((r) => ({
              op: r.action.op,
              kind: r.action.kind,
              ref: r.action.ref,
              ...(r.action.to ? { to: r.action.to } : {}),
              provider: r.provider ?? null,
              reason: r.action.reason,
              error: r.error ?? null,
            })),
          errors: failed.filter((r) => r.action.ref === '-').map((r) => ({ provider: r.provider, error: r.error })),
        },
        null,
        2,
      ),
    );
  } else {
    const verb = (op: string) =>
      (argv.dryRun
        ? { remove: 'would remove', rename: 'would rename', keep: 'keep' }
        : { remove: 'removed', rename: 'renamed', keep: 'kept' })[op as 'remove'];
    for (const r of done) {
      const what = `${r.action.kind} ${r.action.ref}${r.action.to ? ` to ${r.action.to}` : ''}`;
      ctx.output.result(
        `${verb(r.action.op)} ${what}${r.provider ? ` (provider ${r.provider})` : ''}: ${r.action.reason}`,
      );
    }
    for (const r of results.filter((x) => x.action.op === 'keep' && !x.error))
      ctx.output.progress(`${r.action.kind} ${r.action.ref}: ${r.action.reason}`);
    for (const r of failed)
      ctx.output.warn(
        r.action.ref === '-'
          ? `provider '${r.provider}': ${r.error}`
          : `${r.action.kind} ${r.action.ref} not removed: ${r.error}`,
      );
    if (results.length === 0) ctx.output.progress('Nothing to clean up');
  }
  if (failed.length > 0) {
    if (argv.format === 'json') process.exitCode = 1;
    else
      throw new MngError(`${failed.length} item${failed.length === 1 ? '' : 's'} could not be cleaned up (see above)`);
  }
}
