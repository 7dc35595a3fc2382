import type { Argv, ArgumentsCamelCase } from 'yargs';
import { MngError, UsageError } from '../errors.js';
import { type SelectorArgs, withTagOption } from './fleet.js';
import { withDash } from './fleet-args.js';
import type { GlobalArgs } from './setup.js';

interface MessageArgs extends GlobalArgs, SelectorArgs {
  args?: string[];
  provider?: string;
  'confirm-timeout': number;
  '--'?: (string | number)[];
}

export const command = 'message [args..]';
export const describe =
  "Type text into agents' terminals and submit it (Enter): mng message NAME TEXT..., mng message NAME... -- TEXT..., mng message --tag K=V TEXT...; '-' as the text reads it from stdin";

export function builder(y: Argv): Argv<MessageArgs> {
  return withTagOption(
    y
      .positional('args', {
        type: 'string',
        array: true,
        describe:
          "NAME then the text (words joined by spaces, or '-' for stdin); several names: NAME... -- TEXT, or --tag; a first '-' reads the names from stdin",
      })
      .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
      .option('confirm-timeout', {
        type: 'number',
        default: 5,
        requiresArg: true,
        describe: 'seconds to wait for the agent to react to Enter',
      })
      .example('$0 message my-agent "run the tests"', 'give the agent its next instruction')
      .example('echo "fix the build" | $0 message my-agent -', 'the text from stdin')
      .example('$0 message --tag task=fix "run the tests"', 'every agent tagged task=fix')
      .example('$0 list --format names | $0 message - "stop and commit"', 'names from stdin'),
  ) as unknown as Argv<MessageArgs>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * Names and words from the command line. `NAME... -- TEXT`: the names before `--`. `--tag` without `--`: every word
 * is text. Otherwise the first word is the name (or '-': names from stdin) and the rest is text, as with one agent.
 */
export function splitMessageArgs(
  positional: readonly string[],
  afterDashes: readonly string[] | undefined,
  tagged: boolean,
): { names: string[]; words: string[] } {
  if (afterDashes !== undefined && afterDashes.length > 0 && positional.length > 1) {
    return { names: [...positional], words: [...afterDashes] };
  }
  if (tagged) return { names: [], words: [...positional, ...(afterDashes ?? [])] };
  return { names: positional.slice(0, 1), words: [...positional.slice(1), ...(afterDashes ?? [])] };
}

export async function handler(argv: ArgumentsCamelCase<MessageArgs>): Promise<void> {
  const dashes = argv['--']?.map(String);
  const { names, words } = splitMessageArgs(withDash(argv.args), dashes, argv.tag !== undefined);
  if (names.length === 0 && argv.tag === undefined) {
    throw new UsageError("no agent given: mng message NAME TEXT... (or '-' to read it from stdin)");
  }
  // No text at all and '-' both read stdin, unless it is a terminal (then the text was simply forgotten), or stdin
  // holds the names.
  const namesFromStdin = names.includes('-');
  const fromStdin = words.length === 0 || (words.length === 1 && words[0] === '-');
  if (fromStdin && (process.stdin.isTTY || namesFromStdin))
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
  const scope = scopeFor(ctx, argv.provider);
  const notConfirmed = (name: string) =>
    new MngError(
      `the text was typed into agent '${name}', but its terminal did not change after Enter within ${argv.confirmTimeout}s: it may be stuck on a dialog or busy`,
      { exitCode: MESSAGE_NOT_CONFIRMED_EXIT, hint: `look with: mng logs ${name} -n 20` },
    );
  if (names.length === 1 && !namesFromStdin && argv.tag === undefined) {
    const { host, outcome } = await withHosts(ctx.core, scope, names, async ([h]) => ({
      host: h,
      outcome: await messageAgent(ctx.core, h, text, { confirmSeconds: argv.confirmTimeout }),
    }));
    if (outcome === 'not-confirmed') throw notConfirmed(host.name);
    ctx.output.progress(`Sent to agent '${host.name}'`);
    return;
  }
  const [{ selectedNames, reportOutcomes }, { fanOut }] = await Promise.all([
    import('./fleet.js'),
    import('../core/fleet/fanout.js'),
  ]);
  const selected = await selectedNames(ctx, scope, names, argv.tag);
  const outcomes = await withHosts(ctx.core, scope, selected, (hosts) =>
    fanOut(hosts, async (h) => {
      if ((await messageAgent(ctx.core, h, text, { confirmSeconds: argv.confirmTimeout })) === 'not-confirmed') {
        throw notConfirmed(h.name);
      }
      ctx.output.progress(`Sent to agent '${h.name}'`);
      return 0;
    }),
  );
  await reportOutcomes(outcomes);
}
