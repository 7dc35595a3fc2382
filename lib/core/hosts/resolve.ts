// The one way from names on the command line to hosts a command acts on: this machine's record first (which daemon,
// which container id), a Docker lookup by name when there is none, and one rule for a record that Docker no longer
// agrees with: when Docker says the container is gone, look the name up and act once more.

import type { Daemon } from '../../docker/daemon.js';
import { daemonIdentity } from '../../docker/daemon.js';
import { DockerError, isGone } from '../../docker/errors.js';
import type { SshEndpoint } from '../../ssh/args.js';
import type { Core } from '../core.js';
import { type Host, ownHost, sshAlias } from '../model/host.js';
import { containerName, NAME_PATTERN } from '../model/naming.js';
import { inspectContainers, lookupHosts } from './lookup.js';
import { type HostRecord, readRecord } from './record.js';

/** Where a command looks for the names it is given: the daemon --provider names, else every configured one. */
export interface Scope {
  daemons: Daemon[];
}

/** A host a command names, as far as this machine knows it: enough to act on its container by id. */
export interface HostRef {
  name: string;
  /** the container's name */
  container: string;
  daemon: Daemon;
  containerId: string;
  /** the host's id (its mng.id label) */
  hostId: string;
  /** the whole host, when Docker was asked (a lookup) */
  host?: Host;
}

/**
 * Host NAME's record, when it may be trusted for this scope: the name can be on one daemon only (--provider names it,
 * or one provider is configured: with several, a name may be on more than one, and only a lookup can tell), and the
 * provider still means the daemon the record was made on.
 */
export async function trustedRecord(
  core: Core,
  scope: Scope,
  name: string,
): Promise<{ daemon: Daemon; record: HostRecord } | undefined> {
  if (scope.daemons.length !== 1 || !NAME_PATTERN.test(name)) return undefined;
  const [daemon] = scope.daemons;
  const record = await readRecord(core.dataDir, sshAlias(containerName(core.prefix, name), daemon.provider));
  if (!record || record.provider !== daemon.provider || record.daemon !== daemonIdentity(daemon)) return undefined;
  return { daemon, record };
}

const refOf = (host: Host): HostRef => ({
  name: host.name,
  container: host.containerName,
  daemon: host.daemon,
  containerId: host.containerId,
  hostId: host.id,
  host,
});

/** Refs for names by a lookup through Docker (the first name not found throws). */
async function lookupRefs(core: Core, scope: Scope, names: readonly string[]): Promise<HostRef[]> {
  return (await lookupHosts(core, scope.daemons, names)).map(refOf);
}

/** Refs for names: from records that name the container's id, the rest from one lookup. */
export async function refsFor(core: Core, scope: Scope, names: readonly string[]): Promise<HostRef[]> {
  const recorded = await Promise.all(
    names.map(async (name): Promise<HostRef | undefined> => {
      const t = await trustedRecord(core, scope, name);
      if (!t?.record.containerId || !t.record.hostId) return undefined;
      const { containerId, hostId } = t.record;
      return { name, container: containerName(core.prefix, name), daemon: t.daemon, containerId, hostId };
    }),
  );
  const missing = names.filter((_, i) => !recorded[i]);
  const looked = missing.length === 0 ? [] : await lookupRefs(core, scope, missing);
  return recorded.map((r) => r ?? (looked.shift() as HostRef));
}

/** The error that sends a command from a record Docker no longer agrees with to a lookup (see actOn). */
function goneError(ref: HostRef): DockerError {
  return new DockerError(`no agent named '${ref.name}' on provider '${ref.daemon.provider}'`, 'gone');
}

/** The hosts of refs: those a lookup found as they are, the others from one batched inspect of their ids per daemon. */
export async function hostsOf(core: Core, refs: readonly HostRef[]): Promise<Host[]> {
  const byDaemon = new Map<Daemon, HostRef[]>();
  for (const r of refs.filter((r) => !r.host)) byDaemon.set(r.daemon, [...(byDaemon.get(r.daemon) ?? []), r]);
  const found = new Map<string, Host>();
  await Promise.all(
    [...byDaemon].map(async ([daemon, group]) => {
      const inspected = await inspectContainers(core, daemon, [...new Set(group.map((r) => r.containerId))]);
      for (const c of inspected) {
        const host = ownHost(c, daemon, core.prefix);
        if (host) found.set(c.Id, host);
      }
    }),
  );
  return refs.map((r) => {
    const host = r.host ?? found.get(r.containerId);
    // Not under its own name (an interrupted start --snapshot left it under a temporary one): the lookup finishes that.
    if (!host || host.id !== r.hostId || host.name !== r.name || host.containerName !== r.container) {
      throw goneError(r);
    }
    return host;
  });
}

/**
 * Act on the hosts NAMES refer to. When Docker says a container is gone (a record older than the host under that name
 * now, or a host removed in the meantime), the names are looked up and the act runs once more.
 */
export async function actOn<T>(
  core: Core,
  scope: Scope,
  names: readonly string[],
  act: (refs: HostRef[]) => Promise<T>,
): Promise<T> {
  const refs = await refsFor(core, scope, names);
  try {
    return await act(refs);
  } catch (e) {
    if (!isGone(e)) throw e;
    return act(await lookupRefs(core, scope, names));
  }
}

/** actOn, for commands that need the whole hosts (their state, labels, route): asked of Docker by id or by name. */
export function withHosts<T>(
  core: Core,
  scope: Scope,
  names: readonly string[],
  act: (hosts: Host[]) => Promise<T>,
): Promise<T> {
  return actOn(core, scope, names, async (refs) => act(await hostsOf(core, refs)));
}

/** The hosts NAMES refer to, each asked of Docker once (by id, else by name). */
export function resolveHosts(core: Core, scope: Scope, names: readonly string[]): Promise<Host[]> {
  return withHosts(core, scope, names, async (hosts) => hosts);
}

/** Host NAME's recorded ssh route and daemon, for a command that can use a live connection without asking Docker. */
export async function recordedRoute(
  core: Core,
  scope: Scope,
  name: string,
): Promise<{ daemon: Daemon; endpoint: SshEndpoint; record: HostRecord } | undefined> {
  const t = await trustedRecord(core, scope, name);
  return t && { daemon: t.daemon, endpoint: t.record.ssh, record: t.record };
}
