import type { ProviderConfig } from '../../config/config.js';
import {
  buildInspectArgs,
  buildRemoveArgs,
  buildRemoveImagesArgs,
  buildRenameArgs,
  buildStopArgs,
} from '../../docker/args.js';
import { fixedHostPorts, parseContainerInspect, publishedPort } from '../../docker/inspect.js';
import { dockerReason } from '../../docker/errors.js';
import { MngError } from '../../errors.js';
import { randomHex } from '../../random.js';
import type { SshEndpoint } from '../../ssh/args.js';
import { removeHostFiles, writeHostEntry } from '../../ssh/config.js';
import { ensureClientKey } from '../../ssh/keys.js';
import { systemFiles, type AgentState } from '../container/scripts.js';
import { idleSettingsOf } from '../model/idle.js';
import { daemonOf, groupByProvider, type Core } from '../core.js';
import { bootContainer, launchContainer, planLaunch, type Booted } from '../launch/launch.js';
import { entryOwner, hostFromInspect, sshRoute, type Host } from '../hosts/hosts.js';
import { builtImageTag } from '../model/labels.js';
import { listSnapshotsOf, removeSnapshots, resolveSnapshot, type Snapshot } from './snapshots.js';

export interface Target {
  provider: ProviderConfig;
  host: Host;
}

/** States in which there is nothing to stop. */
const NOT_RUNNING = new Set(['stopped', 'created', 'dead', 'removing']);

/**
 * Stop hosts with a real `docker stop` (one call per provider); it returns once each container has exited. The init
 * script exits 0 on SIGTERM, which `mng list` shows as stop reason `user`. Hosts that are not running are left alone.
 */
export async function stopHosts(core: Core, targets: Target[]): Promise<{ stopped: Host[]; notRunning: Host[] }> {
  const notRunning = targets.filter((t) => NOT_RUNNING.has(t.host.state)).map((t) => t.host);
  const running = targets.filter((t) => !NOT_RUNNING.has(t.host.state));
  await Promise.all(
    [...groupByProvider(running)].map(async ([provider, group]) => {
      const hosts = group.map((t) => t.host);
      core.progress(`Stopping ${hosts.map((h) => h.containerName).join(', ')}`);
      await core.runner.docker(daemonOf(provider), buildStopArgs(hosts.map((h) => h.containerId)));
    }),
  );
  return { stopped: running.map((t) => t.host), notRunning };
}

/**
 * Remove hosts: their containers (and anonymous volumes), ssh config entries, the images built for them from their
 * Dockerfiles and, unless `keepSnapshots`, their snapshot images. Per provider (providers in parallel): one listing of
 * the snapshots before anything is removed, one `docker rm` of every container, then one `docker rmi` of the built
 * images and one of the snapshots (after the containers, which may run from them).
 */
export async function destroyHosts(
  core: Core,
  targets: Target[],
  opts: { keepSnapshots?: boolean } = {},
): Promise<{ host: Host; snapshotsRemoved: number }[]> {
  const removed = new Map<Host, number>();
  await Promise.all(
    [...groupByProvider(targets)].map(async ([provider, group]) => {
      const hosts = group.map((t) => t.host);
      const snapshots = opts.keepSnapshots
        ? new Map<string, Snapshot[]>()
        : await listSnapshotsOf(core, provider, hosts);
      await core.runner.docker(daemonOf(provider), buildRemoveArgs(hosts.map((h) => h.containerId)));
      await Promise.all(hosts.map((h) => removeHostFiles(core.dataDir, h.containerName)));
      const built = hosts.filter((h) => h.image === builtImageTag(h.id));
      if (built.length > 0) {
        try {
          await core.runner.docker(daemonOf(provider), buildRemoveImagesArgs(built.map((h) => builtImageTag(h.id))), {
            allowMissing: true,
          });
        } catch (e) {
          core.warn(
            `${names(built)} ${built.length === 1 ? 'is' : 'are'} gone, but ${built.map((h) => builtImageTag(h.id)).join(', ')} not removed: ${(e as Error).message}`,
          );
        }
      }
      const snaps = hosts.flatMap((h) => snapshots.get(h.id) ?? []);
      for (const h of hosts) removed.set(h, snapshots.get(h.id)?.length ?? 0);
      if (snaps.length > 0) {
        try {
          await removeSnapshots(core, provider, snaps);
        } catch (e) {
          throw new MngError(
            `${names(hosts)} destroyed, but removing the snapshot images failed: ${(e as Error).message}`,
            {
              hint: `remove them with: docker rmi ${snaps.map((s) => s.ref).join(' ')}`,
            },
          );
        }
      }
    }),
  );
  return targets.map((t) => ({ host: t.host, snapshotsRemoved: removed.get(t.host) ?? 0 }));
}

const names = (hosts: Host[]) =>
  hosts.length === 1 ? `agent '${hosts[0].name}'` : `agents ${hosts.map((h) => `'${h.name}'`).join(', ')}`;

export type StartOutcome =
  | { host: Host; status: 'started'; agent: AgentState }
  | { host: Host; status: 'running' }
  | { host: Host; status: 'failed'; error: Error };

/**
 * Start stopped hosts: `docker start`, then wait for sshd with the pinned host key (the init script starts the agent's
 * tmux session again at every boot). The published port may change, so the ssh config entries are rewritten, in one
 * write for all hosts. Hosts that run already are left alone. One host failing does not keep the others from starting.
 */
export async function startHosts(
  core: Core,
  targets: Target[],
  opts: { sshTimeoutSeconds: number },
): Promise<StartOutcome[]> {
  const outcomes = await Promise.all(
    targets.map(async ({ provider, host }): Promise<StartOutcome & { endpoint?: SshEndpoint }> => {
      if (host.state === 'running') return { host, status: 'running' };
      if (host.state === 'paused') {
        return {
          host,
          status: 'failed',
          error: new MngError(`agent '${host.name}' is paused (docker unpause ${host.containerName})`),
        };
      }
      try {
        core.progress(`Starting ${host.containerName}`);
        const booted = await bootContainer(core, provider, host.containerId, {
          alias: host.containerName,
          name: host.name,
          sshUser: host.sshUser,
          sshTimeoutSeconds: opts.sshTimeoutSeconds,
        });
        const fresh = hostFromInspect(booted.container, provider) ?? host;
        return {
          host: { ...fresh, ssh: { ...booted.endpoint } },
          status: 'started',
          agent: booted.agent,
          endpoint: booted.endpoint,
        };
      } catch (e) {
        return { host, status: 'failed', error: e as Error };
      }
    }),
  );
  await Promise.all(
    outcomes.map((o, i) =>
      o.endpoint
        ? writeHostEntry(core.dataDir, o.host.containerName, o.endpoint, entryOwner(targets[i].provider, o.host.id))
        : undefined,
    ),
  );
  return outcomes.map(({ endpoint: _e, ...o }) => o as StartOutcome);
}

/**
 * The labels a replacement container gets: the old container's `mng.*` labels exactly (id, name, tags, start args...,
 * and any label a later mng version adds), without the `mng.snapshot.*` ones a snapshot image carries.
 */
export function replayLabels(labels: Record<string, string> | null | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels ?? {}).filter(([k]) => k.startsWith('mng.') && !k.startsWith('mng.snapshot.')),
  );
}

async function isContainer(core: Core, provider: ProviderConfig, name: string, id: string): Promise<boolean> {
  const r = await core.runner.detached().docker(daemonOf(provider), buildInspectArgs([name]), { allowMissing: true });
  return r.exitCode === 0 && parseContainerInspect(r.stdout)[0]?.Id === id;
}

/** A unique temporary container name for a replacement: `<container>.new-<6 hex>` (names allow `.`; mng's never contain one). */
export function replacementName(containerName: string, random: string = randomHex(6)): string {
  return `${containerName}.new-${random}`;
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
  provider: ProviderConfig,
  host: Host,
  snapshotRef: string,
  opts: { sshTimeoutSeconds: number },
): Promise<{ host: Host; agent: AgentState; snapshot: Snapshot }> {
  const daemon = daemonOf(provider);
  const snapshot = await resolveSnapshot(core, provider, host, snapshotRef);
  const client = await ensureClientKey(core.runner, core.dataDir);
  const [old] = parseContainerInspect((await core.runner.docker(daemon, buildInspectArgs([host.containerId]))).stdout);
  const tmpName = replacementName(host.containerName);

  const fixed = fixedHostPorts(old);
  const stopOldFirst = old.State.Running && fixed.length > 0;
  if (stopOldFirst) {
    core.progress(`Stopping ${host.containerName} first: it publishes fixed host ports (${fixed.join(', ')})`);
    await core.runner.docker(daemon, buildStopArgs([host.containerId]));
  }

  core.progress(`Replacing ${host.containerName} with a container from snapshot ${snapshot.id} (${snapshot.name})`);
  let booted: Booted;
  try {
    booted = await launchContainer(
      core,
      {
        provider,
        name: host.name,
        containerName: tmpName,
        alias: host.containerName,
        argv: planLaunch({
          containerName: tmpName,
          image: snapshot.imageId,
          labels: replayLabels(old.Config.Labels),
          startArgs: host.startArgs,
          idle: idleSettingsOf(host.idleTimeout, old.Config.Labels),
        }),
        imageForMessages: `${snapshot.ref} (snapshot ${snapshot.id})`,
        // The snapshot keeps /mng/agent and the host's own host key (its identity); mng's scripts and the client key are written afresh.
        files: systemFiles({ authorizedKey: client.publicKey }),
        sshUser: host.sshUser,
        sshTimeoutSeconds: opts.sshTimeoutSeconds,
        attempt: { name: tmpName },
      },
      async (b) => {
        // The new container answers ssh: now the old one goes. Not interruptible: half of a swap is worse than either side.
        await core.runner.detached().docker(daemon, buildRemoveArgs([host.containerId]));
        return b;
      },
    );
  } catch (e) {
    if (stopOldFirst) {
      core.warn(`starting ${host.containerName} again as it was`);
      try {
        const again = await bootContainer({ ...core, runner: core.runner.detached() }, provider, host.containerId, {
          alias: host.containerName,
          name: host.name,
          sshUser: host.sshUser,
          sshTimeoutSeconds: opts.sshTimeoutSeconds,
        });
        await writeHostEntry(core.dataDir, host.containerName, again.endpoint, entryOwner(provider, host.id));
      } catch (e2) {
        core.warn(`could not start ${host.containerName} again: ${(e2 as Error).message}`);
      }
    }
    throw e;
  }

  const rename = await core.runner
    .detached()
    .docker(daemon, buildRenameArgs(tmpName, host.containerName), { check: false });
  // Another mng command that looked the host up in the meantime may have finished the rename itself.
  if (rename.exitCode !== 0 && !(await isContainer(core, provider, host.containerName, booted.container.Id))) {
    throw new MngError(
      `the old container of agent '${host.name}' is removed, but renaming its replacement ${tmpName} to ${host.containerName} failed: ${dockerReason(rename.stderr)}`,
      {
        hint: `rename it yourself: docker rename ${tmpName} ${host.containerName}`,
      },
    );
  }
  // The route was worked out under the temporary name (a remote daemon's ProxyCommand names the container): redo it.
  const endpoint =
    sshRoute(provider, host.containerName, publishedPort(booted.container), host.sshUser) ?? booted.endpoint;
  await writeHostEntry(core.dataDir, host.containerName, endpoint, entryOwner(provider, host.id));
  const fresh = hostFromInspect(booted.container, provider);
  if (!fresh) throw new MngError(`container '${host.containerName}' lost its mng labels`);
  return { host: { ...fresh, containerName: host.containerName, ssh: { ...endpoint } }, agent: booted.agent, snapshot };
}
