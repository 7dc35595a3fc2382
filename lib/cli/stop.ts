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
  const names = [...new Set(argv.names.map(String))];
  const [{ makeContext, scopeFor }, { withHosts }, { stopHosts }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/lifecycle/stop.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: true });
  // Each host asked of Docker once (by the container id this machine recorded, else by name), then stopped by its id.
  const { stopped, notRunning } = await withHosts(ctx.core, scopeFor(ctx, argv.provider), names, (hosts) =>
    stopHosts(ctx.core, hosts),
  );
  for (const h of notRunning) {
    ctx.output.progress(
      h.state === 'stopped'
        ? `agent '${h.name}' is already stopped: nothing to stop`
        : `agent '${h.name}' is not running (state: ${h.state}): nothing to stop`,
    );
  }
  for (const h of stopped) ctx.output.result(h.name);
}
