import {
  buildCommitArgs,
  buildImageIdsByLabelArgs,
  buildImageInspectArgs,
  buildRemoveImagesArgs,
} from '../../docker/args.js';
import type { Daemon } from '../../docker/daemon.js';
import { parseIdLines, parseImageInspect } from '../../docker/inspect.js';
import { MngError, NotFoundError } from '../../errors.js';
import { randomHex } from '../../random.js';
import type { Core } from '../core.js';
import type { HostRef } from '../hosts/resolve.js';
import { hostsOf } from '../hosts/resolve.js';
import type { Host } from '../model/host.js';
import {
  defaultSnapshotName,
  matchSnapshots,
  SNAPSHOT_LABEL,
  type Snapshot,
  shortImageId,
  snapshotFromImage,
  snapshotLabels,
  snapshotRepo,
  snapshotTag,
  sortSnapshots,
  validateSnapshotName,
} from '../model/snapshot.js';

/** A host's snapshots, newest first: one `docker images --filter label=…` for the ids, one batched `docker image inspect`. */
export async function listSnapshots(core: Core, host: Pick<Host, 'id' | 'daemon'>): Promise<Snapshot[]> {
  return (await listSnapshotsOf(core, host.daemon, [host])).get(host.id) ?? [];
}

/**
 * The snapshots of several hosts on one daemon, by host id: one `docker images` (by the host's id label for one
 * host, by this prefix's label for several) and one batched inspect.
 */
export async function listSnapshotsOf(
  core: Core,
  daemon: Daemon,
  hosts: readonly Pick<Host, 'id'>[],
): Promise<Map<string, Snapshot[]>> {
  const byHost = new Map<string, Snapshot[]>();
  if (hosts.length === 0) return byHost;
  const filter =
    hosts.length === 1
      ? buildImageIdsByLabelArgs(SNAPSHOT_LABEL.hostId, hosts[0].id)
      : buildImageIdsByLabelArgs(SNAPSHOT_LABEL.prefix, core.prefix);
  const ids = [...new Set(parseIdLines((await core.runner.docker(daemon, filter)).stdout))];
  if (ids.length === 0) return byHost;
  // An image removed between the two calls makes inspect fail for it alone; the rest still come back.
  const res = await core.runner.docker(daemon, buildImageInspectArgs(ids), { allowMissing: true });
  const wanted = new Set(hosts.map((h) => h.id));
  for (const snap of parseImageInspect(res.stdout).map(snapshotFromImage)) {
    if (snap === undefined || !wanted.has(snap.hostId)) continue;
    byHost.set(snap.hostId, [...(byHost.get(snap.hostId) ?? []), snap]);
  }
  for (const [id, snaps] of byHost) byHost.set(id, sortSnapshots(snaps));
  return byHost;
}

/** Say so when a host has mounts: `docker commit` does not capture them. */
export function warnMounts(core: Core, host: Pick<Host, 'mounts'>): void {
  if (host.mounts.length === 0) return;
  const list = host.mounts
    .map((m) => `${m.destination} (${m.type}${m.type === 'bind' ? ` from ${m.source}` : ''})`)
    .join(', ');
  core.warn(
    `mounts are not captured in snapshots: ${list}; start --snapshot mounts bind mounts and named volumes again (from the host's start arguments), anonymous volumes start empty`,
  );
}

/** Commit a host's container (running or stopped; by id or name) into a new snapshot image. */
export async function createSnapshot(
  core: Core,
  daemon: Daemon,
  host: Pick<Host, 'id' | 'name' | 'prefix' | 'containerName' | 'containerId'>,
  name: string | undefined,
): Promise<Pick<Snapshot, 'id' | 'imageId' | 'ref' | 'name' | 'createdAt'>> {
  const now = new Date();
  const snapName = name === undefined ? defaultSnapshotName(now) : validateSnapshotName(name);
  const ref = `${snapshotRepo(host.containerName)}:${snapshotTag(now, randomHex(6))}`;
  const createdAt = now.toISOString();
  core.progress(`Committing ${host.containerName} to ${ref}`);
  const res = await core.runner.docker(
    daemon,
    buildCommitArgs(host.containerId, ref, snapshotLabels(host, snapName, createdAt)),
  );
  const imageId = res.stdout.trim().split('\n').pop() ?? '';
  if (!/^sha256:[0-9a-f]{64}$/.test(imageId))
    throw new MngError(`docker commit printed no image id (got ${JSON.stringify(res.stdout.trim())})`);
  return { id: shortImageId(imageId), imageId, ref, name: snapName, createdAt };
}

/**
 * The host's snapshot that `ref` names, or a clear error: not found, ambiguous, or a snapshot of another host.
 * `known` is the host's snapshot list when the caller has it already.
 */
export async function resolveSnapshot(core: Core, host: Host, ref: string, known?: Snapshot[]): Promise<Snapshot> {
  const snaps = known ?? (await listSnapshots(core, host));
  const found = matchSnapshots(snaps, ref);
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new MngError(
      `'${ref}' matches ${found.length} snapshots of agent '${host.name}' (${found.map((s) => s.id).join(', ')})`,
      { hint: 'give the snapshot id' },
    );
  }
  // Not one of this host's: say whose it is, if it is a snapshot at all (a ref docker would read as an option is none).
  const other = ref.startsWith('-')
    ? undefined
    : await core.runner.docker(host.daemon, buildImageInspectArgs([ref]), { check: false });
  if (other?.exitCode === 0) {
    const [img] = parseImageInspect(other.stdout);
    const owner = img && snapshotFromImage(img);
    if (owner && owner.hostId !== host.id) {
      throw new MngError(`snapshot '${ref}' belongs to agent '${owner.hostName}', not to '${host.name}'`, {
        hint: `mng snapshot list ${host.name} shows this agent's snapshots`,
      });
    }
  }
  throw new NotFoundError(
    `agent '${host.name}' has no snapshot '${ref}'`,
    `mng snapshot list ${host.name} shows its snapshots`,
  );
}

/** Remove snapshot images (by their mng tag). */
export async function removeSnapshots(core: Core, daemon: Daemon, snaps: Snapshot[]): Promise<void> {
  if (snaps.length === 0) return;
  await core.runner.docker(daemon, buildRemoveImagesArgs(snaps.map((s) => s.ref)));
}

/**
 * `mng snapshot create`: commit the container a ref names, by its id, at once (a host this machine recorded needs no
 * lookup first), with an inspect alongside for the mounts warning (a looked-up host has its mounts already). A
 * container that is gone fails the commit, and the caller's lookup takes over (core/hosts/resolve.ts).
 */
export async function snapshotHost(core: Core, ref: HostRef, name: string | undefined) {
  const source = {
    id: ref.hostId,
    name: ref.name,
    prefix: core.prefix,
    containerName: ref.container,
    containerId: ref.containerId,
  };
  // The commit goes out first; the inspect beside it only says whether to warn about mounts.
  const commit = createSnapshot(core, ref.daemon, source, name);
  const mounts = ref.host
    ? Promise.resolve(ref.host)
    : hostsOf(core, [ref]).then(
        ([h]) => h,
        () => undefined,
      );
  const [snap, host] = await Promise.all([commit, mounts]);
  if (host) warnMounts(core, host);
  return snap;
}
