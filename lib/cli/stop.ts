import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { GlobalArgs } from './setup.js';

interface StopArgs extends GlobalArgs {
  names: string[];
  provider?: string;
}

export const command = 'stop <names..>';
export const describe = "Stop agents' hosts (docker stop): files are kept, mng start brings them back";

export function builder(y: Argv): Argv<StopArgs> {
  return y
    .positional('names', { type: 'string', array: true, demandOption: true, describe: 'agent names' })
    .option('provider', {
      type: 'string',
      describe: 'provider instance holding the agents',
    }) as unknown as Argv<StopArgs>;
}

export async function handler(argv: ArgumentsCamelCase<StopArgs>): Promise<void> {
  const { makeContext, locateAgents } = await import('./setup.js');
  const { recordedHosts, stopRecorded } = await import('../core/hosts/recorded.js');
  const names = [...new Set(argv.names.map(String))];
  const ctx = await makeContext(argv, { interruptible: true });
  // Hosts this machine created or started: docker stop at once. Otherwise (or when docker no longer knows a name), the lookup.
  const recorded = await recordedHosts(ctx.core, ctx.config, names, argv.provider);
  const { stopped, notRunning } =
    (recorded && (await stopRecorded(ctx.core, recorded))) ??
    (await (
      await import('../core/lifecycle/lifecycle.js')
    ).stopHosts(ctx.core, await locateAgents(ctx, argv.provider, names)));
  for (const h of notRunning) {
    ctx.output.progress(
      h.state === 'stopped'
        ? `agent '${h.name}' is already stopped: nothing to stop`
        : `agent '${h.name}' is not running (state: ${h.state}): nothing to stop`,
    );
  }
  for (const h of stopped) ctx.output.result(h.name);
}
