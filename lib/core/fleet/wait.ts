// `mng wait NAME... --until STATE[,STATE]`: returns when one of the agents (every one, with `all`) is in one of the
// states, as the hosts report them (see core/model/agent-state.ts): each check is one batched inspect per daemon and
// a small file read per local host, never a call per host.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Core } from '../core.js';
import { lookupHosts } from '../hosts/lookup.js';
import type { Scope } from '../hosts/resolve.js';
import type { AgentStateName } from '../model/agent-state.js';
import type { Host } from '../model/host.js';

export type UntilOutcome =
  | { kind: 'reached'; hosts: Host[] }
  | { kind: 'timeout'; hosts: Host[] }
  /** a host that is not running can never get there */
  | { kind: 'stopped'; host: Host };

/** Which hosts are in one of the states; pure. */
export function inStates(hosts: readonly Host[], states: readonly AgentStateName[]): Host[] {
  return hosts.filter((h) => h.state === 'running' && h.agent && states.includes(h.agent.state));
}

/** One check of the hosts: reached, or a host that stopped (and so blocks the answer), or undefined (not yet). Pure. */
export function checkUntil(
  hosts: readonly Host[],
  states: readonly AgentStateName[],
  all: boolean,
): UntilOutcome | undefined {
  const there = inStates(hosts, states);
  if (all ? there.length === hosts.length : there.length > 0) return { kind: 'reached', hosts: there };
  const stopped = hosts.filter((h) => h.state !== 'running');
  // any: only when no host can get there any more; all: as soon as one cannot
  if (stopped.length > 0 && (all || stopped.length === hosts.length)) return { kind: 'stopped', host: stopped[0] };
  return undefined;
}

export async function waitUntil(
  core: Core,
  scope: Scope,
  names: readonly string[],
  opts: { states: readonly AgentStateName[]; all: boolean; timeoutSeconds?: number; intervalMs?: number },
): Promise<UntilOutcome> {
  const deadline = opts.timeoutSeconds === undefined ? Infinity : Date.now() + opts.timeoutSeconds * 1000;
  for (;;) {
    const hosts = await lookupHosts(core, scope.daemons, names);
    const outcome = checkUntil(hosts, opts.states, opts.all);
    if (outcome) return outcome;
    if (Date.now() >= deadline) return { kind: 'timeout', hosts };
    await sleep(Math.min(opts.intervalMs ?? 1000, Math.max(0, deadline - Date.now())));
  }
}
