import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { AgentState } from '../core/container/agent.js';
import type { StartOutcome } from '../core/lifecycle/start.js';
import { MngError, UsageError } from '../errors.js';
import type { Context, GlobalArgs } from './setup.js';

interface StartArgs extends GlobalArgs {
  names: string[];
  snapshot?: string;
  provider?: string;
  fresh?: boolean;
}

export const command = 'start <names..>';
export const describe =
  "Start stopped agents' hosts: sshd and the agent's tmux session come back; --snapshot replaces the host's container";

export function builder(y: Argv): Argv<StartArgs> {
  return y
    .positional('names', { type: 'string', array: true, demandOption: true, describe: 'agent names' })
    .option('snapshot', {
      type: 'string',
      requiresArg: true,
      describe: 'start a new container from this snapshot of the agent (id, id prefix or name; see mng snapshot list)',
    })
    .option('provider', { type: 'string', describe: 'provider instance holding the agents' })
    .option('fresh', {
      type: 'boolean',
      describe: 'a coding agent starts a new conversation instead of continuing its last one',
    })
    .example('$0 start my-agent', 'start a stopped agent')
    .example(
      '$0 start my-agent --snapshot 3f2a9c1b7d4e',
      "the agent's files as they were at that snapshot",
    ) as unknown as Argv<StartArgs>;
}

/** The outcomes printed: started hosts on stdout, the rest on stderr; failures as one error. */
function report(
  ctx: Context,
  outcomes: StartOutcome[],
  agentWarning: (name: string, agent: AgentState) => string | undefined,
): void {
  for (const o of outcomes) {
    if (o.status === 'running') ctx.output.progress(`agent '${o.host.name}' is already running: nothing to start`);
    if (o.status === 'started') {
      const warning = agentWarning(o.host.name, o.agent);
      if (warning) ctx.output.warn(warning);
      ctx.output.result(o.host.name);
    }
  }
  const failed = outcomes.flatMap((o) => (o.status === 'failed' ? [o] : []));
  if (failed.length === 1 && outcomes.length === 1) throw failed[0].error;
  if (failed.length > 0) {
    throw new MngError(
      `${failed.length} of ${outcomes.length} agents did not start: ${failed.map((f) => `${f.host.name}: ${f.error.message}`).join('; ')}`,
    );
  }
}

export async function handler(argv: ArgumentsCamelCase<StartArgs>): Promise<void> {
  const names = [...new Set(argv.names.map(String))];
  if (argv.snapshot !== undefined && names.length !== 1) {
    throw new UsageError(`--snapshot starts one agent, but ${names.length} were named`);
  }
  const [{ makeContext, scopeFor, sshTimeoutSeconds }, { withHosts }, { startHosts }, { startFromSnapshot }, format] =
    await Promise.all([
      import('./setup.js'),
      import('../core/hosts/resolve.js'),
      import('../core/lifecycle/start.js'),
      import('../core/lifecycle/replace.js'),
      import('./format.js'),
    ]);
  const ctx = await makeContext(argv, { interruptible: true });
  const opts = { sshTimeoutSeconds: sshTimeoutSeconds(), fresh: argv.fresh };
  const scope = scopeFor(ctx, argv.provider);
  const snapshot = argv.snapshot;
  if (snapshot === undefined) {
    // Each host asked of Docker once (by the container id this machine recorded, else by name), then started by its id.
    const outcomes = await withHosts(ctx.core, scope, names, (hosts) => startHosts(ctx.core, hosts, opts));
    report(ctx, outcomes, format.agentWarning);
    return;
  }
  const r = await withHosts(ctx.core, scope, names, ([host]) => startFromSnapshot(ctx.core, host, snapshot, opts));
  const warning = format.agentWarning(r.host.name, r.agent);
  if (warning) ctx.output.warn(warning);
  ctx.output.result(r.host.name);
  ctx.output.progress(
    `Agent '${r.host.name}' runs from snapshot ${r.snapshot.id} (${r.snapshot.name}): mng connect ${r.host.name}`,
  );
}
