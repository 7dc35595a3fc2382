// What the agent is doing, as the container's state watcher reports it (see core/container/state-scripts.ts): one
// line `mng-agent state=STATE reason=REASON since=EPOCH source=SOURCE`, read from docker's health check log (a remote
// daemon's host) or from the host's published state folder (a local daemon's). Pure: nothing here reads a file.

import { join } from 'node:path';
import type { Daemon } from '../../docker/daemon.js';
import type { ContainerInspect } from '../../docker/inspect.js';
import { UsageError } from '../../errors.js';
import { hostDir } from '../../ssh/config.js';

/** The states `list` shows and `wait --until` takes. */
export const AGENT_STATES = ['working', 'waiting', 'exited', 'unknown'] as const;
export type AgentStateName = (typeof AGENT_STATES)[number];

export interface AgentStatus {
  state: AgentStateName;
  /** waiting: `permission` or `input` (from the agent's own signal), null from the screen; exited: the exit code */
  reason: string | null;
  /** when it entered this state (ISO) */
  since: string;
  /** who said so: the agent's own hooks (`agent`) or the terminal (`screen`) */
  source: 'agent' | 'screen';
}

/** The published file names in a host's state folder. */
export const PUBLISHED = { agent: 'agent', idle: 'idle' } as const;

/** One state line → its fields; undefined when the text holds none (or a field is out of shape). */
export function parseAgentStateLine(text: string): AgentStatus | undefined {
  const m = /^mng-agent state=([a-z]+) reason=([A-Za-z0-9_-]{1,32}) since=(\d{1,12}) source=(agent|screen)$/m.exec(
    text,
  );
  if (!m || !(AGENT_STATES as readonly string[]).includes(m[1])) return undefined;
  return {
    state: m[1] as AgentStateName,
    reason: m[2] === '-' ? null : m[2],
    since: new Date(Number(m[3]) * 1000).toISOString(),
    source: m[4] as 'agent' | 'screen',
  };
}

/**
 * The agent's state from a running container's inspect alone: the newest health check run of this boot that printed
 * a state line (a remote daemon's host). Null when the host is not running or reports nothing there.
 */
export function agentStatusFromInspect(c: Pick<ContainerInspect, 'State'>): AgentStatus | null {
  if (!c.State.Running) return null;
  // the daemon's answer is checked as any (core/model/checks.ts): a log of another shape reports nothing
  const started = Date.parse(typeof c.State.StartedAt === 'string' ? c.State.StartedAt : '');
  const raw: unknown = c.State.Health?.Log;
  const log = (Array.isArray(raw) ? raw : []).filter(
    (e): e is { Start: string; Output: string } =>
      typeof e?.Output === 'string' && typeof e.Start === 'string' && !(Date.parse(e.Start) < started),
  );
  for (let i = log.length - 1; i >= 0; i--) {
    const s = parseAgentStateLine(log[i].Output.slice(0, 4096));
    if (s) return s;
  }
  return null;
}

/**
 * The folder of mng's data directory that a local daemon's host publishes its state lines in (bind-mounted at
 * core/container/state-scripts.ts's PUBLISH_DIR); undefined for a remote daemon (its path would be on the daemon's
 * machine) and for a path docker's `-v` cannot carry (a colon in it): those hosts report through the health check.
 */
export function publishedStateDir(dataDir: string, daemon: Pick<Daemon, 'remote'>, alias: string): string | undefined {
  if (daemon.remote) return undefined;
  const dir = join(hostDir(dataDir, alias), 'state');
  return dir.includes(':') ? undefined : dir;
}

/** `wait --until working,waiting` → the states; an unknown one is a usage error. */
export function parseStates(text: string): AgentStateName[] {
  const states = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = states.filter((s) => !(AGENT_STATES as readonly string[]).includes(s));
  if (states.length === 0 || bad.length > 0) {
    throw new UsageError(
      `--until ${JSON.stringify(text)}: unknown state${bad.length > 1 ? 's' : ''} ${bad.map((b) => `'${b}'`).join(', ') || "''"}; expected one or more of ${AGENT_STATES.join(', ')} (comma-separated)`,
    );
  }
  return states as AgentStateName[];
}

/** The AGENT column: `working`, `waiting (permission)`, `exited 0`, `-` when there is nothing to say. */
export function agentCell(s: AgentStatus | null | undefined): string {
  if (!s) return '-';
  if (s.state === 'exited') return `exited ${s.reason ?? '?'}`;
  return s.reason ? `${s.state} (${s.reason})` : s.state;
}
