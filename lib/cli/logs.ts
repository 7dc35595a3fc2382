import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UsageError } from '../errors.js';
import { safeText } from '../safe-text.js';
import type { GlobalArgs } from './setup.js';

interface LogsArgs extends GlobalArgs {
  name: string;
  lines?: number;
  follow?: boolean;
  raw?: boolean;
  provider?: string;
}

export const command = 'logs <name>';
export const describe = "Print the agent's terminal output (its tmux pane, scrollback included) as plain text";

export function builder(y: Argv): Argv<LogsArgs> {
  return y
    .positional('name', { type: 'string', demandOption: true, describe: 'agent name' })
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
  // The pane is the agent's: its control characters are made visible (lib/safe-text.ts) unless --raw asks for them.
  const shown = (l: string) => (argv.raw ? l : safeText(l));
  await withHosts(ctx.core, scopeFor(ctx, argv.provider), [argv.name], async ([host]) => {
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
