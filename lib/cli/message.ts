import type { Argv, ArgumentsCamelCase } from 'yargs';
import { MngError, UsageError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

interface MessageArgs extends GlobalArgs {
  name: string;
  text: string[];
  provider?: string;
  'confirm-timeout': number;
  '--'?: (string | number)[];
}

export const command = 'message <name> [text..]';
export const describe = "Type text into the agent's terminal and submit it (Enter); '-' reads the text from stdin";

export function builder(y: Argv): Argv<MessageArgs> {
  return y
    .positional('name', { type: 'string', demandOption: true, describe: 'agent name' })
    .positional('text', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: "the text (words joined by spaces), or '-' for stdin",
    })
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
    .option('confirm-timeout', {
      type: 'number',
      default: 5,
      requiresArg: true,
      describe: 'seconds to wait for the agent to react to Enter',
    })
    .example('$0 message my-agent "run the tests"', 'give the agent its next instruction')
    .example('echo "fix the build" | $0 message my-agent -', 'the text from stdin') as unknown as Argv<MessageArgs>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export async function handler(argv: ArgumentsCamelCase<MessageArgs>): Promise<void> {
  // Words after `--` are text too: `mng message x -- --help` types "--help".
  const words = [...(argv.text ?? []), ...(argv['--'] ?? [])].map(String);
  // yargs keeps a lone '-' out of the array, so '-' and no text at all look alike here: both read stdin, unless it is
  // a terminal (then the text was simply forgotten).
  const fromStdin = words.length === 0 || (words.length === 1 && words[0] === '-');
  if (fromStdin && process.stdin.isTTY)
    throw new UsageError("no text given: mng message NAME TEXT... (or '-' to read it from stdin)");
  const text = fromStdin ? await readStdin() : words.join(' ');
  if (text.trim() === '') throw new UsageError('the message is empty');
  if (!(argv.confirmTimeout > 0)) throw new UsageError('--confirm-timeout wants a positive number of seconds');
  const [{ makeContext, scopeFor }, { withHosts }, { messageAgent, MESSAGE_NOT_CONFIRMED_EXIT }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/terminal/agent-io.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: true });
  const { host, outcome } = await withHosts(ctx.core, scopeFor(ctx, argv.provider), [argv.name], async ([h]) => ({
    host: h,
    outcome: await messageAgent(ctx.core, h, text, { confirmSeconds: argv.confirmTimeout }),
  }));
  if (outcome === 'not-confirmed') {
    throw new MngError(
      `the text was typed into agent '${host.name}', but its terminal did not change after Enter within ${argv.confirmTimeout}s: it may be stuck on a dialog or busy`,
      {
        exitCode: MESSAGE_NOT_CONFIRMED_EXIT,
        hint: `look with: mng logs ${host.name} -n 20`,
      },
    );
  }
  ctx.output.progress(`Sent to agent '${host.name}'`);
}
