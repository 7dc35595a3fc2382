import { existsSync } from 'node:fs';
// What this machine knows of its port forwards: one file per forward, `hosts/ALIAS/forwards/LOCAL.json` (written
// atomically), naming the background ssh process that holds it. A forward is live while that process runs; a record
// whose process is gone (the host stopped, a reboot) is removed when it is read.

import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../atomic-file.js';
import { hostDir } from '../../ssh/config.js';
import { isTime } from '../model/checks.js';

export interface ForwardRecord {
  /** the port on this machine (127.0.0.1 only) */
  local: number;
  /** the port inside the host */
  remote: number;
  /** the background ssh process */
  pid: number;
  startedAt: string;
}

export const forwardsDir = (dataDir: string, alias: string) => join(hostDir(dataDir, alias), 'forwards');
const recordFile = (dataDir: string, alias: string, local: number) =>
  join(forwardsDir(dataDir, alias), `${local}.json`);
/** The background ssh's own output (why it ended), beside its record. */
export const forwardLog = (dataDir: string, alias: string, local: number) =>
  join(forwardsDir(dataDir, alias), `${local}.log`);

export async function writeForward(dataDir: string, alias: string, f: ForwardRecord): Promise<void> {
  await writeFileAtomic(recordFile(dataDir, alias, f.local), `${JSON.stringify({ version: 1, ...f })}\n`, 0o600);
}

export async function removeForward(dataDir: string, alias: string, local: number): Promise<void> {
  await Promise.all([
    rm(recordFile(dataDir, alias, local), { force: true }),
    rm(forwardLog(dataDir, alias, local), { force: true }),
  ]);
}

/** The text `/proc/PID/cmdline` of a forward's ssh holds, so a reused pid is not taken for it. */
export function forwardMark(local: number, remote: number): string {
  return `127.0.0.1:${local}:localhost:${remote}`;
}

/** Is the forward's ssh process still running (and still that process, where /proc can tell)? */
export async function isLive(f: ForwardRecord): Promise<boolean> {
  try {
    process.kill(f.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const cmdline = await readFile(`/proc/${f.pid}/cmdline`, 'utf8').catch(() => undefined);
  return cmdline === undefined || cmdline.split('\0').includes(forwardMark(f.local, f.remote));
}

/**
 * A record file's text → the forward, or undefined when it is not one as mng writes it (then it is removed, never
 * acted on): both ports 1 to 65535, the local one the file's own, the pid a whole number above 1 (never init, never
 * a process group), the start a time. A pid read from a local file is only ever signalled after this check.
 */
export function parseForward(text: string, local: number): ForwardRecord | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || v.version !== 1) return undefined;
  const port = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= 65535;
  if (!port(v.local) || v.local !== local || !port(v.remote)) return undefined;
  if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 1 || (v.pid as number) > 2 ** 22) return undefined;
  if (typeof v.startedAt !== 'string' || !isTime(v.startedAt)) return undefined;
  return { local: v.local as number, remote: v.remote as number, pid: v.pid as number, startedAt: v.startedAt };
}

/** The live forwards of a host, by local port; the records of dead ones are removed. */
export async function liveForwards(dataDir: string, alias: string): Promise<ForwardRecord[]> {
  // most hosts have none: one existsSync, not a failed readdir and its error, for each host `list` shows
  if (!existsSync(forwardsDir(dataDir, alias))) return [];
  const names = await readdir(forwardsDir(dataDir, alias)).catch(() => [] as string[]);
  const out: ForwardRecord[] = [];
  for (const name of names.filter((n) => /^[1-9]\d{0,4}\.json$/.test(n))) {
    const local = Number.parseInt(name, 10);
    const text = await readFile(join(forwardsDir(dataDir, alias), name), 'utf8').catch(() => undefined);
    const f = text === undefined ? undefined : parseForward(text, local);
    if (f && (await isLive(f))) out.push(f);
    else await removeForward(dataDir, alias, local);
  }
  return out.sort((a, b) => a.local - b.local);
}
