import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UsageError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

interface LogsArgs extends GlobalArgs {
  name: string;
  lines?: number;
  follow?: boolean;
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
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
    .example('$0 logs my-agent -n 50', 'the last 50 lines')
    .example('$0 logs my-agent -f', 'follow the output') as unknown as Argv<LogsArgs>;
}

export async function handler(argv: ArgumentsCamelCase<LogsArgs>): Promise<void> {
  if (argv.lines !== undefined && (!Number.isInteger(argv.lines) || argv.lines < 0)) {
    throw new UsageError(`-n wants a whole number of lines, got ${JSON.stringify(String(argv.lines))}`);
  }
  const { makeContext, locateAgents } = await import('./setup.js');
  const { captureAgent, followAgent } = await import('../core/terminal/agent-io.js');
  const ctx = await makeContext(argv, { interruptible: false });
  const [{ provider, host }] = await locateAgents(ctx, argv.provider, [argv.name]);
  if (argv.follow) {
    const stop = new AbortController();
    process.removeAllListeners('SIGINT');
    process.on('SIGINT', () => {
      stop.abort();
      process.exit(130);
    });
    await followAgent(ctx.core, provider, host, argv.lines ?? 10, (l) => process.stdout.write(l + '\n'), {
      stop: stop.signal,
    });
    return;
  }
  const lines = await captureAgent(ctx.core, provider, host);
  const shown = argv.lines === undefined ? lines : argv.lines === 0 ? [] : lines.slice(-argv.lines);
  if (shown.length > 0) process.stdout.write(shown.join('\n') + '\n');
}
