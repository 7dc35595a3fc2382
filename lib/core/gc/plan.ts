import { LABEL } from '../model/labels.js';
import { TEMP_NAME } from '../hosts/rename.js';

/**
 * What `mng gc` does, decided from what docker reported (pure: unit-tested without docker). Only objects mng made
 * are candidates: containers with mng's labels of this prefix and provider, images in mng's own repositories.
 */

export interface GcContainer {
  id: string;
  name: string;
  /** docker's State.Status */
  status: string;
  /** docker's creation time, ms since the epoch */
  created: number;
  labels: Record<string, string>;
  /** the image id it runs */
  image: string;
  /** its name, id and labels are as mng writes them (decodeHost): gc acts on no other container */
  trusted: boolean;
}

export interface GcImage {
  id: string;
  /** the tags in mng's repository (mng-prepared:…, mng-snapshot/…:…) */
  refs: string[];
  labels: Record<string, string>;
}

export interface GcFacts {
  prefix: string;
  /** the provider instances that use this daemon */
  providers: string[];
  now: number;
  /** leave alone what is younger: a command may still be making it */
  minAgeMs: number;
  /** every container with mng's labels on the daemon, any prefix */
  containers: GcContainer[];
  /** mng's prepared images, with whether the image they were made from still has a tag (of its own) */
  prepared: (GcImage & { baseTagged: boolean })[];
  /** snapshot images of this prefix */
  snapshots: GcImage[];
  /** remove snapshots of hosts that are gone (else they are reported as kept) */
  snapshotsToo: boolean;
}

export interface GcAction {
  op: 'remove' | 'rename' | 'keep';
  kind: 'container' | 'image' | 'snapshot' | 'ssh-entry' | 'ssh-socket';
  /** container name, image reference, or ssh Host alias */
  ref: string;
  /** container id (for removal), new name (for rename) */
  id?: string;
  to?: string;
  reason: string;
}

/** This prefix's and providers' containers that an interrupted command left behind (or under a temporary name). */
function containerActions(f: GcFacts): GcAction[] {
  const actions: GcAction[] = [];
  const ours = f.containers.filter(
    (c) => c.trusted && c.labels[LABEL.prefix] === f.prefix && f.providers.includes(c.labels[LABEL.provider] ?? ''),
  );
  const names = new Set(f.containers.map((c) => c.name));
  const old = (c: GcContainer) => f.now - c.created >= f.minAgeMs;
  for (const c of ours) {
    const tmp = TEMP_NAME.exec(c.name);
    const base = { kind: 'container', ref: c.name, id: c.id } as const;
    if (tmp && tmp[1] === `${f.prefix}${c.labels[LABEL.name]}`) {
      if (!names.has(tmp[1])) {
        const reason = 'the host, left under its temporary name by an interrupted start --snapshot';
        actions.push({ ...base, op: 'rename', to: tmp[1], reason });
        names.add(tmp[1]);
      } else if (old(c)) {
        const reason = `a replacement of ${tmp[1]} left behind by an interrupted start --snapshot`;
        actions.push({ ...base, op: 'remove', reason });
      }
    } else if (c.status === 'created' && old(c)) {
      actions.push({ ...base, op: 'remove', reason: 'never started: left behind by an interrupted create' });
    }
  }
  return actions;
}

/** Snapshots of hosts that exist no more: removed with --snapshots, else reported as kept. */
function snapshotActions(f: GcFacts, hostIds: Set<string>): GcAction[] {
  return f.snapshots.flatMap((img) => {
    const hostId = img.labels['mng.snapshot.host-id'];
    if (!hostId || hostIds.has(hostId)) return [];
    const host = img.labels['mng.snapshot.host-name'] ?? '?';
    const gone = `snapshot of agent '${host}', which no longer exists`;
    return img.refs.map(
      (ref): GcAction =>
        f.snapshotsToo
          ? { op: 'remove', kind: 'snapshot', ref, reason: gone }
          : {
              op: 'keep',
              kind: 'snapshot',
              ref,
              reason: `${gone} (kept: destroy --keep-snapshots keeps them on purpose; gc --snapshots removes them)`,
            },
    );
  });
}

export function planDaemonGc(f: GcFacts): GcAction[] {
  const actions = containerActions(f);
  const removed = new Set(actions.filter((a) => a.op === 'remove').map((a) => a.id));
  const left = f.containers.filter((c) => !removed.has(c.id));
  const inUse = new Set(left.map((c) => c.image));
  for (const img of f.prepared) {
    if (inUse.has(img.id) || img.baseTagged) continue;
    for (const ref of img.refs)
      actions.push({
        op: 'remove',
        kind: 'image',
        ref,
        reason: 'prepared from an image that has been replaced, and used by no host',
      });
  }
  return [...actions, ...snapshotActions(f, new Set(left.map((c) => c.labels[LABEL.id])))];
}

/** One host's local files (`hosts/ALIAS/`), with the provider its record names, if it can be read. */
export interface SshEntry {
  alias: string;
  provider?: string;
}

/**
 * ssh entries of this prefix whose host exists on no daemon (`live`: the aliases of every mng container found, of any
 * prefix: another prefix may look alike). Only entries of the providers gc looked at: `providers`, and with `all`
 * (no --provider) also those whose provider is not configured any more or cannot be read.
 */
export function staleSshAliases(
  entries: readonly SshEntry[],
  prefix: string,
  live: ReadonlySet<string>,
  scope: { providers: readonly string[]; all: boolean },
): GcAction[] {
  const looked = (e: SshEntry) => (e.provider !== undefined && scope.providers.includes(e.provider) ? true : scope.all);
  return entries
    .filter((e) => e.alias.startsWith(prefix) && !live.has(e.alias) && looked(e))
    .map((e) => ({
      op: 'remove' as const,
      kind: 'ssh-entry' as const,
      ref: e.alias,
      reason: 'ssh config entry and pinned host key of a host that no longer exists',
    }));
}
