// The agent's state in list's output (JSON fields and the AGENT column), and the prefixed lines of fan-out output.
import { agentCell } from '../core/model/agent-state.js';
import type { Host } from '../core/model/host.js';

/** JSON: `agent_state` (working, waiting, exited, unknown; null when not running or not reported), its reason, since. */
export function agentStateFields(h: Pick<Host, 'agent'>): {
  agent_state: string | null;
  agent_state_reason: string | null;
  agent_state_since: string | null;
} {
  return {
    agent_state: h.agent?.state ?? null,
    agent_state_reason: h.agent?.reason ?? null,
    agent_state_since: h.agent?.since ?? null,
  };
}

/**
 * The AGENT column of a running host: `waiting (permission)`, `exited 0`; `-` otherwise. With `age` (list --watch):
 * and the time in that state, `working 2m`.
 */
export function agentColumn(h: Pick<Host, 'agent' | 'state'>, age?: (since: string) => string): string {
  if (h.state !== 'running') return '-';
  const cell = agentCell(h.agent);
  return age && h.agent ? `${cell} ${age(h.agent.since)}` : cell;
}
