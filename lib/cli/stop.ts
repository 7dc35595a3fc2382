import type { Argv, ArgumentsCamelCase } from 'yargs';
import { type SelectorArgs, selectedNames, withTagOption } from './fleet.js';
import { withDash } from './fleet-args.js';
import type { GlobalArgs } from './setup.js';

interface StopArgs extends GlobalArgs, SelectorArgs {
  names?: string[];
  provider?: string;
}

export const command = 'stop [names..]';
export const describe = "Stop agents' hosts (docker stop): files are kept, mng start brings them back";

export function builder(y: Argv): Argv<StopArgs> {
  return withTagOption(y)
    .positional('names', { type: 'string', array: true, describe: "agent names ('-': read them from stdin)" })
    .option('provider', {
      type: 'string',
      describe: 'provider instance holding the agents',
    }) as unknown as Argv<StopArgs>;
}

export async function handler(argv: ArgumentsCamelCase<StopArgs>): Promise<void> {
  const [{ makeContext, scopeFor }, { withHosts }, { stopHosts }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/lifecycle/stop.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: true });
  const scope = scopeFor(ctx, argv.provider);
  const names = await selectedNames(ctx, scope, withDash(argv.names), argv.tag);
  // Each host asked of Docker once (by the container id this machine recorded, else by name), then stopped by its id.
  const { stopped, notRunning } = await withHosts(ctx.core, scope, names, (hosts) => stopHosts(ctx.core, hosts));
  for (const h of notRunning) {
    ctx.output.progress(
      h.state === 'stopped'
        ? `agent '${h.name}' is already stopped: nothing to stop`
        : `agent '${h.name}' is not running (state: ${h.state}): nothing to stop`,
    );
  }
  for (const h of stopped) ctx.output.result(h.name);
}
