// The start args a host keeps in its `mng.start-args` label, and shows in `-v`, `--dry-run` and error messages: the
// values of `-e KEY=VALUE` (often an API key) never leave the docker call that needs them. Each becomes
// `KEY=mng-redacted:HASH`, a salted hash of the value (the salt is the host's id), so `create --reuse` can still tell
// whether the values asked for are the host's. Pure.

import { createHash } from 'node:crypto';
import { RUN_OPTIONS } from '../../docker/option-tables.js';
import { scanOptions } from '../../docker/options.js';

const MARK = 'mng-redacted:';

/** `KEY=VALUE` → `KEY=mng-redacted:HASH` (16 hex digits of sha256 of the salt and the whole assignment). */
function redactValue(assignment: string, salt: string): string {
  const key = assignment.slice(0, assignment.indexOf('='));
  const hash = createHash('sha256').update(`${salt}\0${assignment}`).digest('hex').slice(0, 16);
  return `${key}=${MARK}${hash}`;
}

/** Each env option's value token: its index, and where in the token the value starts. */
function envValues(args: readonly string[]): { index: number; start: number; value: string }[] {
  return scanOptions(args, RUN_OPTIONS)
    .options.filter((o) => o.name === 'env' && o.value?.includes('='))
    .map((o) => {
      const value = o.value as string;
      // the value is the tail of the option's own token (--env=K=V, -eK=V, -e=K=V), or the token after it
      const inToken = o.text === args[o.index];
      const index = inToken ? o.index : o.index + 1;
      return { index, start: args[index].length - value.length, value };
    });
}

/** The args with every `-e KEY=VALUE` value redacted (the key kept); what a label, -v and --dry-run show. */
export function redactEnv(args: readonly string[], salt: string): string[] {
  const out = [...args];
  for (const { index, start, value } of envValues(args)) {
    out[index] = out[index].slice(0, start) + redactValue(value, salt);
  }
  return out;
}

/** One option's text with its env value redacted, for an error message that names the option. */
export function redactedText(text: string): string {
  return text.replace(/^((?:-e|--env)[= ]?[A-Za-z_][A-Za-z0-9_]*=).*$/s, '$1…');
}

/**
 * The recorded start args that replay a host (start --snapshot): without the redacted env options, whose values the
 * snapshot's image keeps (docker commit copies the container's environment); `-e KEY` alone would take KEY from the
 * environment of whoever runs mng then.
 */
export function replayableStartArgs(recorded: readonly string[]): string[] {
  const drop = new Set<number>();
  for (const o of scanOptions(recorded, RUN_OPTIONS).options) {
    if (o.name !== 'env' || !o.value?.includes(`=${MARK}`)) continue;
    drop.add(o.index);
    if (o.text !== recorded[o.index]) drop.add(o.index + 1);
  }
  return recorded.filter((_, i) => !drop.has(i));
}
