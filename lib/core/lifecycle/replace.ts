// start --snapshot: a host's container replaced by a new one from one of its snapshots.

import { buildInspectArgs, buildStopArgs } from '../../docker/args.js';
import { type ContainerInspect, fixedHostPorts, parseContainerInspect } from '../../docker/inspect.js';
import { MngError } from '../../errors.js';
import { randomHex } from '../../random.js';
import { ensureClientKey } from '../../ssh/keys.js';
import type { AgentState } from '../container/agent.js';
import { systemFiles } from '../container/scripts.js';
import type { Core } from '../core.js';
import { planLaunch } from '../launch/argv.js';
import { bootHost, launchHost } from '../launch/launch.js';
import { decodeHost, type Host } from '../model/host.js';
import { publishedStateDir } from '../model/agent-state.js';
import { idleSettingsOf } from '../model/idle.js';
import { OPEN } from '../network/egress.js';
import { replayNetwork } from '../network/host-network.js';
import { replayableStartArgs } from '../model/start-args.js';
import type { Snapshot } from '../model/snapshot.js';
import { resolveSnapshot } from './snapshots.js';

/**
 * The labels a replacement container gets: the old container's `mng.*` labels exactly (id, name, tags, start args...,
 * and any label a later mng version adds), without the `mng.snapshot.*` ones a snapshot image carries.
 */
export function replayLabels(labels: Record<string, string> | null | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels ?? {}).filter(([k]) => k.startsWith('mng.') && !k.startsWith('mng.snapshot.')),
  );
}

/** A unique temporary container name for a replacement: `<container>.new-<6 hex>` (names allow `.`; mng's never contain one). */
export function replacementName(containerName: string, random: string = randomHex(6)): string {
  return `${containerName}.new-${random}`;
}

/** The replacement launched from the snapshot, re-applying the old container's labels and the host's start args. */
async function launchReplacement(
  core: Core,
  host: Host,
  old: ContainerInspect,
  snapshot: Snapshot,
  opts: { sshTimeoutSeconds: number; fresh?: boolean },
) {
  const client = await ensureClientKey(core.runner, core.dataDir);
  const tmpName = replacementName(host.containerName);
  const network = replayNetwork(core, host.daemon, {
    egress: host.egress ?? OPEN,
    startArgs: host.startArgs,
    env: old.Config.Env,
  });
  return launchHost(core, {
    daemon: host.daemon,
    name: host.name,
    hostId: host.id,
    containerName: tmpName,
    finalName: host.containerName,
    alias: host.alias,
    argv: planLaunch({
      containerName: tmpName,
      image: snapshot.imageId,
      labels: replayLabels(old.Config.Labels),
      startArgs: replayableStartArgs(host.startArgs),
      idle: idleSettingsOf(host),
      stateDir: publishedStateDir(core.dataDir, host.daemon, host.alias),
      network: network.flags,
      publishSsh: network.publishSsh,
    }),
    makeMissingNetwork: network.makeMissing,
    imageForMessages: `${snapshot.ref} (snapshot ${snapshot.id})`,
    // The snapshot keeps /mng/agent and the host's own host key (its identity); mng's scripts and the client key are written afresh.
    files: systemFiles({ authorizedKey: client.publicKey }),
    sshUser: host.sshUser,
    sshTimeoutSeconds: opts.sshTimeoutSeconds,
    attempt: { name: tmpName },
    deliver: { fresh: opts.fresh },
    replaces: host.containerId,
  });
}

/** The old container, stopped for a replacement that failed: started again as it was (even after Ctrl-C). */
async function restartOld(core: Core, host: Host, sshTimeoutSeconds: number): Promise<void> {
  core.warn(`starting ${host.containerName} again as it was`);
  try {
    await bootHost({ ...core, runner: core.runner.detached() }, host, { sshTimeoutSeconds });
  } catch (e) {
    core.warn(`could not start ${host.containerName} again: ${(e as Error).message}`);
  }
}

/**
 * Replace a host's container with a new one from one of its snapshots, re-applying the host's run configuration: the
 * same labels (so the same id, name and tags), the same start arguments (default_start_args and -s values as recorded
 * at create), the same ssh identity and alias.
 *
 * The new container is made under a temporary name next to the old one. Only once it answers ssh is the old container
 * removed and the new one renamed into its place. Until then any failure (or Ctrl-C) removes the new container and
 * leaves the old one as it was. The one exception: when the host publishes fixed host ports (`-s -p 8080:80`), which
 * two containers cannot share, a running old container is stopped first and started again if the replacement fails.
 */
export async function startFromSnapshot(
  core: Core,
  host: Host,
  snapshotRef: string,
  opts: { sshTimeoutSeconds: number; fresh?: boolean },
): Promise<{ host: Host; agent: AgentState; snapshot: Snapshot }> {
  const snapshot = await resolveSnapshot(core, host, snapshotRef);
  const [old] = parseContainerInspect(
    (await core.runner.docker(host.daemon, buildInspectArgs([host.containerId]))).stdout,
  );
  const fixed = fixedHostPorts(old);
  const stopOldFirst = old.State.Running && fixed.length > 0;
  if (stopOldFirst) {
    core.progress(`Stopping ${host.containerName} first: it publishes fixed host ports (${fixed.join(', ')})`);
    await core.runner.docker(host.daemon, buildStopArgs([host.containerId]));
  }
  core.progress(`Replacing ${host.containerName} with a container from snapshot ${snapshot.id} (${snapshot.name})`);
  let booted: Awaited<ReturnType<typeof launchHost>>;
  try {
    booted = await launchReplacement(core, host, old, snapshot, opts);
  } catch (e) {
    if (stopOldFirst) await restartOld(core, host, opts.sshTimeoutSeconds);
    throw e;
  }
  const decoded = decodeHost(booted.container, host.daemon, { as: host.containerName });
  if (!('host' in decoded))
    throw new MngError(`container '${host.containerName}' is not as mng made it: ${decoded.problem}`);
  const fresh = decoded.host;
  return {
    host: { ...fresh, containerName: host.containerName, ssh: { ...booted.endpoint } },
    agent: booted.agent,
    snapshot,
  };
}
