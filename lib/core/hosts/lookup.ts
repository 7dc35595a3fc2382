// Asking Docker for hosts: every host of this prefix on a daemon (list), and hosts by name across the daemons a
// command searches. One batched `docker container inspect` per daemon, however many names.

import { availableParallelism } from 'node:os';
import { buildInspectArgs, buildListIdsArgs } from '../../docker/args.js';
import { DEFAULT_PROVIDER, PROVIDER_NAME } from '../../config/config.js';
import type { Daemon } from '../../docker/daemon.js';
import { type ContainerInspect, parseContainerInspect, parseIdLines } from '../../docker/inspect.js';
import { MngError, NotFoundError } from '../../errors.js';
import type { Core } from '../core.js';
import { decodeHost, type Host, ownHost } from '../model/host.js';
import { LABEL } from '../model/labels.js';
import { containerName } from '../model/naming.js';
import { readSshAliases } from '../../ssh/config.js';
import { withPublishedState } from './published.js';
import { finishInterruptedRename, TEMP_NAME } from './rename.js';

/**
 * `docker container inspect` of many containers (names or ids). The docker CLI asks the daemon for one container after
 * another, and the daemon answers several calls at once: a batch of 50 or more is split over parallel calls, one per
 * core, at least 25 containers each (100 containers, 2 cores: 122 → 88 ms here). A container that is gone fails the
 * call for itself alone; the rest still come back.
 */
export async function inspectContainers(
  core: Core,
  daemon: Daemon,
  refs: readonly string[],
): Promise<ContainerInspect[]> {
  const calls = Math.max(1, Math.min(availableParallelism(), Math.floor(refs.length / 25)));
  const size = Math.ceil(refs.length / calls);
  const chunks = Array.from({ length: calls }, (_, i) => refs.slice(i * size, (i + 1) * size)).filter(
    (c) => c.length > 0,
  );
  const results = await Promise.all(
    chunks.map((c) => core.runner.docker(daemon, buildInspectArgs(c), { allowMissing: true })),
  );
  return results.flatMap((r) => parseContainerInspect(r.stdout));
}

/** A container labelled as this prefix's host that is not as mng makes it: `list` names it and acts on nothing. */
export interface ListProblem {
  /** the container's name, as docker gives it */
  container: string;
  problem: string;
}

/** Names are ASCII: code-unit order (localeCompare would first load ICU's collator, ~10 ms of every list). */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The containers this machine knows of on the daemon: the folders of mng's data directory (`hosts/ALIAS`, one per host
 * made or seen from here, see sshAlias) of this prefix and provider, as container names. Only a guess of what
 * `docker ps` will say: one folder read, no file.
 */
export async function knownContainers(core: Core, daemon: Daemon): Promise<string[]> {
  const aliases = await readSshAliases(core.dataDir);
  const suffix = `.${daemon.provider}`;
  return aliases
    .map((a) => (daemon.provider === DEFAULT_PROVIDER ? a : a.endsWith(suffix) ? a.slice(0, -suffix.length) : ''))
    .filter((c) => c.startsWith(core.prefix) && c.length > core.prefix.length);
}

/**
 * Every host of this prefix on one daemon, and the containers labelled so that fail the gate (decodeHost), each as a
 * problem of its own: one container's bad data never hides the others. Containers of another provider sharing the
 * daemon are its own business. A replacement under its temporary name (an interrupted start --snapshot) counts as its
 * host while the host's own name is free.
 * `docker ps` says which containers are this prefix's hosts; their `docker inspect` is asked at the same time for the
 * containers this machine knows of (knownContainers), and afterwards only for those it did not: two docker calls one
 * after the other only when the guess missed some.
 */
export async function listHosts(core: Core, daemon: Daemon): Promise<{ hosts: Host[]; problems: ListProblem[] }> {
  const known = await knownContainers(core, daemon);
  const [ps, guessed] = await Promise.all([
    core.runner.docker(daemon, buildListIdsArgs(LABEL.prefix, core.prefix)),
    known.length > 0 ? inspectContainers(core, daemon, known) : Promise.resolve([]),
  ]);
  const ids = parseIdLines(ps.stdout);
  if (ids.length === 0) return { hosts: [], problems: [] };
  const byId = new Map(guessed.filter((c) => typeof c?.Id === 'string').map((c) => [c.Id, c]));
  const missed = ids.filter((id) => !byId.has(id));
  const rest = missed.length > 0 ? await inspectContainers(core, daemon, missed) : [];
  const inspected = [...ids.map((id) => byId.get(id)).filter((c) => c !== undefined), ...rest].filter(
    (c) => typeof c?.Config === 'object',
  );
  const nameOf = (c: ContainerInspect) => (typeof c.Name === 'string' ? c.Name.replace(/^\//, '') : '');
  const names = new Set(inspected.map(nameOf));
  const hosts: Host[] = [];
  const problems: ListProblem[] = [];
  for (const c of inspected) {
    const container = nameOf(c);
    const base = TEMP_NAME.exec(container)?.[1];
    if (base && names.has(base)) continue;
    const provider = c.Config?.Labels?.[LABEL.provider] ?? '';
    if (provider !== daemon.provider && PROVIDER_NAME.test(provider)) continue;
    const d = decodeHost(c, daemon, { as: base });
    if ('problem' in d) problems.push({ container, problem: d.problem });
    else if (d.host.prefix === core.prefix) hosts.push(d.host);
  }
  hosts.sort((a, b) => byName(a.name, b.name));
  problems.sort((a, b) => byName(a.container, b.container));
  return { hosts: withPublishedState(hosts, core.dataDir), problems };
}

const notFound = (name: string, daemon: Daemon) =>
  new NotFoundError(`no agent named '${name}' on provider '${daemon.provider}'`, 'mng list shows the agents');

/** The host called NAME on this daemon, or a clear error. */
export async function findHost(core: Core, daemon: Daemon, name: string): Promise<Host> {
  const container = containerName(core.prefix, name);
  let res = await core.runner.docker(daemon, buildInspectArgs([container]), { allowMissing: true });
  if (res.exitCode !== 0 && (await finishInterruptedRename(core, daemon, name))) {
    res = await core.runner.docker(daemon, buildInspectArgs([container]), { allowMissing: true });
  }
  const [c] = res.exitCode === 0 ? parseContainerInspect(res.stdout) : [];
  if (!c) throw notFound(name, daemon);
  // Two provider instances may share a daemon: a host belongs to the one that created it.
  const provider = c.Config?.Labels?.[LABEL.provider] ?? '';
  if (provider !== daemon.provider && PROVIDER_NAME.test(provider)) throw notFound(name, daemon);
  const decoded = decodeHost(c, daemon);
  const notMng = !c.Config?.Labels?.[LABEL.id] || ('host' in decoded && decoded.host.prefix !== core.prefix);
  if (notMng) throw new MngError(`container '${container}' exists but is not an mng agent`);
  if ('problem' in decoded) {
    throw new MngError(`container '${container}' is not as mng makes it, so mng leaves it alone: ${decoded.problem}`);
  }
  return decoded.host;
}

/**
 * Several names on one daemon: one batched `docker container inspect`; a name it does not find goes through findHost
 * alone (which finishes an interrupted rename, or says what is wrong).
 */
async function findHostsSettled(
  core: Core,
  daemon: Daemon,
  names: readonly string[],
): Promise<PromiseSettledResult<Host>[]> {
  if (names.length === 1) return Promise.allSettled([findHost(core, daemon, names[0])]);
  const containers = names.map((n) => containerName(core.prefix, n));
  let found: Map<string, ContainerInspect>;
  try {
    found = new Map((await inspectContainers(core, daemon, containers)).map((c) => [c.Name.replace(/^\//, ''), c]));
  } catch (e) {
    return names.map(() => ({ status: 'rejected', reason: e }));
  }
  return Promise.allSettled(
    names.map((n, i) => {
      const c = found.get(containers[i]);
      const host = c && ownHost(c, daemon, core.prefix);
      return host ? Promise.resolve(host) : findHost(core, daemon, n);
    }),
  );
}

/**
 * One name's answers from every daemon searched → the host, or the error that says why not: a name on two providers
 * needs --provider; an unreachable daemon only matters when the name is found nowhere else. Pure.
 */
export function pickHost(name: string, results: readonly PromiseSettledResult<Host>[]): Host {
  const found = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new MngError(
      `agent '${name}' exists on several providers (${found.map((h) => h.daemon.provider).join(', ')}); choose one with --provider NAME`,
    );
  }
  const failures = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => r.reason as Error);
  const real = failures.find((e) => !(e instanceof NotFoundError));
  if (real) throw real;
  throw failures[0] ?? new NotFoundError(`no agent named '${name}'`);
}

/** Find names across daemons (concurrently; one docker call per daemon); the first name not found throws. */
export async function lookupHosts(core: Core, daemons: readonly Daemon[], names: readonly string[]): Promise<Host[]> {
  const perDaemon = await Promise.all(daemons.map((d) => findHostsSettled(core, d, names)));
  const hosts = names.map((name, i) =>
    pickHost(
      name,
      perDaemon.map((results) => results[i]),
    ),
  );
  return withPublishedState(hosts, core.dataDir);
}
