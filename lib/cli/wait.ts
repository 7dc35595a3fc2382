import type { Argv, ArgumentsCamelCase } from 'yargs';
import { formatDuration, parseDuration } from '../config/duration.js';
import { MngError, UsageError } from '../errors.js';
import { type SelectorArgs, withTagOption } from './fleet.js';
import { withDash } from './fleet-args.js';
import type { Context, GlobalArgs } from './setup.js';

interface WaitArgs extends GlobalArgs, SelectorArgs {
  names?: string[];
  idle?: string;
  timeout?: string;
  until?: string;
  all?: boolean;
  provider?: string;
}

export const command = 'wait [names..]';
export const describe =
  'Wait until the agent exits (mng exits with its code), with --idle its terminal goes quiet, or with --until one of several agents reaches a state';

export function builder(y: Argv): Argv<WaitArgs> {
  return withTagOption(
    y
      .positional('names', { type: 'string', array: true, describe: "agent names ('-': read them from stdin)" })
      .option('idle', {
        type: 'string',
        requiresArg: true,
        describe: 'also return once the terminal has printed nothing for this long (30, 30s, 2m)',
      })
      .option('until', {
        type: 'string',
        requiresArg: true,
        describe: 'return when an agent is in one of these states: working, waiting, exited, unknown (comma-separated)',
      })
      .option('all', { type: 'boolean', describe: 'with --until: return when every agent is there, not the first' })
      .option('timeout', { type: 'string', requiresArg: true, describe: 'give up after this long: exit code 124' })
      .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
      .example(
        '$0 message x "run the tests" && $0 wait x --idle 30 && $0 logs x -n 50',
        'drive an agent from a Makefile',
      )
      .example('$0 wait fix-1 fix-2 fix-3 --until waiting', 'returns when one needs you; prints its name'),
  ) as unknown as Argv<WaitArgs>;
}

const seconds = (flag: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const s = parseDuration(v);
  if (s === undefined || s === 0)
    throw new UsageError(`--${flag} wants a duration like 30, 30s or 2m, got ${JSON.stringify(v)}`);
  return s;
};

export async function handler(argv: ArgumentsCamelCase<WaitArgs>): Promise<void> {
  const idleSeconds = seconds('idle', argv.idle);
  const timeoutSeconds = seconds('timeout', argv.timeout);
  const names = withDash(argv.names);
  if (argv.until !== undefined) {
    if (idleSeconds !== undefined) throw new UsageError('--idle and --until do not go together: use --until waiting');
    const { parseStates } = await import('../core/model/agent-state.js');
    const states = parseStates(argv.until);
    const { makeContext } = await import('./setup.js');
    return waitUntilStates(await makeContext(argv, { interruptible: true }), argv, names, states, timeoutSeconds);
  }
  if (argv.all) throw new UsageError('--all goes with --until');
  if (names.length !== 1 || names[0] === '-' || argv.tag !== undefined) {
    throw new UsageError('waiting for several agents needs --until STATE (for example --until waiting,exited)');
  }
  const [{ makeContext, scopeFor }, { withHosts }, { waitForAgent, WAIT_TIMEOUT_EXIT }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/terminal/agent-io.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: true });
  const { host, r } = await withHosts(ctx.core, scopeFor(ctx, argv.provider), names, async ([h]) => ({
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

/** --until: the names of the agents that got there on stdout (one a line), their states on stderr. */
async function waitUntilStates(
  ctx: Context,
  argv: WaitArgs,
  names: string[],
  states: import('../core/model/agent-state.js').AgentStateName[],
  timeoutSeconds: number | undefined,
): Promise<void> {
  const [{ scopeFor }, { selectedNames }, { waitUntil }, { agentCell }, { WAIT_TIMEOUT_EXIT }] = await Promise.all([
    import('./setup.js'),
    import('./fleet.js'),
    import('../core/fleet/wait.js'),
    import('../core/model/agent-state.js'),
    import('../core/terminal/agent-io.js'),
  ]);
  const scope = scopeFor(ctx, argv.provider);
  const selected = await selectedNames(ctx, scope, names, argv.tag);
  const r = await waitUntil(ctx.core, scope, selected, { states, all: Boolean(argv.all), timeoutSeconds });
  if (r.kind === 'stopped') {
    throw new MngError(`agent '${r.host.name}' is not running (state: ${r.host.state}): it cannot get there`, {
      hint: `mng list shows why; mng start ${r.host.name}`,
    });
  }
  if (r.kind === 'timeout') {
    const now = r.hosts.map((h) => `${h.name}: ${agentCell(h.agent)}`).join(', ');
    throw new MngError(
      `${argv.all ? 'not every agent was' : 'no agent was'} ${states.join(' or ')} after ${formatDuration(timeoutSeconds!)} (${now})`,
      { exitCode: WAIT_TIMEOUT_EXIT },
    );
  }
  for (const h of r.hosts) {
    ctx.output.progress(`agent '${h.name}': ${agentCell(h.agent)}`);
    ctx.output.result(h.name);
  }
}
