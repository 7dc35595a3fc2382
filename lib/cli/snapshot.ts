import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';
import { validateSnapshotName } from '../core/model/snapshot.js';
import { MngError, UsageError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

interface SnapshotArgs extends GlobalArgs {
  agent: string;
  provider?: string;
}

interface CreateArgs extends SnapshotArgs {
  name?: string;
}

interface ListArgs extends SnapshotArgs {
  format: 'human' | 'json';
}

interface DestroyArgs extends SnapshotArgs {
  snapshot?: string[];
  all?: boolean;
}

// The agent is positional `agent` (shown as NAME in help): `--name` is the snapshot's name.
const agentPositional = (y: Argv) =>
  y
    .positional('agent', { type: 'string', demandOption: true, describe: 'agent name' })
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' });

/** The one lazy boundary of the snapshot commands: their context, the resolver and the snapshot functions. */
async function load(argv: SnapshotArgs, interruptible: boolean) {
  const [setup, resolve, snapshots] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/lifecycle/snapshots.js'),
  ]);
  const ctx = await setup.makeContext(argv, { interruptible });
  return { ctx, scope: setup.scopeFor(ctx, argv.provider), ...resolve, ...snapshots };
}

const create: CommandModule<GlobalArgs, CreateArgs> = {
  command: 'create <agent>',
  describe: "Commit the agent's container (running or stopped) to a snapshot image; prints the snapshot id",
  builder: (y) =>
    agentPositional(y).option('name', {
      type: 'string',
      requiresArg: true,
      describe: 'a name for the snapshot (default: snap-<UTC time>)',
    }) as unknown as Argv<CreateArgs>,
  handler: async (argv: ArgumentsCamelCase<CreateArgs>) => {
    const name = argv.name === undefined ? undefined : validateSnapshotName(argv.name);
    const { ctx, scope, actOn, snapshotHost } = await load(argv, true);
    // By the container id this machine recorded: docker commit at once. Otherwise (or when that container is gone), the lookup.
    const snap = await actOn(ctx.core, scope, [argv.agent], ([ref]) => snapshotHost(ctx.core, ref, name));
    ctx.output.result(snap.id);
    ctx.output.progress(
      `Snapshot ${snap.id} (${snap.name}) of agent '${argv.agent}': mng start ${argv.agent} --snapshot ${snap.id}`,
    );
  },
};

const list: CommandModule<GlobalArgs, ListArgs> = {
  command: 'list <agent>',
  aliases: ['ls'],
  describe: "List the agent's snapshots, newest first",
  builder: (y) =>
    agentPositional(y).option('format', {
      choices: ['human', 'json'] as const,
      default: 'human' as const,
      describe: 'output format',
    }) as unknown as Argv<ListArgs>,
  handler: async (argv: ArgumentsCamelCase<ListArgs>) => {
    const [{ ctx, scope, resolveHosts, listSnapshots }, { snapshotJson, snapshotTable }] = await Promise.all([
      load(argv, false),
      import('./format-snapshots.js'),
    ]);
    const [host] = await resolveHosts(ctx.core, scope, [argv.agent]);
    const snaps = await listSnapshots(ctx.core, host);
    if (argv.format === 'json') {
      ctx.output.result(JSON.stringify({ snapshots: snaps.map(snapshotJson) }, null, 2));
    } else if (snaps.length === 0) {
      ctx.output.result(`No snapshots of agent '${host.name}'. Make one with: mng snapshot create ${host.name}`);
    } else {
      ctx.output.result(snapshotTable(snaps, ctx.output.out));
    }
  },
};

const destroy: CommandModule<GlobalArgs, DestroyArgs> = {
  command: 'destroy <agent>',
  aliases: ['rm'],
  describe: 'Remove snapshots of the agent: --snapshot ID (repeatable) or --all',
  builder: (y) =>
    agentPositional(y)
      .option('snapshot', {
        type: 'string',
        array: true,
        requiresArg: true,
        describe: 'a snapshot to remove (id, id prefix or name); repeatable',
      })
      .option('all', { type: 'boolean', describe: 'every snapshot of the agent' }) as unknown as Argv<DestroyArgs>,
  handler: async (argv: ArgumentsCamelCase<DestroyArgs>) => {
    const refs = (argv.snapshot ?? []).map(String);
    if (refs.length === 0 && !argv.all)
      throw new UsageError('say which snapshots to remove: --snapshot ID (repeatable) or --all');
    if (refs.length > 0 && argv.all) throw new UsageError('give either --snapshot or --all, not both');
    const { ctx, scope, resolveHosts, listSnapshots, resolveSnapshot, removeSnapshots } = await load(argv, true);
    const [host] = await resolveHosts(ctx.core, scope, [argv.agent]);
    const known = await listSnapshots(ctx.core, host);
    // Resolve every reference first: a typo removes nothing.
    const chosen = argv.all ? known : await Promise.all(refs.map((r) => resolveSnapshot(ctx.core, host, r, known)));
    const unique = [...new Map(chosen.map((s) => [s.imageId, s])).values()];
    // The snapshot the host's container runs from (after start --snapshot) stays until the host goes: docker cannot remove it.
    const inUse = unique.filter((s) => s.imageId === host.imageId);
    if (inUse.length > 0 && !argv.all) {
      throw new MngError(
        `snapshot ${inUse[0].id} is the image agent '${host.name}' runs from (it was started from it); it is removed with the agent`,
        { hint: `mng destroy ${host.name}, or start it from another snapshot first` },
      );
    }
    for (const s of inUse)
      ctx.output.warn(
        `kept snapshot ${s.id} (${s.name}): agent '${host.name}' runs from it; it is removed with the agent`,
      );
    const doomed = unique.filter((s) => s.imageId !== host.imageId);
    await removeSnapshots(ctx.core, host.daemon, doomed);
    for (const s of doomed) ctx.output.result(s.id);
    if (unique.length === 0) ctx.output.progress(`agent '${host.name}' has no snapshots: nothing to remove`);
  },
};

export const command = 'snapshot <command>';
export const describe = "Snapshots of an agent's host (docker commit images): create, list, destroy";

export function builder(y: Argv): Argv {
  return y
    .command(create as unknown as CommandModule)
    .command(list as unknown as CommandModule)
    .command(destroy as unknown as CommandModule)
    .demandCommand(1, 'a snapshot command is required: create, list or destroy');
}

export function handler(): void {
  // the subcommands do the work
}
