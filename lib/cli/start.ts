import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { AgentState } from '../core/container/scripts.js';
import { MngError, UsageError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

interface StartArgs extends GlobalArgs {
  names: string[];
  snapshot?: string;
  provider?: string;
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
    .example('$0 start my-agent', 'start a stopped agent')
    .example(
      '$0 start my-agent --snapshot 3f2a9c1b7d4e',
      "the agent's files as they were at that snapshot",
    ) as unknown as Argv<StartArgs>;
}

export async function handler(argv: ArgumentsCamelCase<StartArgs>): Promise<void> {
  const names = [...new Set(argv.names.map(String))];
  if (argv.snapshot !== undefined && names.length !== 1) {
    throw new UsageError(`--snapshot starts one agent, but ${names.length} were named`);
  }
  const { makeContext, locateAgents, sshTimeoutSeconds } = await import('./setup.js');
  const { startHosts, startFromSnapshot } = await import('../core/lifecycle/lifecycle.js');
  const ctx = await makeContext(argv, { interruptible: true });
  const timeout = sshTimeoutSeconds();

  const { agentWarning } = await import('./format.js');
  const agentNote = (name: string, agent: AgentState) => {
    const warning = agentWarning(name, agent);
    if (warning) ctx.output.warn(warning);
  };

  if (argv.snapshot !== undefined) {
    const [{ provider, host }] = await locateAgents(ctx, argv.provider, names);
    const r = await startFromSnapshot(ctx.core, provider, host, argv.snapshot, { sshTimeoutSeconds: timeout });
    agentNote(r.host.name, r.agent);
    ctx.output.result(r.host.name);
    ctx.output.progress(
      `Agent '${r.host.name}' runs from snapshot ${r.snapshot.id} (${r.snapshot.name}): mng connect ${r.host.name}`,
    );
    return;
  }

  // Hosts this machine created or started: docker start at once. Otherwise (or when docker no longer knows a name), the lookup.
  const { recordedHosts, startRecorded } = await import('../core/hosts/recorded.js');
  const recorded = await recordedHosts(ctx.core, ctx.config, names, argv.provider, { endpoint: true });
  const outcomes =
    (recorded && (await startRecorded(ctx.core, recorded, { sshTimeoutSeconds: timeout }))) ??
    (await startHosts(ctx.core, await locateAgents(ctx, argv.provider, names), { sshTimeoutSeconds: timeout }));
  for (const o of outcomes) {
    if (o.status === 'running') ctx.output.progress(`agent '${o.host.name}' is already running: nothing to start`);
    if (o.status === 'started') {
      agentNote(o.host.name, o.agent);
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
