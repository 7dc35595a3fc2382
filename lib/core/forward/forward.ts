// `mng forward`: a port of a host reachable on this machine's 127.0.0.1, held by a background ssh (`-N -L`) over the
// host's own route (its published port, or docker exec for a remote daemon or a host without a route out). It
// outlives the command that started it, and ends when the host stops (its connection ends with the container).

import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { MngError, UsageError } from '../../errors.js';
import { buildSshArgs } from '../../ssh/args.js';
import { hostSshFiles } from '../../ssh/config.js';
import { ensureConnection, type SshTarget } from '../access/access.js';
import type { Core } from '../core.js';
import {
  type ForwardRecord,
  forwardLog,
  forwardMark,
  forwardsDir,
  liveForwards,
  removeForward,
  writeForward,
} from './records.js';

/** `[LOCAL:]PORT` → the two ports (LOCAL defaults to PORT), or a usage error. */
export function parseForwardSpec(spec: string): { local: number; remote: number } {
  const m = /^(?:(\d{1,5}):)?(\d{1,5})$/.exec(spec.trim());
  const local = Number(m?.[1] ?? m?.[2]);
  const remote = Number(m?.[2]);
  const ok = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!m || !ok(local) || !ok(remote)) {
    throw new UsageError(
      `'${spec}' is not [LOCAL:]PORT (ports 1 to 65535)`,
      'for example: mng forward NAME 3000, or 8080:3000',
    );
  }
  return { local, remote };
}

/**
 * `ssh` argv (without the program) of a forward, by the one builder of mng's ssh argv (lib/ssh/args.ts): the host's own
 * route and pinned key, no remote command, no shared connection (the forward outlives any master), the local side on
 * 127.0.0.1 only.
 */
export function buildForwardArgs(target: SshTarget, dataDir: string, local: number, remote: number): string[] {
  return buildSshArgs(target.endpoint, hostSshFiles(dataDir, target.alias), undefined, {
    batch: true,
    control: { master: 'no', path: 'none' },
    localForward: forwardMark(local, remote),
  });
}

/** Can this process listen on 127.0.0.1:PORT? A clear error when the port is taken, or privileged without the right. */
export async function checkLocalPort(port: number): Promise<void> {
  const problem = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = createServer();
    server.once('error', (e) => resolve(e));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(undefined)));
  });
  if (!problem) return;
  if (problem.code === 'EADDRINUSE') {
    throw new MngError(`local port ${port} is already in use on 127.0.0.1`, {
      hint: 'choose another local port: mng forward NAME LOCAL:PORT',
    });
  }
  if (problem.code === 'EACCES') {
    throw new MngError(`local port ${port} is privileged (below 1024) and this user may not listen on it`, {
      hint: 'use a port from 1024 up: mng forward NAME 8080:PORT',
    });
  }
  throw new MngError(`cannot listen on 127.0.0.1:${port}: ${problem.message}`);
}

/** Can a new forward of agent NAME take local port LOCAL? Not when one of its own holds it, nor when it is busy or privileged. */
export async function checkForwardable(dataDir: string, alias: string, name: string, local: number): Promise<void> {
  const live = await liveForwards(dataDir, alias);
  if (live.some((f) => f.local === local)) {
    throw new MngError(`port ${local} of this machine is already forwarded to agent '${name}'`, {
      hint: `mng forward ${name} --list, or --stop ${local}`,
    });
  }
  await checkLocalPort(local);
}

/** Does something accept connections on 127.0.0.1:PORT? */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Wait until the background ssh listens on the local port, or has ended (then its own last line says why). */
async function waitListening(pid: number, exited: () => boolean, port: number, log: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (exited()) break;
    if (await accepts(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!exited()) process.kill(pid, 'SIGTERM');
  const last = (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).pop();
  throw new MngError(`the forward of port ${port} did not start${last ? `: ${last}` : ''}`);
}

/** Start forwarding 127.0.0.1:LOCAL to PORT in the host, in the background. */
export async function startForward(
  core: Core,
  target: SshTarget,
  local: number,
  remote: number,
): Promise<ForwardRecord> {
  await checkForwardable(core.dataDir, target.alias, target.name, local);
  // access checked (and repaired through Docker) by a shared connection first: the background ssh cannot ask
  await ensureConnection(core, target);
  await mkdir(forwardsDir(core.dataDir, target.alias), { recursive: true, mode: 0o700 });
  const log = forwardLog(core.dataDir, target.alias, local);
  const out = openSync(log, 'w', 0o600);
  const args = buildForwardArgs(target, core.dataDir, local, remote);
  core.debug(`ssh ${args.join(' ')}`);
  let ended = false;
  const child = spawn('ssh', args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.once('exit', () => {
    ended = true;
  });
  child.once('error', () => {
    ended = true;
  });
  const pid = child.pid ?? 0;
  await waitListening(pid, () => ended || pid === 0, local, log);
  child.unref();
  const record: ForwardRecord = { local, remote, pid, startedAt: new Date().toISOString() };
  await writeForward(core.dataDir, target.alias, record);
  return record;
}

/** Stop a forward by its local port; false when there was none. */
export async function stopForward(dataDir: string, alias: string, local: number): Promise<boolean> {
  const f = (await liveForwards(dataDir, alias)).find((x) => x.local === local);
  if (!f) return false;
  try {
    process.kill(f.pid, 'SIGTERM');
  } catch {
    // gone in between: the same outcome
  }
  await removeForward(dataDir, alias, local);
  return true;
}
