import type { Argv, ArgumentsCamelCase } from 'yargs';
import { MngError, UsageError } from '../errors.js';
import type { Host } from '../core/model/host.js';
import type { Context, GlobalArgs } from './setup.js';

interface DestroyArgs extends GlobalArgs {
  names: string[];
  force?: boolean;
  'keep-snapshots'?: boolean;
  provider?: string;
  pull?: boolean;
}

export const command = 'destroy <names..>';
export const aliases = ['rm'];
export const describe = 'Remove agents: their containers, snapshots and everything mng made only for them';

export function builder(y: Argv): Argv<DestroyArgs> {
  return y
    .positional('names', { type: 'string', array: true, demandOption: true, describe: 'agent names' })
    .option('force', { alias: 'f', type: 'boolean', describe: 'do not ask for confirmation' })
    .option('keep-snapshots', { type: 'boolean', describe: "keep the agents' snapshot images (removed by default)" })
    .option('provider', { type: 'string', describe: 'provider instance holding the agents' })
    .option('pull', {
      type: 'boolean',
      default: true,
      describe: 'agents made with --from a repository: mng pull their work first (--no-pull to skip)',
    }) as unknown as Argv<DestroyArgs>;
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Every agent's work made with --from a repository, pulled before any agent is removed: a failed pull destroys nothing. */
async function pullFirst(
  ctx: Context,
  hosts: Host[],
  { fromOf }: typeof import('../core/code/repo.js'),
  { pullRepo, startForPull }: typeof import('../core/code/pull.js'),
): Promise<void> {
  for (const h of hosts) {
    const from = await fromOf(ctx.core, h);
    if (from?.kind !== 'git') continue;
    const host = { ...h, from };
    try {
      const { repo } = await pullRepo(ctx.core, await startForPull(ctx.core, host));
      ctx.output.progress(
        `Pulled the work of '${host.name}' into refs/mng/${host.name}/ of ${repo} before destroying it`,
      );
    } catch (e) {
      throw new MngError(`not destroyed: pulling the work of '${host.name}' first failed: ${(e as Error).message}`, {
        hint: (e as MngError).hint
          ? `${(e as MngError).hint}, or pass --no-pull to destroy without pulling`
          : 'pass --no-pull to destroy without pulling',
      });
    }
  }
}

/** --no-pull: which agents' work is not pulled (their refs/mng/NAME/ keep what an earlier pull fetched, if any). */
async function sayNotPulled(ctx: Context, hosts: Host[], { fromOf }: typeof import('../core/code/repo.js')) {
  for (const h of hosts) {
    if ((await fromOf(ctx.core, h))?.kind === 'git') {
      ctx.output.progress(`Not pulling the work of '${h.name}' (--no-pull): refs/mng/${h.name}/ keep what they hold`);
    }
  }
}

export async function handler(argv: ArgumentsCamelCase<DestroyArgs>): Promise<void> {
  const names = [...new Set(argv.names.map(String))];
  if (!argv.force && !process.stdin.isTTY) {
    throw new UsageError(
      `refusing to destroy ${names.join(', ')} without confirmation: stdin is not a terminal`,
      'pass --force',
    );
  }
  const [{ makeContext, scopeFor }, { resolveHosts }, { destroyHosts }, { updateNames }, repo, pull] =
    await Promise.all([
      import('./setup.js'),
      import('../core/hosts/resolve.js'),
      import('../core/lifecycle/destroy.js'),
      import('../core/hosts/name-cache.js'),
      import('../core/code/repo.js'),
      import('../core/code/pull.js'),
    ]);
  const ctx = await makeContext(argv, { interruptible: true });
  // Every name is resolved before anything is removed: a typo destroys nothing.
  const hosts = await resolveHosts(ctx.core, scopeFor(ctx, argv.provider), names);
  if (!argv.force) {
    const ok = await confirm(
      `Destroy ${names.length === 1 ? `agent '${names[0]}'` : `${names.length} agents (${names.join(', ')})`}? Its files are lost. [y/N] `,
    );
    if (!ok) throw new MngError('not destroyed');
  }
  if (argv.pull !== false) await pullFirst(ctx, hosts, repo, pull);
  else await sayNotPulled(ctx, hosts, repo);
  const destroyed = await destroyHosts(ctx.core, hosts, { keepSnapshots: Boolean(argv.keepSnapshots) });
  for (const { host, snapshotsRemoved } of destroyed) {
    if (snapshotsRemoved > 0)
      ctx.output.progress(`Removed ${snapshotsRemoved} snapshot${snapshotsRemoved === 1 ? '' : 's'} of '${host.name}'`);
    ctx.output.result(host.name);
  }
  await updateNames(ctx.core.dataDir, ctx.core.prefix, { remove: destroyed.map((d) => d.host.name) });
}
