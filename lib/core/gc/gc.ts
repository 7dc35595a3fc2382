import type { ProviderConfig } from '../../config/config.js';
import {
  buildImageIdsByLabelArgs,
  buildImageIdsByReferenceArgs,
  buildImageInspectArgs,
  buildListIdsArgs,
  buildRemoveArgs,
  buildRemoveImagesArgs,
  buildRenameArgs,
} from '../../docker/args.js';
import { dockerReason } from '../../docker/errors.js';
import { parseIdLines, parseImageInspect } from '../../docker/inspect.js';
import { readSshAliases, removeHostFiles } from '../../ssh/config.js';
import { staleControlSockets } from '../../ssh/control.js';
import { daemonOf, type Core } from '../core.js';
import { planDaemonGc, staleSshAliases, type GcAction, type GcContainer, type GcImage } from './plan.js';
import { inspectContainers } from '../hosts/hosts.js';
import { PREPARED_FROM_LABEL, PREPARED_REPO } from '../create/image.js';
import { LABEL } from '../model/labels.js';
import { SNAPSHOT_LABEL, SNAPSHOT_REPO } from '../lifecycle/snapshots.js';

export interface GcResult {
  action: GcAction;
  provider?: string;
  /** set when the action failed */
  error?: string;
}

const imageIds = (out: string) => [...new Set(parseIdLines(out))];

/** Everything gc needs from one daemon: 2 listings of ids, then one batched inspect each for containers and images. */
async function daemonFacts(core: Core, provider: ProviderConfig) {
  const daemon = daemonOf(provider);
  const [ps, prep, snaps] = await Promise.all([
    core.runner.docker(daemon, buildListIdsArgs(LABEL.id)),
    core.runner.docker(daemon, buildImageIdsByReferenceArgs(`${PREPARED_REPO}:*`)),
    core.runner.docker(daemon, buildImageIdsByLabelArgs(SNAPSHOT_LABEL.prefix, core.prefix)),
  ]);
  const ids = parseIdLines(ps.stdout);
  const containers: GcContainer[] =
    ids.length === 0
      ? []
      : (await inspectContainers(core, provider, ids)).map((c) => ({
          id: c.Id,
          name: c.Name.replace(/^\//, ''),
          status: c.State.Status,
          created: Date.parse(c.Created),
          labels: c.Config?.Labels ?? {},
          image: c.Image,
        }));
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

async function apply(core: Core, provider: ProviderConfig, a: GcAction): Promise<string | undefined> {
  const daemon = daemonOf(provider);
  const args =
    a.op === 'rename'
      ? buildRenameArgs(a.ref, a.to!)
      : a.kind === 'container'
        ? buildRemoveArgs([a.id!])
        : buildRemoveImagesArgs([a.ref]);
  const r = await core.runner.docker(daemon, args, { check: false });
  return r.exitCode === 0 ? undefined : dockerReason(r.stderr);
}

/**
 * Find (and unless `dryRun`, remove) what interrupted commands and replaced images left behind, on every given
 * provider's daemon, then the ssh config entries of hosts that exist nowhere. A daemon that does not answer is an
 * error result, and then no local entry is removed (its hosts cannot be told apart from gone ones).
 */
export async function collectGarbage(
  core: Core,
  providers: ProviderConfig[],
  opts: { dryRun: boolean; snapshots: boolean; minAgeSeconds: number },
): Promise<GcResult[]> {
  // Providers sharing a daemon are one daemon to gc.
  const byDaemon = new Map<string, ProviderConfig[]>();
  for (const p of providers) byDaemon.set(p.host, [...(byDaemon.get(p.host) ?? []), p]);
  const results: GcResult[] = [];
  const allNames = new Set<string>();
  let complete = true;
  await Promise.all(
    [...byDaemon.values()].map(async (group) => {
      const provider = group[0];
      let facts: Awaited<ReturnType<typeof daemonFacts>>;
      try {
        facts = await daemonFacts(core, provider);
      } catch (e) {
        complete = false;
        results.push({
          action: { op: 'keep', kind: 'container', ref: '-', reason: 'daemon did not answer' },
          provider: provider.name,
          error: (e as Error).message,
        });
        return;
      }
      for (const c of facts.containers) allNames.add(c.name);
      const actions = planDaemonGc({
        ...facts,
        prefix: core.prefix,
        providers: group.map((p) => p.name),
        now: Date.now(),
        minAgeMs: opts.minAgeSeconds * 1000,
        snapshotsToo: opts.snapshots,
      });
      for (const a of actions) {
        if (a.op === 'rename') allNames.add(a.to!);
        const error = opts.dryRun || a.op === 'keep' ? undefined : await apply(core, provider, a);
        // docker refuses to remove an image something still uses (a container mng did not make, a child image): kept.
        if (error && a.kind !== 'container' && /conflict|being used|dependent child/i.test(error)) {
          results.push({
            action: { ...a, op: 'keep', reason: `still in use, kept: ${error}` },
            provider: provider.name,
          });
        } else {
          results.push({ action: a, provider: provider.name, error });
        }
      }
    }),
  );
  if (complete) {
    const stale = staleSshAliases(await readSshAliases(core.dataDir), core.prefix, allNames);
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
