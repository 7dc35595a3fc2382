import { type Daemon, daemonIdentity } from '../../docker/daemon.js';
import { dockerError } from '../../docker/errors.js';
import { MngError } from '../../errors.js';
import {
  buildMasterCheckArgs,
  buildSshArgs,
  isAccessMismatch,
  isDroppedHandshake,
  sshReason,
  type SshCallOptions,
  type SshEndpoint,
} from '../../ssh/args.js';
import { hostSshFiles, isPinned, pinHostKey } from '../../ssh/config.js';
import { ensureControlPath } from '../../ssh/control.js';
import { ensureClientKey } from '../../ssh/keys.js';
import { execScript } from '../exec.js';
import { hostPublicKey, REPAIR_ACCESS_SCRIPT } from '../container/scripts.js';
import type { Core } from '../core.js';
import { readRecord, writeRecord } from '../hosts/record.js';

/** How long an idle shared connection (ControlMaster) stays open after its last session. */
export const CONTROL_PERSIST_SECONDS = 60;
/**
 * Every ssh call mng waits on (not the user's own sessions): a time limit, as a hostile sshd can accept a connection
 * and never answer, and a cap on what it reads. Out of time counts as a failed attempt.
 */
export const SSH_LIMITS = { timeoutMs: 30_000, timeoutIsResult: true, maxBytes: 1024 * 1024 } as const;

/** How often a handshake cut short by sshd (MaxStartups, a restart) is tried again. */
const HANDSHAKE_RETRIES = 3;

/** One host as the ssh layer needs it: the alias its key is pinned under, the container to repair through, the route. */
export interface SshTarget {
  daemon: Daemon;
  /** the host's ssh alias (its container name): its Host entry and pinned key */
  alias: string;
  /** the container to reach through Docker, and to name in messages: its id, or the name a launch made it under */
  container: string;
  /** the agent's name, for messages */
  name: string;
  endpoint: SshEndpoint;
  /** the host's id and its container's (when known): repair acts on the container id, and records both */
  hostId?: string;
  containerId?: string;
}

/**
 * Restore access to a running host through Docker, which can always reach it: authorize this machine's client key
 * in the container and pin the host key the container holds. For a lost data folder, a new machine, or another
 * user of the same daemon. Says so in one line.
 */
export async function repairAccess(core: Core, t: SshTarget): Promise<void> {
  const client = await ensureClientKey(core.runner, core.dataDir);
  const res = await execScript(core, t.daemon, t.containerId ?? t.container, REPAIR_ACCESS_SCRIPT, {
    what: "mng's access repair",
    args: [client.publicKey],
    timeoutMs: 30_000,
    maxBytes: 64 * 1024,
  });
  if (res.exitCode !== 0) {
    throw dockerError(['exec', t.containerId ?? t.container, 'sh'], res.exitCode, res.stderr, t.daemon);
  }
  // The container's answer, so the one key line mng pins is checked to be a key (ed25519, as every host makes).
  const publicKey = hostPublicKey(res.stdout.trim().split('\n').pop() ?? '');
  if (!publicKey) {
    throw new MngError(`could not read the ssh host key of agent '${t.name}' through Docker`, {
      hint: `its /mng folder may be damaged: mng destroy ${t.name}, or mng start ${t.name} --snapshot ID`,
    });
  }
  await pinHostKey(core.dataDir, t.alias, publicKey);
  // The record (and the ssh entry written from it) come back too: a lost data folder loses them with the pin.
  const old = await readRecord(core.dataDir, t.alias);
  const ids = { hostId: t.hostId ?? old?.hostId, containerId: t.containerId ?? old?.containerId };
  await writeRecord(core.dataDir, t.alias, {
    provider: t.daemon.provider,
    daemon: daemonIdentity(t.daemon),
    ...(ids.hostId ? { hostId: ids.hostId } : {}),
    ...(ids.containerId ? { containerId: ids.containerId } : {}),
    ssh: t.endpoint,
  });
  core.warn(
    `restored ssh access to agent '${t.name}' through Docker (this machine's key authorized, the host key pinned again)`,
  );
}

/** Is there a live shared connection to the host (`ssh -O check`: no connection is made)? `-v` says so when there is. */
export async function hasLiveConnection(core: Core, t: SshTarget): Promise<boolean> {
  const check = await core.runner.run('ssh', buildMasterCheckArgs(t.endpoint, await ensureControlPath(core.dataDir)), {
    ...SSH_LIMITS,
    timeoutMs: 10_000,
  });
  if (check.exitCode === 0) core.debug(`ssh: reusing the shared connection to ${t.alias}`);
  return check.exitCode === 0;
}

/** The ssh argv of one call to the host through its shared connection (`auto`: becomes the master when there is none). */
export async function sharedSshArgs(
  core: Core,
  t: SshTarget,
  remoteCommand: string | undefined,
  call: Omit<SshCallOptions, 'control'> = {},
): Promise<string[]> {
  const control = {
    path: await ensureControlPath(core.dataDir),
    master: 'auto' as const,
    persistSeconds: CONTROL_PERSIST_SECONDS,
  };
  return buildSshArgs(t.endpoint, hostSshFiles(core.dataDir, t.alias), remoteCommand, { ...call, control });
}

/**
 * Make sure a working shared connection to the host exists, so that the caller's own ssh (with the user's terminal
 * and streams) only opens a session on it: ssh's own failures and warning banners never reach the user.
 * - a live master: reused at once (`-v` says so);
 * - no pinned key here (lost data folder, new machine): access is restored through Docker first;
 * - a handshake cut short (sshd busy): tried again a few times;
 * - keys that no longer match: restored through Docker, then tried once more;
 * - anything else: one line saying why.
 */
export async function ensureConnection(core: Core, t: SshTarget, opts: { knownDead?: boolean } = {}): Promise<void> {
  if (!opts.knownDead && (await hasLiveConnection(core, t))) return;
  if (!(await isPinned(core.dataDir, t.alias))) await repairAccess(core, t);
  let repaired = false;
  for (let attempt = 0; ; attempt++) {
    const args = await sharedSshArgs(core, t, 'true', { batch: true, connectTimeoutSeconds: 10 });
    const res = await core.runner.run('ssh', args, SSH_LIMITS);
    if (res.exitCode === 0) {
      core.debug(
        `ssh: opened a shared connection to ${t.alias} (kept ${CONTROL_PERSIST_SECONDS} s after its last use)`,
      );
      return;
    }
    if (isDroppedHandshake(res.stderr) && attempt < HANDSHAKE_RETRIES) {
      await new Promise((r) => setTimeout(r, 150 * (attempt + 1)));
      continue;
    }
    if (isAccessMismatch(res.stderr) && !repaired) {
      repaired = true;
      await repairAccess(core, t);
      continue;
    }
    throw new MngError(`cannot reach agent '${t.name}' over ssh: ${sshReason(res.stderr)}`, {
      hint: `mng list shows its state; mng start ${t.name} if it is stopped`,
    });
  }
}
