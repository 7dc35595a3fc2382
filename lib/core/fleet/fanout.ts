// One action over several hosts at once: bounded concurrency, each host's output lines prefixed with its name (as
// `docker compose logs` does), every failure kept (one host failing never stops the others), the worst exit code, and
// a summary line naming which failed.

import { MngError } from '../../errors.js';

/**
 * Hosts acted on at once. Each action is an ssh session on the host's shared connection or a `docker exec` (a runc
 * exec: the daemon's costliest call) plus a Node-side stream: 8 overlaps their waiting (network, the daemon) while a
 * 2-core machine and one daemon are not asked for a hundred execs in the same instant.
 */
export const FANOUT_LIMIT = 8;

export interface Outcome {
  name: string;
  exitCode: number;
  /** the one-line error, when the action threw */
  error?: string;
}

/** Run `act` for each item, at most `limit` at a time; an action that throws is that item's failure. */
export async function fanOut<T extends { name: string }>(
  items: readonly T[],
  act: (item: T) => Promise<number>,
  limit: number = FANOUT_LIMIT,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        outcomes[i] = { name: items[i].name, exitCode: await act(items[i]) };
      } catch (e) {
        if (e instanceof MngError && e.exitCode === 130) throw e;
        const exitCode = e instanceof MngError ? e.exitCode : 1;
        outcomes[i] = { name: items[i].name, exitCode, error: e instanceof Error ? e.message : String(e) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return outcomes;
}

/** The worst exit code: the highest (0 when every one succeeded). */
export function worstExit(outcomes: readonly Outcome[]): number {
  return outcomes.reduce((w, o) => Math.max(w, o.exitCode), 0);
}

/** `mng: 1 of 3 failed: fix-2 (exit 1)`; undefined when none failed. */
export function failureSummary(outcomes: readonly Outcome[]): string | undefined {
  const failed = outcomes.filter((o) => o.exitCode !== 0);
  if (failed.length === 0) return undefined;
  return `${failed.length} of ${outcomes.length} failed: ${failed.map((o) => `${o.name} (exit ${o.exitCode})`).join(', ')}`;
}

/** Prefix lines with the name, padded to the longest name: `fix-1  | line`. */
export function linePrefixer(names: readonly string[]): (name: string, line: string) => string {
  const width = Math.max(0, ...names.map((n) => n.length));
  return (name, line) => `${name.padEnd(width)} | ${line}`;
}
