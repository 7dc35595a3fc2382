import type { ProviderConfig } from '../../config/config.js';
import {
  buildCommitArgs,
  buildImageIdsByLabelArgs,
  buildImageInspectArgs,
  buildRemoveImagesArgs,
} from '../../docker/args.js';
import { parseIdLines, parseImageInspect, type ImageInspect } from '../../docker/inspect.js';
import { MngError, NotFoundError, UsageError } from '../../errors.js';
import { randomHex } from '../../random.js';
import { daemonOf, type Core } from '../core.js';
import type { Host } from '../hosts/hosts.js';

/**
 * A snapshot is an image made by `docker commit` of a host's container, tagged `mng-snapshot/<container name>:<tag>`
 * (a tag keeps `docker image prune` from treating it as dangling) and labelled with the host it belongs to.
 * `docker commit` also copies the container's own labels (mng.id, mng.name...) into the image, so the snapshot's
 * labels live under their own namespace, `mng.snapshot.*`, which `docker commit --change` sets on every commit.
 */
export const SNAPSHOT_LABEL = {
  hostId: 'mng.snapshot.host-id',
  hostName: 'mng.snapshot.host-name',
  prefix: 'mng.snapshot.prefix',
  name: 'mng.snapshot.name',
  createdAt: 'mng.snapshot.created-at',
} as const;

export const SNAPSHOT_REPO = 'mng-snapshot';

export interface Snapshot {
  /** the image id's first 12 hex digits: what mng prints and what --snapshot takes (any unique prefix, or the name) */
  id: string;
  /** the full image id, sha256:... */
  imageId: string;
  /** the image reference mng tagged it with */
  ref: string;
  name: string;
  createdAt: string;
  sizeBytes: number;
  hostId: string;
  hostName: string;
}

/** `sha256:abc...` → the first 12 hex digits, as docker shows ids. */
export function shortImageId(imageId: string): string {
  return imageId.replace(/^sha256:/, '').slice(0, 12);
}

/** Repository names must be lowercase `[a-z0-9]` separated by `-`: the container name, lowercased, anything else → `-`. */
export function snapshotRepo(containerName: string): string {
  const part = containerName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${SNAPSHOT_REPO}/${part || 'host'}`;
}

/** A unique tag: UTC time to the second, then random hex (two snapshots in one second must not move each other's tag). */
export function snapshotTag(at: Date, random: string): string {
  const t = at
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  return `${t}-${random}`;
}

/** The default snapshot name: `snap-YYYYMMDD-HHMMSS` (UTC). */
export function defaultSnapshotName(at: Date): string {
  return `snap-${snapshotTag(at, '').replace(/-$/, '')}`;
}

/** A snapshot name is free text for humans, on one line. */
export function validateSnapshotName(name: string): string {
  if (name.trim() === '' || name.length > 128 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new UsageError(`invalid snapshot name ${JSON.stringify(name)}: use 1 to 128 characters on one line`);
  }
  return name;
}

/** The labels a new snapshot image gets. */
export function snapshotLabels(
  host: Pick<Host, 'id' | 'name' | 'prefix'>,
  name: string,
  createdAt: string,
): Record<string, string> {
  return {
    [SNAPSHOT_LABEL.hostId]: host.id,
    [SNAPSHOT_LABEL.hostName]: host.name,
    [SNAPSHOT_LABEL.prefix]: host.prefix,
    [SNAPSHOT_LABEL.name]: name,
    [SNAPSHOT_LABEL.createdAt]: createdAt,
  };
}

/**
 * An image inspect → a Snapshot, or undefined when it is not one of mng's snapshots: it needs the host id label and a
 * tag in mng-snapshot/ (an image a user built FROM a snapshot inherits its labels, but not its tag).
 */
export function snapshotFromImage(img: ImageInspect): Snapshot | undefined {
  const labels = img.Config?.Labels ?? {};
  const hostId = labels[SNAPSHOT_LABEL.hostId];
  const ref = (img.RepoTags ?? []).find((t) => t.startsWith(`${SNAPSHOT_REPO}/`));
  if (!hostId || !ref) return undefined;
  return {
    id: shortImageId(img.Id),
    imageId: img.Id,
    ref,
    name: labels[SNAPSHOT_LABEL.name] ?? '',
    createdAt: labels[SNAPSHOT_LABEL.createdAt] || img.Created,
    sizeBytes: img.Size,
    hostId,
    hostName: labels[SNAPSHOT_LABEL.hostName] ?? '',
  };
}

/** Newest first (by the snapshot's own creation time, then id for a stable order). */
export function sortSnapshots(snaps: Snapshot[]): Snapshot[] {
  return [...snaps].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.id.localeCompare(b.id));
}

/** The snapshots a user's reference names: an id prefix (with or without `sha256:`, at least 4 hex digits), the name, or the image ref. */
export function matchSnapshots(snaps: Snapshot[], ref: string): Snapshot[] {
  const hex = ref.replace(/^sha256:/, '').toLowerCase();
  const byId = /^[0-9a-f]{4,64}$/.test(hex);
  return snaps.filter(
    (s) => (byId && s.imageId.replace(/^sha256:/, '').startsWith(hex)) || s.name === ref || s.ref === ref,
  );
}

/** A host's snapshots, newest first: one `docker images --filter label=…` for the ids, one batched `docker image inspect`. */
export async function listSnapshots(core: Core, provider: ProviderConfig, host: Pick<Host, 'id'>): Promise<Snapshot[]> {
  return (await listSnapshotsOf(core, provider, [host])).get(host.id) ?? [];
}

/**
 * The snapshots of several hosts on one provider, by host id: one `docker images` (by the host's id label for one
 * host, by this prefix's label for several) and one batched inspect.
 */
export async function listSnapshotsOf(
  core: Core,
  provider: ProviderConfig,
  hosts: readonly Pick<Host, 'id'>[],
): Promise<Map<string, Snapshot[]>> {
  const byHost = new Map<string, Snapshot[]>();
  if (hosts.length === 0) return byHost;
  const daemon = daemonOf(provider);
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
  provider: ProviderConfig,
  host: Pick<Host, 'id' | 'name' | 'prefix' | 'containerName' | 'containerId'>,
  name: string | undefined,
): Promise<Pick<Snapshot, 'id' | 'imageId' | 'ref' | 'name' | 'createdAt'>> {
  const now = new Date();
  const snapName = name === undefined ? defaultSnapshotName(now) : validateSnapshotName(name);
  const ref = `${snapshotRepo(host.containerName)}:${snapshotTag(now, randomHex(6))}`;
  const createdAt = now.toISOString();
  core.progress(`Committing ${host.containerName} to ${ref}`);
  const res = await core.runner.docker(
    daemonOf(provider),
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
export async function resolveSnapshot(
  core: Core,
  provider: ProviderConfig,
  host: Host,
  ref: string,
  known?: Snapshot[],
): Promise<Snapshot> {
  const snaps = known ?? (await listSnapshots(core, provider, host));
  const found = matchSnapshots(snaps, ref);
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new MngError(
      `'${ref}' matches ${found.length} snapshots of agent '${host.name}' (${found.map((s) => s.id).join(', ')})`,
      { hint: 'give the snapshot id' },
    );
  }
  // Not one of this host's: say whose it is, if it is a snapshot at all.
  const other = await core.runner.docker(daemonOf(provider), buildImageInspectArgs([ref]), { check: false });
  if (other.exitCode === 0) {
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
export async function removeSnapshots(core: Core, provider: ProviderConfig, snaps: Snapshot[]): Promise<void> {
  if (snaps.length === 0) return;
  await core.runner.docker(daemonOf(provider), buildRemoveImagesArgs(snaps.map((s) => s.ref)));
}
