import type { ChalkInstance } from 'chalk';
import type { AgentState } from '../core/container/agent.js';
import { type Host, pasteableSshCommand, sshFilesOf } from '../core/model/host.js';
import { describeStopReason } from '../core/model/stop-reason.js';
import { formatDuration } from '../config/duration.js';
import { agentColumn, agentStateFields } from './format-fleet.js';
import { formatEgress, OPEN } from '../core/network/egress.js';
import { safeText } from '../safe-text.js';

/** The EGRESS column: the policy, a long list cut short (JSON has it whole). */
export function egressCell(h: Pick<Host, 'egress'>): string {
  const text = formatEgress(h.egress ?? OPEN);
  return text.length > 32 ? `${text.slice(0, 31)}…` : text;
}

/** The FORWARDS column: `3000`, `8080:3000` (local:remote when they differ), or `-`. */
export function forwardsCell(h: Pick<Host, 'forwards'>): string {
  const f = h.forwards ?? [];
  return f.length === 0
    ? '-'
    : f.map((x) => (x.local === x.remote ? `${x.local}` : `${x.local}:${x.remote}`)).join(',');
}

/** The stable JSON shape of one agent (documented in the README). */
export interface AgentJson {
  name: string;
  state: string;
  provider: string;
  image: string;
  tags: Record<string, string>;
  created_at: string;
  container_id: string;
  container_name: string;
  exit_code: number | null;
  /** why it stopped: user, idle, killed, oom, crashed; null unless stopped */
  stop_reason: string | null;
  stopped_at: string | null;
  idle_timeout_seconds: number;
  /** newest activity the idle watcher saw (as of docker's last health check run), or the boot; null unless running with a timeout */
  last_activity_at: string | null;
  /** what counted last: boot, ssh, tmux, file, cpu, tcp; null like last_activity_at */
  last_activity_source: string | null;
  /** when the host stops itself unless there is activity first; null unless running with a timeout */
  stops_at: string | null;
  agent_command: string;
  /** `open`, `none` or `allow=LIST` */
  egress: string;
  /** this machine's live forwards to the host (mng forward) */
  forwards: { local: number; remote: number }[];
  /** a coding agent's type (claude, codex, a configured one) and installed version; null for a plain program */
  agent_type: string | null;
  agent_version: string | null;
  /** what the agent is doing: working, waiting, exited, unknown; null when not running or not reported */
  agent_state: string | null;
  /** waiting: permission or input (from the agent's own signal); exited: the exit code; else null */
  agent_state_reason: string | null;
  /** when the agent entered that state */
  agent_state_since: string | null;
  ssh: { user: string; host: string; port: number | null; proxy_command: string | null; command: string | null };
}

/** `dataDir`: mng's data directory, where the host's ssh files are (for the pasteable ssh command). */
export function agentJson(host: Host, dataDir: string): AgentJson {
  return {
    name: host.name,
    state: host.state,
    provider: host.provider,
    image: host.image,
    tags: host.tags,
    created_at: host.createdAt,
    container_id: host.containerId,
    container_name: host.containerName,
    exit_code: host.exitCode,
    stop_reason: host.stopReason,
    stopped_at: host.stoppedAt,
    idle_timeout_seconds: host.idleTimeout,
    last_activity_at: host.idle?.lastActivityAt ?? null,
    last_activity_source: host.idle?.source ?? null,
    stops_at: host.idle?.stopsAt ?? null,
    agent_command: host.agentCommand,
    egress: formatEgress(host.egress ?? OPEN),
    forwards: (host.forwards ?? []).map((f) => ({ local: f.local, remote: f.remote })),
    agent_type: host.agentType ?? null,
    agent_version: host.agentVersion ?? null,
    ...agentStateFields(host),
    ssh: {
      user: host.ssh.user,
      host: host.ssh.host,
      port: host.ssh.port,
      proxy_command: host.ssh.proxyCommand ?? null,
      command: pasteableSshCommand(host, sshFilesOf(dataDir, host.alias)),
    },
  };
}

export function agentStateJson(agent: AgentState): { state: string; exit_code?: number | null } {
  return agent.state === 'exited' ? { state: 'exited', exit_code: agent.exitCode } : { state: agent.state };
}

/** The warning for an agent that is not running after its host came up, if any. */
export function agentWarning(name: string, agent: AgentState): string | undefined {
  if (agent.state === 'exited')
    return `the agent of '${name}' exited at once (status ${agent.exitCode ?? 'unknown'}); its output stays in the tmux pane: mng connect ${name}`;
  if (agent.state === 'missing') return `the agent of '${name}' did not start: '${agent.program}' is not on the PATH`;
  return undefined;
}

/** "3m ago", "2h ago", "5d ago" relative to `now`. */
export function ago(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '-';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** A rounded-down short duration: `45s`, `2m`, `1h5m`, `3d`. */
export function shortDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${s % 3600 >= 60 ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86400)}d`;
}

/**
 * The IDLE column: for a running host with a timeout, how long it has been idle of how long it may be
 * (`idle 2m of 15m (ssh)`: what counted last in brackets); `never` without a timeout; `-` when not running.
 */
export function idleCell(h: Pick<Host, 'state' | 'idleTimeout' | 'idle'>, now: number = Date.now()): string {
  if (h.state !== 'running') return '-';
  if (h.idleTimeout === 0) return 'never';
  if (!h.idle) return '-';
  const idle = shortDuration((now - Date.parse(h.idle.lastActivityAt)) / 1000);
  const cell = `idle ${idle} of ${formatDuration(h.idleTimeout)} (${h.idle.source})`;
  return h.idle.watcherRunning ? cell : `${cell}, watcher not running`;
}

/** Left-aligned columns separated by two spaces; colour is applied after padding so widths stay right. */
export function renderTable(
  header: string[],
  unsafeRows: string[][],
  paint: (col: number, cell: string) => string = (_c, s) => s,
): string {
  // Cells may quote a container or a daemon (names, images, tags): made safe before widths are measured.
  const rows = unsafeRows.map((r) => r.map((cell) => safeText(cell)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[], p: (c: number, s: string) => string) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? p(i, cell) : p(i, cell) + ' '.repeat(widths[i] - cell.length)))
      .join('  ');
  return [line(header, (_c, s) => s), ...rows.map((r) => line(r, paint))].join('\n');
}

/** The STATE column: the state, and why a stopped host stopped: `stopped (user)`, `stopped (crashed: exit 1)`. */
export function stateCell(h: Pick<Host, 'state' | 'stopReason' | 'exitCode'>): string {
  return h.state === 'stopped' && h.stopReason ? `stopped (${describeStopReason(h.stopReason, h.exitCode)})` : h.state;
}

export function stateColor(c: ChalkInstance, state: string): string {
  if (state === 'running') return c.green(state);
  if (state === 'stopped' || state === 'stopped (user)' || state === 'stopped (idle)') return c.yellow(state);
  if (state.startsWith('stopped')) return c.red(state);
  if (state === 'error') return c.red(state);
  return state;
}

/**
 * The human table of `mng list`: one row per host, then one per container that is not as mng makes it (state
 * `error`: its name as docker gives it, the reason on stderr).
 */
export function listTable(
  hosts: Host[],
  c: ChalkInstance,
  now: number = Date.now(),
  bad: readonly { provider: string; container: string }[] = [],
  opts: { timeInState?: boolean } = {},
): string {
  const header = [
    'NAME',
    'STATE',
    'AGENT',
    'IDLE',
    'PROVIDER',
    'IMAGE',
    'SSH',
    'EGRESS',
    'FORWARDS',
    'CREATED',
    'TAGS',
  ];
  const errorRows = bad.map((b) => [b.container, 'error', '-', '-', b.provider, '-', '-', '-', '-', '-', '-']);
  const rows = hosts.map((h) => [
    h.name,
    stateCell(h),
    agentColumn(h, opts.timeInState ? (since) => shortDuration((now - Date.parse(since)) / 1000) : undefined),
    idleCell(h, now),
    h.provider,
    h.image,
    h.ssh.port === null
      ? '-'
      : h.ssh.proxyCommand
        ? `${h.ssh.user}@${h.ssh.host} (docker exec)`
        : `${h.ssh.user}@${h.ssh.host}:${h.ssh.port}`,
    egressCell(h),
    forwardsCell(h),
    ago(h.createdAt, now),
    Object.entries(h.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '-',
  ]);
  return renderTable(header, [...rows, ...errorRows], (col, cell) =>
    col === 1
      ? stateColor(c, cell)
      : col === 3 && cell.includes('watcher')
        ? c.red(cell)
        : col === 0
          ? c.bold(cell)
          : cell,
  );
}
