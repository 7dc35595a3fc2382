/**
 * Shell completion (`mng completion` prints the bash/zsh script; yargs has it built in). Commands and flags come
 * from yargs; agent names from the local name cache (core/hosts/name-cache.ts), never from docker, so a keystroke costs
 * one small file read however slow the daemon is.
 */

/** Commands whose positional arguments are agent names. */
const NAME_COMMANDS = new Set([
  'exec',
  'connect',
  'destroy',
  'rm',
  'stop',
  'start',
  'logs',
  'message',
  'wait',
  'tag',
  'snapshot',
  'cp',
]);

/** The names to offer for the word being completed, given the words before it; pure. */
export function nameCompletions(words: readonly string[], current: string, names: readonly string[]): string[] {
  const cmd = words[0];
  if (!cmd || !NAME_COMMANDS.has(cmd) || current.startsWith('-')) return [];
  // snapshot takes its subcommand first; message and wait take one name, then text or flags.
  if (cmd === 'snapshot' && words.length < 2) return [];
  if (
    (cmd === 'message' || cmd === 'exec' || cmd === 'connect' || cmd === 'logs' || cmd === 'wait') &&
    words.length > 1
  )
    return [];
  if (cmd === 'cp') return names.filter((n) => `${n}:`.startsWith(current) || current === '').map((n) => `${n}:`);
  return names.filter((n) => n.startsWith(current));
}

type Filter = (onCompleted?: (err: unknown, completions: string[]) => void) => void;

/** yargs' completion function: its own completions (commands, flags) plus cached agent names. */
export function completionFunction(
  current: string,
  argv: { _: (string | number)[] },
  completionFilter: Filter,
  done: (completions: string[]) => void,
): void {
  completionFilter(async (_err, defaults) => {
    // argv._ holds the words typed so far, the one being completed last (when it is not empty).
    const all = argv._.map(String);
    const words = all.length > 0 && all[all.length - 1] === current ? all.slice(0, -1) : all;
    let names: string[] = [];
    try {
      const [{ dataDir, namePrefix }, { readNames }] = await Promise.all([
        import('../config/paths.js'),
        import('../core/hosts/name-cache.js'),
      ]);
      names = nameCompletions(words, current, readNames(dataDir(), namePrefix()));
    } catch {
      // no names: still complete commands and flags
    }
    done([...names, ...(defaults ?? [])]);
  });
}
