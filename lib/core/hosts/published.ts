// A local daemon's hosts publish their state lines (the agent's state, the idle watcher's finding) in a folder of
// mng's data directory, bind-mounted into the container (see core/container/state-scripts.ts): `list` reads them as
// files, with no docker call per host and no health check exec in the container. A remote daemon's hosts report
// through docker's health check instead (read in decodeHost).

import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentStatus, PUBLISHED, parseAgentStateLine, publishedStateDir } from '../model/agent-state.js';
import type { Host } from '../model/host.js';
import { ACTIVITY_SOURCES, IDLE_ALIVE } from '../container/idle-scripts.js';
import { type HostIdle, LAST_MAX } from '../model/idle.js';

/**
 * The first line of a small file the container wrote (hostile input): never follows a symlink, never waits on a FIFO
 * or a device (O_NONBLOCK, then only a regular file is read), reads at most 512 bytes. Its fields are checked by the
 * parsers below.
 */
function readLine(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8').split('\n')[0];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * When the watcher last checked, from the mark it empties at each check: a regular file's modification time (ms; its
 * lstat: never followed, never opened); undefined when there is none (hosts made before it) or it is out of bounds.
 */
function markTime(path: string): number | undefined {
  const st = lstatSync(path, { throwIfNoEntry: false });
  return st?.isFile() && st.mtimeMs <= LAST_MAX * 1000 ? st.mtimeMs : undefined;
}

/**
 * `mng-idle last=EPOCH source=WORD timeout=S interval=S checked=EPOCH` → its fields. The container's own line: a time
 * out of bounds (as core/model/idle.ts bounds the health check's) or an unknown source is no finding.
 */
export function parsePublishedIdle(
  line: string,
): { last: number; source: string; interval: number; checked: number } | undefined {
  const m =
    /^mng-idle last=(\d{1,12}) source=([a-z]{1,16}) timeout=\d{1,10} interval=(\d{1,6}) checked=(\d{1,12})$/.exec(line);
  if (!m || !(ACTIVITY_SOURCES as readonly string[]).includes(m[2])) return undefined;
  const [last, interval, checked] = [Number(m[1]), Number(m[3]), Number(m[4])];
  return last > LAST_MAX || checked > LAST_MAX ? undefined : { last, source: m[2], interval, checked };
}

/**
 * The idle clock with the watcher's published finding: newer activity moves it. The watcher writes its line only
 * when the clock moved, and marks each check (`checkedAt`, ms; hosts made before the mark rewrote the line at each
 * check): no check for three intervals (and 10 s) means the watcher stopped. Pure.
 */
export function mergeIdle(
  idle: HostIdle,
  line: string | undefined,
  timeoutSeconds: number,
  startedAt: number,
  now: number,
  checkedAt?: number,
): HostIdle {
  const found = line === undefined ? undefined : parsePublishedIdle(line);
  // a finding from before this boot (the folder outlives a stop) says nothing yet
  if (!found || found.checked * 1000 < startedAt - 1000) return idle;
  const last = Math.max(Date.parse(idle.lastActivityAt), found.last * 1000);
  const source = found.last * 1000 >= Date.parse(idle.lastActivityAt) ? found.source : idle.source;
  return {
    lastActivityAt: new Date(last).toISOString(),
    source,
    stopsAt: new Date(last + timeoutSeconds * 1000).toISOString(),
    watcherRunning: now - Math.max(found.checked * 1000, checkedAt ?? 0) <= Math.max(3 * found.interval, 10) * 1000,
  };
}

/** The published agent state, when it is from this boot. Pure. */
export function currentAgentStatus(line: string | undefined, startedAt: number): AgentStatus | undefined {
  const s = line === undefined ? undefined : parseAgentStateLine(line);
  return s && Date.parse(s.since) >= startedAt - 1000 ? s : undefined;
}

/** Running local hosts with what they published: the agent's state and the idle clock. One small file read each. */
export function withPublishedState(hosts: Host[], dataDir: string, now: number = Date.now()): Host[] {
  return hosts.map((h) => {
    const dir = h.state === 'running' ? publishedStateDir(dataDir, h.daemon, h.alias) : undefined;
    if (!dir) return h;
    const started = Date.parse(h.startedAt ?? '');
    const agent = currentAgentStatus(readLine(join(dir, PUBLISHED.agent)), started) ?? h.agent ?? null;
    const idle = h.idle
      ? mergeIdle(
          h.idle,
          readLine(join(dir, PUBLISHED.idle)),
          h.idleTimeout,
          started,
          now,
          markTime(join(dir, IDLE_ALIVE)),
        )
      : h.idle;
    return { ...h, agent, idle };
  });
}
