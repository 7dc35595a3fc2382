// What fan-out commands share on the command line: the --tag selector, names from stdin, and how the outcome of
// several hosts is reported (the worst exit code, one summary line of which failed). Logic: core/fleet.
import type { Argv } from 'yargs';
import type { Outcome } from '../core/fleet/fanout.js';
import type { Scope } from '../core/hosts/resolve.js';
import { tokens } from './options.js';
import type { Context } from './setup.js';

export interface SelectorArgs {
  tag?: string | string[];
}

/** `--tag KEY=VALUE` (repeatable: all must match): the agents to act on, besides any names. */
export function withTagOption<T>(y: Argv<T>): Argv<T & SelectorArgs> {
  return y.option('tag', {
    type: 'string',
    nargs: 1,
    describe: "act on every agent with this tag (KEY=VALUE or KEY; repeatable: all must match); names '-': from stdin",
  }) as unknown as Argv<T & SelectorArgs>;
}

export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The names the command acts on (see core/fleet/select.ts). */
export async function selectedNames(
  ctx: Context,
  scope: Scope,
  names: readonly (string | number)[] | undefined,
  tag: SelectorArgs['tag'],
): Promise<string[]> {
  const { selectNames } = await import('../core/fleet/select.js');
  return selectNames(ctx.core, scope, { names: (names ?? []).map(String), tags: tokens(tag) }, readAllStdin);
}

/** One summary line on stderr when any host failed; mng's exit code is the worst of them. */
export async function reportOutcomes(outcomes: readonly Outcome[]): Promise<void> {
  const { failureSummary, worstExit } = await import('../core/fleet/fanout.js');
  for (const o of outcomes) if (o.error) process.stderr.write(`mng: error: ${o.name}: ${o.error}\n`);
  const summary = failureSummary(outcomes);
  if (summary) process.stderr.write(`mng: ${summary}\n`);
  process.exitCode = worstExit(outcomes);
}
