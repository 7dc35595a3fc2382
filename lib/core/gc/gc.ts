import {
  buildImageIdsByLabelArgs,
  buildImageIdsByReferenceArgs,
  buildImageInspectArgs,
  buildListIdsArgs,
  buildRemoveArgs,
  buildRemoveImagesArgs,
  buildRenameArgs,
} from '../../docker/args.js';
import { type Daemon, daemonIdentity } from '../../docker/daemon.js';
import { dockerReason } from '../../docker/errors.js';
import { type ContainerInspect, parseIdLines, parseImageInspect } from '../../docker/inspect.js';
import { readSshAliases, removeHostFiles } from '../../ssh/config.js';
import { staleControlSockets } from '../../ssh/control.js';
import type { Core } from '../core.js';
import { planDaemonGc, staleSshAliases, type GcAction, type GcContainer, type GcImage } from './plan.js';
import { inspectContainers } from '../hosts/lookup.js';
import { recordedProvider } from '../hosts/record.js';
import { TEMP_NAME } from '../hosts/rename.js';
import { decodeHost, sshAlias } from '../model/host.js';
import { PREPARED_FROM_LABEL, PREPARED_REPO } from '../create/image.js';
import { LABEL } from '../model/labels.js';
import { SNAPSHOT_LABEL, SNAPSHOT_REPO } from '../model/snapshot.js';

export interface GcResult {
  action: GcAction;
  provider?: string;
  /** set when the action failed */
  error?: string;
}

const imageIds = (out: string) => [...new Set(parseIdLines(out))];

/** A container as gc sees it: its name, state and labels, and whether it passes the gate (decodeHost). */
function gcContainer(c: ContainerInspect, daemon: Daemon): GcContainer {
  const name = String(c.Name).replace(/^\//, '');
  const base = TEMP_NAME.exec(name)?.[1];
  const decoded = decodeHost(c, daemon, { as: base });
  return {
    id: c.Id,
    name,
    status: c.State.Status,
    created: Date.parse(c.Created),
    labels: c.Config?.Labels ?? {},
    image: c.Image,
    trusted: 'host' in decoded,
  };
}

/** The ssh aliases of the hosts these containers are (a temporary name's host's too). */
function liveAliases(containers: readonly GcContainer[]): string[] {
  return containers.map((c) => sshAlias(TEMP_NAME.exec(c.name)?.[1] ?? c.name, c.labels[LABEL.provider] ?? ''));
}

/** Everything gc needs from one daemon: 2 listings of ids, then one batched inspect each for containers and images. */
async function daemonFacts(core: Core, daemon: Daemon) {
  const [ps, prep, snaps] = await Promise.all([
    core.runner.docker(daemon, buildListIdsArgs(LABEL.id)),
    core.runner.docker(daemon, buildImageIdsByReferenceArgs(`${PREPARED_REPO}:*`)),
    core.runner.docker(daemon, buildImageIdsByLabelArgs(SNAPSHOT_LABEL.prefix, core.prefix)),
  ]);
  const ids = parseIdLines(ps.stdout);
  const containers: GcContainer[] =
    ids.length === 0 ? [] : (await inspectContainers(core, daemon, ids)).map((c) => gcContainer(c, daemon));
  const inspectImages = async (list: string[]) =>
    list.length === 0
      ? []
      : parseImageInspect(
          (await core.runner.docker(daemon, buildImageInspectArgs(list), { allowMissing: true })).stdout,
        );
  const toGc =
    (repo: string) =>
    (i: {
      Id: string;
      RepoTags: string[] | null;
      Config: { Labels: Record<string, string> | null } | null;
    }): GcImage => ({
      id: i.Id,
      refs: (i.RepoTags ?? []).filter((t) => t.startsWith(repo)),
      labels: i.Config?.Labels ?? {},
    });
  const prepared = (await inspectImages(imageIds(prep.stdout))).map(toGc(`${PREPARED_REPO}:`));
  const bases = [...new Set(prepared.map((p) => p.labels[PREPARED_FROM_LABEL] ?? p.id))];
  const baseTags = new Map(
    (await inspectImages(bases)).map((b) => [
      b.Id,
      (b.RepoTags ?? []).filter((t) => !t.startsWith(`${PREPARED_REPO}:`)),
    ]),
  );
  const snapshots = (await inspectImages(imageIds(snaps.stdout))).map(toGc(`${SNAPSHOT_REPO}/`));
  return {
    containers,
    prepared: prepared.map((p) => ({
      ...p,
      baseTagged: (baseTags.get(p.labels[PREPARED_FROM_LABEL] ?? p.id) ?? []).length > 0,
    })),
    snapshots,
  };
}

/** Carry out one action; its failure, when it failed: docker's reason, and whether the image is still in use. */
async function apply(core: Core, daemon: Daemon, a: GcAction): Promise<{ reason: string; inUse: boolean } | undefined> {
  const args =
    a.op === 'rename'
      ? buildRenameArgs(a.ref, a.to!)
      : a.kind === 'container'
        ? buildRemoveArgs([a.id!])
        : buildRemoveImagesArgs([a.ref]);
  const r = await core.runner.docker(daemon, args, { check: false });
  return r.exitCode === 0 ? undefined : { reason: dockerReason(r.stderr), inUse: r.failure === 'in use' };
}

/** gc of one daemon (shared by the providers in `group`): its facts, the plan, and each action carried out. */
async function gcDaemon(
  core: Core,
  group: Daemon[],
  opts: { dryRun: boolean; snapshots: boolean; minAgeSeconds: number },
  allNames: Set<string>,
): Promise<{ results: GcResult[]; answered: boolean }> {
  const [daemon] = group;
  const provider = daemon.provider;
  let facts: Awaited<ReturnType<typeof daemonFacts>>;
  try {
    facts = await daemonFacts(core, daemon);
  } catch (e) {
    const action = { op: 'keep', kind: 'container', ref: '-', reason: 'daemon did not answer' } as const;
    return { results: [{ action, provider, error: (e as Error).message }], answered: false };
  }
  for (const a of liveAliases(facts.containers)) allNames.add(a);
  const actions = planDaemonGc({
    ...facts,
    prefix: core.prefix,
    providers: group.map((d) => d.provider),
    now: Date.now(),
    minAgeMs: opts.minAgeSeconds * 1000,
    snapshotsToo: opts.snapshots,
  });
  const results: GcResult[] = [];
  for (const a of actions) {
    const failed = opts.dryRun || a.op === 'keep' ? undefined : await apply(core, daemon, a);
    // docker refuses to remove an image something still uses (a container mng did not make, a child image): kept.
    if (failed?.inUse && a.kind !== 'container') {
      results.push({ action: { ...a, op: 'keep', reason: `still in use, kept: ${failed.reason}` }, provider });
    } else {
      results.push({ action: a, provider, error: failed?.reason });
    }
  }
  return { results, answered: true };
}

/**
 * Find (and unless `dryRun`, remove) what interrupted commands and replaced images left behind, on every given
 * provider's daemon, then the local files of hosts that exist nowhere. A daemon that does not answer is an error
 * result, and then no local file is removed (its hosts cannot be told apart from gone ones).
 */
export async function collectGarbage(
  core: Core,
  daemons: readonly Daemon[],
  opts: { dryRun: boolean; snapshots: boolean; minAgeSeconds: number; allProviders: boolean },
): Promise<GcResult[]> {
  // Providers sharing a daemon are one daemon to gc.
  const byDaemon = new Map<string, Daemon[]>();
  for (const d of daemons) byDaemon.set(daemonIdentity(d), [...(byDaemon.get(daemonIdentity(d)) ?? []), d]);
  const allNames = new Set<string>();
  const perDaemon = await Promise.all([...byDaemon.values()].map((g) => gcDaemon(core, g, opts, allNames)));
  const results = perDaemon.flatMap((d) => d.results);
  if (perDaemon.every((d) => d.answered)) {
    const entries = await Promise.all(
      (await readSshAliases(core.dataDir)).map(async (alias) => ({
        alias,
        provider: await recordedProvider(core.dataDir, alias),
      })),
    );
    const scope = { providers: daemons.map((d) => d.provider), all: opts.allProviders };
    const stale = staleSshAliases(entries, core.prefix, allNames, scope);
    if (!opts.dryRun) await Promise.all(stale.map((a) => removeHostFiles(core.dataDir, a.ref)));
    for (const a of stale) results.push({ action: a });
  }
  // Shared-connection sockets whose ssh master is gone (killed, not closed): nothing answers on them.
  for (const socket of await staleControlSockets(core.dataDir, { remove: !opts.dryRun })) {
    results.push({
      action: {
        op: 'remove',
        kind: 'ssh-socket',
        ref: socket,
        reason: 'ssh connection socket that no process answers',
      },
    });
  }
  return results;
}
