// Kept apart from fleet.ts so that the parser (main.ts) loads nothing more than these two constants.

/** Commands that take several agents; a lone '-' among their words means: names (or message text) from stdin. */
export const FANOUT_COMMANDS = new Set(['exec', 'wait', 'stop', 'start', 'logs', 'destroy', 'message']);

/** What a lone '-' becomes before yargs sees it (yargs drops it from array positionals); no shell can pass a NUL. */
export const STDIN_ARG = '\u0000-';

/** The words of a fan-out command with '-' back in place. */
export function withDash(words: readonly (string | number)[] | undefined): string[] {
  return (words ?? []).map((w) => (String(w) === STDIN_ARG ? '-' : String(w)));
}
