import type { Argv, ArgumentsCamelCase } from 'yargs';
import { formatDuration, parseDuration } from '../config/duration.js';
import { MngError, UsageError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

interface WaitArgs extends GlobalArgs {
  name: string;
  idle?: string;
  timeout?: string;
  provider?: string;
}

export const command = 'wait <name>';
export const describe = 'Wait until the agent exits (mng exits with its code) or, with --idle, its terminal goes quiet';

export function builder(y: Argv): Argv<WaitArgs> {
  return y
    .positional('name', { type: 'string', demandOption: true, describe: 'agent name' })
    .option('idle', {
      type: 'string',
      requiresArg: true,
      describe: 'also return once the terminal has printed nothing for this long (30, 30s, 2m)',
    })
    .option('timeout', { type: 'string', requiresArg: true, describe: 'give up after this long: exit code 124' })
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
    .example(
      '$0 message x "run the tests" && $0 wait x --idle 30 && $0 logs x -n 50',
      'drive an agent from a Makefile',
    ) as unknown as Argv<WaitArgs>;
}

export async function handler(argv: ArgumentsCamelCase<WaitArgs>): Promise<void> {
  const seconds = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const s = parseDuration(v);
    if (s === undefined || s === 0)
      throw new UsageError(`--${flag} wants a duration like 30, 30s or 2m, got ${JSON.stringify(v)}`);
    return s;
  };
  const idleSeconds = seconds('idle', argv.idle);
  const timeoutSeconds = seconds('timeout', argv.timeout);
  const [{ makeContext, scopeFor }, { withHosts }, { waitForAgent, WAIT_TIMEOUT_EXIT }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/terminal/agent-io.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: true });
  const { host, r } = await withHosts(ctx.core, scopeFor(ctx, argv.provider), [argv.name], async ([h]) => ({
    host: h,
    r: await waitForAgent(ctx.core, h, { idleSeconds, timeoutSeconds }),
  }));
  switch (r.kind) {
    case 'exited':
      ctx.output.progress(`agent '${host.name}' exited${r.exitCode === null ? '' : ` with code ${r.exitCode}`}`);
      process.exitCode = r.exitCode ?? 1;
      return;
    case 'idle':
      ctx.output.progress(`agent '${host.name}' printed nothing for ${formatDuration(idleSeconds!)}`);
      return;
    case 'timeout':
      throw new MngError(
        `agent '${host.name}' had not exited after ${formatDuration(timeoutSeconds!)}${idleSeconds ? ' and was not idle' : ''}`,
        { exitCode: WAIT_TIMEOUT_EXIT },
      );
    case 'stopped':
      throw new MngError(`agent '${host.name}''s host stopped while waiting`, {
        hint: `mng list shows why; mng start ${host.name}`,
      });
  }
}
