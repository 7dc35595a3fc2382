import { buildRemoveArgs, buildRemoveImagesArgs } from '../../docker/args.js';
import type { Daemon } from '../../docker/daemon.js';
import { MngError } from '../../errors.js';
import { removeHostFiles } from '../../ssh/config.js';
import { type Core, groupByDaemon } from '../core.js';
import type { Host } from '../model/host.js';
import { builtImageTag } from '../model/labels.js';
import { unregisterHosts } from '../network/lists.js';
import type { Snapshot } from '../model/snapshot.js';
import { listSnapshotsOf, removeSnapshots } from './snapshots.js';

const names = (hosts: Host[]) =>
  hosts.length === 1 ? `agent '${hosts[0].name}'` : `agents ${hosts.map((h) => `'${h.name}'`).join(', ')}`;

/** Drop the hosts' claims on the images built from their Dockerfiles (`mng-built:<id>`); a failure is a warning. */
async function removeBuiltImages(core: Core, daemon: Daemon, hosts: Host[]): Promise<void> {
  const built = hosts.filter((h) => h.image === builtImageTag(h.id));
  if (built.length === 0) return;
  const tags = built.map((h) => builtImageTag(h.id));
  try {
    await core.runner.docker(daemon, buildRemoveImagesArgs(tags), { allowMissing: true });
  } catch (e) {
    core.warn(
      `${names(built)} ${built.length === 1 ? 'is' : 'are'} gone, but ${tags.join(', ')} not removed: ${(e as Error).message}`,
    );
  }
}

/** One daemon's share of destroyHosts; returns how many snapshots each host lost. */
async function destroyOn(
  core: Core,
  daemon: Daemon,
  hosts: Host[],
  keepSnapshots: boolean,
): Promise<Map<Host, number>> {
  const snapshots = keepSnapshots ? new Map<string, Snapshot[]>() : await listSnapshotsOf(core, daemon, hosts);
  await core.runner.docker(daemon, buildRemoveArgs(hosts.map((h) => h.containerId)));
  await Promise.all(hosts.map((h) => removeHostFiles(core.dataDir, h.alias)));
  await removeBuiltImages(core, daemon, hosts);
  // their lists in the daemon's egress filter (a stale one would grant nothing: its token died with the host)
  await unregisterHosts(
    core,
    daemon,
    hosts.filter((h) => h.egress?.mode === 'allow').map((h) => h.id),
  );
  const snaps = hosts.flatMap((h) => snapshots.get(h.id) ?? []);
  if (snaps.length > 0) {
    try {
      await removeSnapshots(core, daemon, snaps);
    } catch (e) {
      throw new MngError(
        `${names(hosts)} destroyed, but removing the snapshot images failed: ${(e as Error).message}`,
        {
          hint: `remove them with: docker rmi ${snaps.map((s) => s.ref).join(' ')}`,
        },
      );
    }
  }
  return new Map(hosts.map((h) => [h, snapshots.get(h.id)?.length ?? 0]));
}

/**
 * Remove hosts: their containers (and anonymous volumes), their local files (record, ssh entry, pinned key), the
 * images built for them from their Dockerfiles and, unless `keepSnapshots`, their snapshot images. Per daemon (daemons
 * in parallel): one listing of the snapshots before anything is removed, one `docker rm` of every container, then one
 * `docker rmi` of the built images and one of the snapshots (after the containers, which may run from them).
 */
export async function destroyHosts(
  core: Core,
  hosts: readonly Host[],
  opts: { keepSnapshots?: boolean } = {},
): Promise<{ host: Host; snapshotsRemoved: number }[]> {
  const removed = await Promise.all(
    [...groupByDaemon(hosts)].map(([daemon, group]) => destroyOn(core, daemon, group, Boolean(opts.keepSnapshots))),
  );
  const counts = new Map(removed.flatMap((m) => [...m]));
  return hosts.map((host) => ({ host, snapshotsRemoved: counts.get(host) ?? 0 }));
}
