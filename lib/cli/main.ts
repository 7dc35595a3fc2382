import { FANOUT_COMMANDS, STDIN_ARG } from './fleet-args.js';
import yargs, { type Argv } from 'yargs';
import { MngError, UsageError } from '../errors.js';
import { version } from '../version.js';
import * as config from './config.js';
import * as connect from './connect.js';
import * as cp from './cp.js';
import * as diff from './diff.js';
import * as create from './create.js';
import * as destroy from './destroy.js';
import * as exec from './exec.js';
import * as forward from './forward.js';
import * as gc from './gc.js';
import * as list from './list.js';
import * as logs from './logs.js';
import * as message from './message.js';
import * as pull from './pull.js';
import * as push from './push.js';
import * as refresh from './refresh.js';
import * as tag from './tag.js';
import * as snapshot from './snapshot.js';
import * as sshConfig from './ssh-config.js';
import * as start from './start.js';
import * as stop from './stop.js';
import * as touch from './touch.js';
import * as wait from './wait.js';
import { formatError } from './output.js';
import { completionFunction } from './completion.js';

/**
 * The yargs parser for mng's whole command line. Command modules are small (builder + a handler that
 * imports the core lazily), so `mng --version` and `mng --help` load almost nothing.
 */
const COMMANDS = [
  create,
  list,
  exec,
  connect,
  destroy,
  tag,
  config,
  stop,
  start,
  snapshot,
  sshConfig,
  touch,
  refresh,
  logs,
  message,
  wait,
  cp,
  gc,
  pull,
  push,
  diff,
  forward,
];

/**
 * The commands to register: only the one named by the first word when it names one (yargs then builds nothing for
 * the others), else all of them (top-level help, completion, an unknown command).
 */
/**
 * yargs drops a lone '-' from array positionals; the fan-out commands (names '-': from stdin) get it as STDIN_ARG,
 * before any `--`. See lib/cli/fleet.ts.
 */
export function keepStdinDash(argv: readonly string[]): string[] {
  if (!FANOUT_COMMANDS.has(argv[0] ?? '')) return [...argv];
  const end = argv.indexOf('--');
  return argv.map((a, i) => (a === '-' && (end < 0 || i < end) ? STDIN_ARG : a));
}

export function commandsFor(argv: readonly string[]): typeof COMMANDS {
  const first = argv[0];
  const named = COMMANDS.find(
    (c) => c.command.split(' ')[0] === first || ('aliases' in c && (c.aliases as string[]).includes(first)),
  );
  return named ? [named] : COMMANDS;
}

export function parser(argv: string[]): Argv {
  const y = yargs(keepStdinDash(argv))
    .scriptName('mng')
    .usage('mng: run coding agents in Docker containers you can reach over SSH\n\nUsage: $0 <command> [options]')
    .parserConfiguration({ 'nargs-eats-options': true, 'populate--': true });
  for (const c of commandsFor(argv)) y.command(c as never);
  // yargs renders the whole help text after every command handler, in case a later failure wants to show it; mng's
  // failures never print help (see .fail below), so that rendering is pure start-up cost.
  // (yargs' internals: when a later yargs lacks them, this is skipped and mng is only slower.)
  const usage = (y as unknown as { getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?(): void } } })
    .getInternalMethods?.()
    .getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
  return y
    .option('verbose', {
      alias: 'v',
      type: 'boolean',
      global: true,
      describe: 'print every docker and ssh command line with its timing',
    })
    .option('quiet', { alias: 'q', type: 'boolean', global: true, describe: 'no progress narration' })
    .completion(
      'completion',
      'Print a bash/zsh completion script (add `source <(mng completion)` to ~/.bashrc or ~/.zshrc)',
      completionFunction as never,
    )
    .demandCommand(1, 'a command is required')
    .strict()
    .version(version())
    .help()
    .alias('help', 'h')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs' own validation errors (YError: an option without its value...) are usage errors too.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError(msg ?? err?.message ?? 'invalid command line');
    });
}

export async function main(argv: string[]): Promise<void> {
  // `mng list | head`: a reader that stops early is not an error (as for any Unix tool): stop quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  try {
    await parser(argv).parseAsync();
  } catch (e) {
    // A completion request (a keystroke in the shell) never prints an error over the user's command line.
    if (argv[0] === '--get-yargs-completions') return;
    if (e instanceof MngError) {
      const hint = e.hint ?? (e instanceof UsageError ? "see 'mng --help'" : undefined);
      process.stderr.write(formatError(e.message, hint) + '\n');
      process.exitCode = e.exitCode;
    } else {
      // A bug, not a user error: still one line, with MNG_DEBUG=1 for the stack.
      const err = e as Error;
      process.stderr.write(
        formatError(`internal error: ${err?.message ?? String(e)}`, 'set MNG_DEBUG=1 for details') + '\n',
      );
      if (process.env.MNG_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
      process.exitCode = 1;
    }
  }
}
