// Acting on a host by name at once, without looking it up first: what this machine recorded when it created or
// started the host (the host's own ssh entry) says which provider and daemon hold it. Docker takes container names,
// so the real call goes straight out; a call that fails falls back to the lookup, which says what is wrong.

import type { Config, ProviderConfig } from '../../config/config.js';
import { buildInspectArgs, buildRemoveImagesArgs, buildStopArgs } from '../../docker/args.js';
import { dockerError } from '../../docker/errors.js';
import { parseContainerInspect, type ContainerInspect } from '../../docker/inspect.js';
import type { SshEndpoint } from '../../ssh/args.js';
import { readHostEntry, readHostOwner, writeHostEntry } from '../../ssh/config.js';
import { daemonOf, groupByProvider, type Core } from '../core.js';
import { entryOwner, hostFromInspect, inspectByName, isRemoteDaemon, type Host } from './hosts.js';
import { bootContainer } from '../launch/launch.js';
import type { StartOutcome } from '../lifecycle/lifecycle.js';
import { containerName, NAME_PATTERN } from '../model/naming.js';
import { createSnapshot, warnMounts } from '../lifecycle/snapshots.js';

export interface RecordedHost {
  provider: ProviderConfig;
  name: string;
  container: string;
  /** the host's id, when the record has it (hosts created or started by this version of mng) */
  hostId?: string;
  /** the cached ssh route, when asked for (it takes parsing the entry as ssh config) */
  endpoint?: SshEndpoint;
}

/**
 * The recorded host for each name, or undefined unless every name has one. A record counts only when the name can be
 * on its provider alone (--provider names it, or one provider is configured: with several, a name may be on more than
 * one of them, and only the lookup can tell) and that provider still means the daemon the record was made on.
 */
export async function recordedHosts(
  core: Core,
  config: Config,
  names: readonly string[],
  providerName?: string,
  opts: { endpoint?: boolean } = {},
): Promise<RecordedHost[] | undefined> {
  if (providerName === undefined && Object.keys(config.providers).length !== 1) return undefined;
  const found = await Promise.all(
    names.map(async (name): Promise<RecordedHost | undefined> => {
      if (!NAME_PATTERN.test(name)) return undefined;
      const container = containerName(core.prefix, name);
      const entry = opts.endpoint ? await readHostEntry(core.dataDir, container) : undefined;
      const owner = opts.endpoint ? entry : await readHostOwner(core.dataDir, container);
      if (!owner || (providerName !== undefined && owner.provider !== providerName)) return undefined;
      const provider = config.providers[owner.provider];
      if (!provider || entryOwner(provider).daemon !== owner.daemon) return undefined;
      return {
        provider,
        name,
        container,
        ...(owner.hostId ? { hostId: owner.hostId } : {}),
        ...(entry ? { endpoint: entry.endpoint } : {}),
      };
    }),
  );
  return found.every((r): r is RecordedHost => r !== undefined) ? found : undefined;
}

/**
 * Did the state docker reports begin before `since` (the local time mng's call went out)? Read from an inspect made
 * alongside a `docker stop` or `docker start`: a host that stopped (started) before the call was stopped (running)
 * already. A remote daemon's clock may differ from this machine's: there, a change less than two seconds before the call
 * counts as made by it.
 */
export function changedBefore(at: string | undefined, since: number, provider: ProviderConfig): boolean {
  const t = at ? Date.parse(at) : Number.NaN;
  return !Number.isNaN(t) && t < since - (isRemoteDaemon(provider) ? 2000 : 0);
}

/** Is this docker failure about a container that is not there (any more) under that name? */
const isGone = (stderr: string) => /No such container/i.test(stderr);

/** What docker said when a call failed: the error's stderr (mng's docker errors carry it), else its message. */
const stderrOf = (e: Error) => (e as { stderr?: string }).stderr ?? e.message;

/** The host in a one-container inspect made alongside (allowMissing), if docker still had it. */
function inspectedHost(
  inspect: { exitCode: number; stdout: string },
  provider: ProviderConfig,
): { c: ContainerInspect; host: Host } | undefined {
  const [c] = inspect.exitCode === 0 ? parseContainerInspect(inspect.stdout) : [];
  const host = c && hostFromInspect(c, provider);
  return host ? { c, host } : undefined;
}

/**
 * Stop recorded hosts: `docker stop` of their names at once (one call per provider) with a `docker container inspect`
 * of the same names alongside, which tells the hosts this stop stopped from those that were not running. Undefined
 * when docker no longer knows a name: the caller looks the names up, which says what is wrong.
 */
export async function stopRecorded(
  core: Core,
  hosts: RecordedHost[],
): Promise<{ stopped: Host[]; notRunning: Host[] } | undefined> {
  const stopped: Host[] = [];
  const notRunning: Host[] = [];
  const groups = await Promise.all(
    [...groupByProvider(hosts)].map(async ([provider, group]) => {
      const daemon = daemonOf(provider);
      const names = group.map((h) => h.container);
      const since = Date.now();
      core.progress(`Stopping ${names.join(', ')}`);
      const stopArgs = buildStopArgs(names);
      const [stop, seen] = await Promise.all([
        core.runner.docker(daemon, stopArgs, { check: false }),
        inspectByName(core, provider, names),
      ]);
      if (stop.exitCode !== 0 && isGone(stop.stderr)) return false;
      if (stop.exitCode !== 0) throw dockerError(stopArgs, stop.exitCode, stop.stderr, daemon);
      for (const h of group) {
        const c = seen.get(h.container);
        const host = c && hostFromInspect(c, provider);
        if (!c || !host) return false;
        const wasStopped = !c.State.Running && changedBefore(c.State.FinishedAt, since, provider);
        (wasStopped ? notRunning : stopped).push(host);
      }
      return true;
    }),
  );
  return groups.every(Boolean) ? { stopped, notRunning } : undefined;
}

/**
 * Start recorded hosts by name (recorded with their endpoint, for the ssh user): bootContainer's `docker start` goes
 * straight out, with a `docker container inspect` alongside that tells the hosts which ran already (reported as
 * startHosts reports them). Undefined when docker no longer knows a name or a host is paused: the caller looks the
 * names up, which says so.
 */
export async function startRecorded(
  core: Core,
  hosts: RecordedHost[],
  opts: { sshTimeoutSeconds: number },
): Promise<StartOutcome[] | undefined> {
  const outcomes = await Promise.all(
    hosts.map(async (h): Promise<StartOutcome | undefined> => {
      if (!h.endpoint) return undefined;
      const since = Date.now();
      core.progress(`Starting ${h.container}`);
      const [booted, before] = await Promise.all([
        bootContainer(core, h.provider, h.container, {
          alias: h.container,
          name: h.name,
          sshUser: h.endpoint.user,
          sshTimeoutSeconds: opts.sshTimeoutSeconds,
        }).then(
          (b) => ({ ok: true as const, b }),
          (error: Error) => ({ ok: false as const, error }),
        ),
        core.runner.docker(daemonOf(h.provider), buildInspectArgs([h.container]), { allowMissing: true }),
      ]);
      const found = inspectedHost(before, h.provider);
      if (!found || found.host.state === 'paused') return undefined;
      const { c, host } = found;
      if (c.State.Running && changedBefore(c.State.StartedAt, since, h.provider)) return { host, status: 'running' };
      if (!booted.ok) {
        const stderr = stderrOf(booted.error);
        return isGone(stderr) || /paused/i.test(stderr) ? undefined : { host, status: 'failed', error: booted.error };
      }
      const fresh = hostFromInspect(booted.b.container, h.provider) ?? host;
      await writeHostEntry(core.dataDir, h.container, booted.b.endpoint, entryOwner(h.provider, fresh.id));
      return { host: { ...fresh, ssh: { ...booted.b.endpoint } }, status: 'started', agent: booted.b.agent };
    }),
  );
  return outcomes.every((o): o is StartOutcome => o !== undefined) ? outcomes : undefined;
}

/**
 * Snapshot a recorded host by name: `docker commit` goes straight out (the record has the host's id, which the
 * snapshot's labels need), with a `docker container inspect` alongside for the mounts warning. Undefined when the
 * record has no id or docker no longer knows the name: the caller looks the host up.
 */
export async function snapshotRecorded(
  core: Core,
  h: RecordedHost,
  snapshotName: string | undefined,
): Promise<Awaited<ReturnType<typeof createSnapshot>> | undefined> {
  if (!h.hostId) return undefined;
  const source = {
    id: h.hostId,
    name: h.name,
    prefix: core.prefix,
    containerName: h.container,
    containerId: h.container,
  };
  const [commit, inspect] = await Promise.all([
    createSnapshot(core, h.provider, source, snapshotName).then(
      (snap) => ({ ok: true as const, snap }),
      (error: Error) => ({ ok: false as const, error }),
    ),
    core.runner.docker(daemonOf(h.provider), buildInspectArgs([h.container]), { allowMissing: true }),
  ]);
  if (!commit.ok) {
    if (isGone(stderrOf(commit.error))) return undefined;
    throw commit.error;
  }
  const host = inspectedHost(inspect, h.provider)?.host;
  if (host?.id !== h.hostId) {
    // The record is older than the container under that name now: this snapshot is labelled for the wrong host.
    await core.runner
      .detached()
      .docker(daemonOf(h.provider), buildRemoveImagesArgs([commit.snap.ref]), { allowMissing: true });
    return undefined;
  }
  warnMounts(core, host);
  return commit.snap;
}
