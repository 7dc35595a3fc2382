import { parseDuration } from '../../config/duration.js';
import { IDLE_ENV, type IdleSettings } from '../../docker/idle-args.js';
import type { ContainerInspect } from '../../docker/inspect.js';
import { MngError, UsageError } from '../../errors.js';
import { ACTIVITY_SOURCES } from '../container/idle-scripts.js';

/**
 * The idle policy, as mng sees it from outside the container: the check interval (a label, replayed by start
 * --snapshot), and the watcher's last finding read from docker's health check log in `docker inspect`.
 */

/** Seconds between two checks of the watcher; recorded at create (a label) so start --snapshot replays it. */
export const DEFAULT_IDLE_CHECK_INTERVAL = 30;
/** Testing knob: the check interval (seconds) of hosts made by this mng process. */
export const IDLE_INTERVAL_ENV = 'MNG_IDLE_CHECK_INTERVAL';

export function idleCheckIntervalSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[IDLE_INTERVAL_ENV];
  if (raw === undefined || raw === '') return DEFAULT_IDLE_CHECK_INTERVAL;
  const s = parseDuration(raw);
  if (s === undefined || s < 1) {
    throw new MngError(
      `${IDLE_INTERVAL_ENV}=${raw}: expected a number of seconds of at least 1 (or a duration like 30s)`,
    );
  }
  return s;
}

/** `create --idle-timeout VALUE` → seconds (0 = never), undefined when not given; a bad value is a usage error. */
export function parseIdleTimeoutOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = parseDuration(String(value));
  if (seconds === undefined) {
    throw new UsageError(
      `--idle-timeout ${JSON.stringify(String(value))}: expected seconds or a duration like 90, 30s, 15m, 2h, 1h30m; 0 or disabled = never`,
    );
  }
  return seconds;
}

/** A new host's settings: the check interval (default 30 s) is never longer than the timeout itself. */
export function idleSettingsFor(
  timeoutSeconds: number,
  intervalSeconds: number = DEFAULT_IDLE_CHECK_INTERVAL,
): IdleSettings {
  return {
    timeoutSeconds,
    intervalSeconds: timeoutSeconds > 0 ? Math.max(1, Math.min(intervalSeconds, timeoutSeconds)) : intervalSeconds,
  };
}

/** The idle settings recorded in a host's labels (for replaying its docker create). */
export function idleSettingsOf(host: { idleTimeout: number; idleCheckInterval: number }): IdleSettings {
  return { timeoutSeconds: host.idleTimeout, intervalSeconds: host.idleCheckInterval };
}

/** What `mng list` knows about a running host's idle clock. */
export interface HostIdle {
  /** newest activity seen: the watcher's last finding (as of docker's last health check run), or the boot */
  lastActivityAt: string;
  /** what counted last: boot, ssh, tmux, file, cpu, tcp */
  source: string;
  /** when the host stops itself unless something happens first (it does at the first check after this time) */
  stopsAt: string;
  /** false when docker's health check found no running watcher */
  watcherRunning: boolean;
}

/** The latest activity time (seconds since the epoch) a finding may name: later ones are out of bounds, not news. */
const LAST_MAX = 253402300799; // 9999-12-31T23:59:59Z: the last second a date can be written for

/**
 * One health check output line of the watcher → its fields. The line is the container's own (its agent can write
 * anything there): a time out of bounds or an unknown source is no finding, and never breaks the host's decoding.
 */
export function parseIdleState(output: string): { last: number; source: string } | undefined {
  const m = /^mng-idle last=(\d{1,12}) source=([a-z]{1,16})\b/m.exec(output);
  if (!m || Number(m[1]) > LAST_MAX || !(ACTIVITY_SOURCES as readonly string[]).includes(m[2])) return undefined;
  return { last: Number(m[1]), source: m[2] };
}

/** Does this container run mng's idle watcher (made by a version of mng that has one, with a timeout)? */
export function hasIdleWatcher(c: Pick<ContainerInspect, 'Config'>): boolean {
  return (c.Config.Env ?? []).some((e) => e.startsWith(`${IDLE_ENV.timeout}=`) && e !== `${IDLE_ENV.timeout}=0`);
}

/**
 * The idle clock of a running host from its inspect alone: boot counts as activity (State.StartedAt), and the
 * watcher's findings since that boot come from docker's health check log. Null when the host is not running, its
 * timeout is disabled, or it has no watcher.
 */
export function hostIdle(c: Pick<ContainerInspect, 'State' | 'Config'>, timeoutSeconds: number): HostIdle | null {
  if (!c.State.Running || timeoutSeconds <= 0 || !hasIdleWatcher(c)) return null;
  const started = Date.parse(c.State.StartedAt ?? '');
  let last = Number.isNaN(started) ? Date.now() : started;
  let source = 'boot';
  // docker keeps the last health check runs, also across a restart: only this boot's count
  const log = (c.State.Health?.Log ?? []).filter((e) => !(Date.parse(e.Start) < started));
  for (const entry of log) {
    const found = parseIdleState(entry.Output ?? '');
    if (found && found.last * 1000 >= last) {
      last = found.last * 1000;
      source = found.source;
    }
  }
  const latest = log[log.length - 1];
  const watcherRunning = !latest || latest.ExitCode === 0;
  return {
    lastActivityAt: new Date(last).toISOString(),
    source,
    stopsAt: new Date(last + timeoutSeconds * 1000).toISOString(),
    watcherRunning,
  };
}
