import type { ImageInspect } from '../../docker/inspect.js';
import { UsageError } from '../../errors.js';
import type { Host } from './host.js';

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
