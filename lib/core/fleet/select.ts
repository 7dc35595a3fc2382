// Which hosts a fan-out command acts on: names given, names read from stdin (`-`, one a line, as `mng list --format
// names` prints them), and `--tag K=V` selectors (every host on the daemons searched whose tags all match).

import { MngError, UsageError } from '../../errors.js';
import type { Core } from '../core.js';
import { listHosts } from '../hosts/lookup.js';
import type { Scope } from '../hosts/resolve.js';
import { matchesTags, parseTagFilters } from '../model/tags.js';

/** What a command was told to act on. */
export interface Selector {
  /** names as given; a lone '-' means: read names from stdin */
  names: readonly string[];
  /** `--tag` values: KEY=VALUE, or KEY for any value */
  tags: readonly string[];
}

/** The names in text (stdin): one a line, blank lines and surrounding spaces ignored, each once. */
export function namesFromText(text: string): string[] {
  return [
    ...new Set(
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
}

/** Does the selector read stdin? (A command must not read its stdin for anything else then.) */
export const readsStdin = (s: Selector): boolean => s.names.includes('-');

/**
 * The names a selector means, in order, each once: the names given, those on stdin (`readStdin` is called only for
 * '-'), then the hosts whose tags match. A selector that matches nothing is an error (exit 1); none at all is a usage
 * error.
 */
export async function selectNames(
  core: Core,
  scope: Scope,
  sel: Selector,
  readStdin: () => Promise<string>,
): Promise<string[]> {
  const filters = parseTagFilters(sel.tags);
  if (sel.names.length === 0 && filters.length === 0) {
    throw new UsageError("name the agents: NAME..., --tag KEY=VALUE, or '-' to read names from stdin");
  }
  const out: string[] = [];
  for (const n of sel.names) {
    if (n !== '-') {
      out.push(n);
      continue;
    }
    const read = namesFromText(await readStdin());
    if (read.length === 0) throw new MngError("'-' was given, but stdin had no names");
    out.push(...read);
  }
  if (filters.length > 0) {
    const hosts = (await Promise.all(scope.daemons.map((d) => listHosts(core, d)))).flatMap((l) => l.hosts);
    const matched = hosts.filter((h) => matchesTags(h.tags, filters)).map((h) => h.name);
    if (matched.length === 0) {
      throw new MngError(`no agent matches --tag ${sel.tags.join(' --tag ')}`, {
        hint: 'mng list shows the agents and their tags',
      });
    }
    out.push(...matched);
  }
  return [...new Set(out)];
}
