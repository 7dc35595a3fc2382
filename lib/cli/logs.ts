import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UsageError } from '../errors.js';
import { safeText } from '../safe-text.js';
import { type SelectorArgs, withTagOption } from './fleet.js';
import { withDash } from './fleet-args.js';
import type { Context, GlobalArgs } from './setup.js';

interface LogsArgs extends GlobalArgs, SelectorArgs {
  names?: string[];
  lines?: number;
  follow?: boolean;
  raw?: boolean;
  provider?: string;
}

export const command = 'logs [names..]';
export const describe = "Print the agent's terminal output (its tmux pane, scrollback included) as plain text";

export function builder(y: Argv): Argv<LogsArgs> {
  return withTagOption(y)
    .positional('names', {
      type: 'string',
      array: true,
      describe: "agent names ('-': read them from stdin); several: each line prefixed",
    })
    .option('lines', {
      alias: 'n',
      type: 'number',
      requiresArg: true,
      describe: 'only the last LINES lines (with -f: to start with; default 10)',
    })
    .option('follow', {
      alias: 'f',
      type: 'boolean',
      describe: 'keep printing new lines until Ctrl-C or the agent exits',
    })
    .option('raw', {
      type: 'boolean',
      describe: "the pane's bytes as they are: control characters (escape sequences) are not made visible",
    })
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
    .example('$0 logs my-agent -n 50', 'the last 50 lines')
    .example('$0 logs my-agent -f', 'follow the output') as unknown as Argv<LogsArgs>;
}

export async function handler(argv: ArgumentsCamelCase<LogsArgs>): Promise<void> {
  const lines = argv.lines;
  if (lines !== undefined && (!Number.isInteger(lines) || lines < 0)) {
    throw new UsageError(`-n wants a whole number of lines, got ${JSON.stringify(String(lines))}`);
  }
  const [{ makeContext, scopeFor }, { withHosts }, { captureAgent, followAgent }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/terminal/agent-io.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: false });
  const names = withDash(argv.names);
  if (names.length !== 1 || names[0] === '-' || argv.tag !== undefined) {
    if (argv.follow) throw new UsageError('-f follows one agent; for several, use -n LINES');
    return logsOfSeveral(ctx, argv, names, lines);
  }
  // The pane is the agent's: its control characters are made visible (lib/safe-text.ts) unless --raw asks for them.
  const shown = (l: string) => (argv.raw ? l : safeText(l));
  await withHosts(ctx.core, scopeFor(ctx, argv.provider), names, async ([host]) => {
    if (argv.follow) {
      const stop = new AbortController();
      process.removeAllListeners('SIGINT');
      process.on('SIGINT', () => {
        stop.abort();
        process.exit(130);
      });
      const emit = (l: string) => process.stdout.write(`${shown(l)}\n`);
      await followAgent(ctx.core, host, lines ?? 10, emit, { stop: stop.signal });
      return;
    }
    const all = await captureAgent(ctx.core, host);
    const last = lines === undefined ? all : lines === 0 ? [] : all.slice(-lines);
    if (last.length > 0) process.stdout.write(`${last.map(shown).join('\n')}\n`);
  });
}

/** The last lines of several agents' terminals, each line prefixed with its agent's name. */
async function logsOfSeveral(ctx: Context, argv: LogsArgs, names: string[], lines: number | undefined): Promise<void> {
  const [{ scopeFor }, { withHosts }, { captureAgent }, { selectedNames, reportOutcomes }, { fanOut, linePrefixer }] =
    await Promise.all([
      import('./setup.js'),
      import('../core/hosts/resolve.js'),
      import('../core/terminal/agent-io.js'),
      import('./fleet.js'),
      import('../core/fleet/fanout.js'),
    ]);
  const scope = scopeFor(ctx, argv.provider);
  const selected = await selectedNames(ctx, scope, names, argv.tag);
  const prefix = linePrefixer(selected);
  const outcomes = await withHosts(ctx.core, scope, selected, (hosts) =>
    fanOut(hosts, async (h) => {
      const all = await captureAgent(ctx.core, h);
      const last = lines === undefined ? all : lines === 0 ? [] : all.slice(-lines);
      // one write per host: its lines stay together; control characters made visible unless --raw (lib/safe-text.ts)
      const text = (l: string) => prefix(h.name, argv.raw ? l : safeText(l));
      if (last.length > 0) process.stdout.write(`${last.map(text).join('\n')}\n`);
      return 0;
    }),
  );
  await reportOutcomes(outcomes);
}
