// Making what mng's networking needs on a daemon, once, when a create finds it missing: the hosts network, and for
// allow-lists the egress network, the filter's image and its two containers. Every step tolerates a concurrent
// command doing the same (a name already taken is someone else's success), so fifty creates at once make it once.

import { buildImageInspectArgs, buildPrepareArgs, buildRemoveArgs, buildStartArgs } from '../../docker/args.js';
import type { Daemon } from '../../docker/daemon.js';
import { dockerError, dockerReason, meaningfulLines } from '../../docker/errors.js';
import {
  buildInspectAnyArgs,
  buildNetworkCreateArgs,
  buildNetworkIdsArgs,
  buildNetworkInspectArgs,
  buildNetworkRemoveArgs,
  buildServiceRunArgs,
} from '../../docker/network-args.js';
import { MngError } from '../../errors.js';
import type { Core } from '../core.js';
import { FILTER_DIR, filterDockerfile, filterImageTag } from './filter.js';
import { type NetworkNames, networkNames } from './flags.js';

/** The label on everything of the filter's, with the MNG_PREFIX it serves (gc and tests find it by its name). */
export const NETWORK_LABEL = 'mng.network';
/** On the relay: the gateway address it listens on (a recreated egress network may have another). */
const GATEWAY_LABEL = 'mng.egress.gateway';

interface AnyInspect {
  Name: string;
  Id: string;
  IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] | null };
  State?: { Running: boolean };
  Config?: { Labels?: Record<string, string> | null };
}

/** Inspect networks and containers by name in one call; the missing ones are simply not in the answer. */
async function inspectAny(core: Core, daemon: Daemon, refs: string[]): Promise<Map<string, AnyInspect>> {
  const r = await core.runner.docker(daemon, buildInspectAnyArgs(refs), { check: false });
  if (r.exitCode !== 0 && r.failure !== 'gone')
    throw dockerError(buildInspectAnyArgs(refs), r.exitCode, r.stderr, daemon);
  let items: AnyInspect[] = [];
  try {
    items = JSON.parse(r.stdout || '[]') as AnyInspect[];
  } catch {
    items = [];
  }
  return new Map(items.map((i) => [i.Name.replace(/^\//, ''), i]));
}

/**
 * Create a network unless it exists. Docker's check for an existing name is not atomic: creates at the same moment
 * (fifty mng create on a new daemon) can make several networks of one name, which docker then calls ambiguous. So
 * after every create, the copies are settled: the one in use (else the oldest) stays, every other unused one goes,
 * whichever process sees them first.
 */
export async function ensureNetwork(
  core: Core,
  daemon: Daemon,
  name: string,
  opts: { internal: boolean },
): Promise<void> {
  const argv = buildNetworkCreateArgs(name, { internal: opts.internal, labels: { [NETWORK_LABEL]: core.prefix } });
  const r = await core.runner.docker(daemon, argv, { check: false });
  if (r.exitCode !== 0 && !/already exists/i.test(r.stderr)) {
    throw new MngError(`could not create the network ${name} for mng's hosts: ${dockerReason(r.stderr)}`);
  }
  await settleCopies(core, daemon, name);
}

interface NetworkInspect {
  Id: string;
  Name: string;
  Created: string;
  Containers?: Record<string, unknown> | null;
}

/** The order of preference among networks of one name: in use first, then the oldest, then the smallest id. */
export function preferredNetwork<T extends NetworkInspect>(copies: readonly T[]): T | undefined {
  const used = (n: T) => Object.keys(n.Containers ?? {}).length > 0;
  return [...copies].sort(
    (a, b) =>
      Number(used(b)) - Number(used(a)) || Date.parse(a.Created) - Date.parse(b.Created) || (a.Id < b.Id ? -1 : 1),
  )[0];
}

async function settleCopies(core: Core, daemon: Daemon, name: string): Promise<void> {
  const ids = (await core.runner.docker(daemon, buildNetworkIdsArgs(name))).stdout.split('\n').filter(Boolean);
  if (ids.length < 2) return;
  const r = await core.runner.docker(daemon, buildNetworkInspectArgs(ids), { check: false });
  const copies = (JSON.parse(r.stdout || '[]') as NetworkInspect[]).filter((n) => n.Name === name);
  const keep = preferredNetwork(copies);
  const extra = copies.filter((n) => n !== keep && Object.keys(n.Containers ?? {}).length === 0).map((n) => n.Id);
  if (extra.length > 0) {
    core.debug(`removing ${extra.length} extra network(s) named ${name}, made by creates at the same moment`);
    await core.runner.docker(daemon, buildNetworkRemoveArgs(extra), { check: false });
  }
}

/** The filter's image for this base image, built once per daemon (squid and socat from the base's packages). */
async function ensureFilterImage(core: Core, daemon: Daemon, baseId: string): Promise<string> {
  const tag = filterImageTag(baseId);
  const have = await core.runner.docker(daemon, buildImageInspectArgs([tag]), { allowMissing: true });
  if (have.exitCode === 0) return tag;
  core.progress('Preparing the egress filter image: installing squid and socat (once per daemon and base image)');
  const build = await core.runner.docker(daemon, buildPrepareArgs(tag, { [NETWORK_LABEL]: 'filter-image' }), {
    input: filterDockerfile(baseId),
    check: false,
    onLine: (line) => core.stream(line),
  });
  if (build.exitCode !== 0) {
    const tail = meaningfulLines(`${build.stdout}\n${build.stderr}`).slice(-3).join(' | ');
    throw new MngError(
      `preparing the egress filter image (squid, socat) failed: ${dockerReason(build.stderr) || tail}`,
    );
  }
  return tag;
}

/** Run one of the filter's containers unless it runs (started again when stopped, made when missing). */
async function ensureService(
  core: Core,
  daemon: Daemon,
  found: AnyInspect | undefined,
  make: () => Promise<string[]>,
  settle?: () => Promise<void>,
): Promise<void> {
  if (found?.State?.Running) return;
  if (found) {
    const r = await core.runner.docker(daemon, buildStartArgs([found.Id]), { check: false });
    if (r.exitCode === 0) return;
    await core.runner.docker(daemon, buildRemoveArgs([found.Id]), { allowMissing: true });
  }
  const argv = await make();
  const name = argv[argv.indexOf('--name') + 1] ?? '';
  let r = await core.runner.docker(daemon, argv, { check: false });
  for (let tries = 0; r.exitCode !== 0 && r.failure !== 'name taken'; tries++) {
    if (r.failure !== 'no such network' || !settle || tries === 3)
      throw dockerError(argv, r.exitCode, r.stderr, daemon);
    // several networks of one name, made by creates at the same moment: settled on one; docker run had made the
    // container before it found the name ambiguous, so it is started (or run again if it was not made)
    await settle();
    r = await core.runner.docker(daemon, buildStartArgs([name]), { check: false });
    if (r.failure === 'gone') r = await core.runner.docker(daemon, argv, { check: false });
  }
}

/** The egress network (made when missing) and its gateway address. */
async function egressGateway(core: Core, daemon: Daemon, names: NetworkNames, net?: AnyInspect): Promise<string> {
  let network = net;
  if (!network) {
    await Promise.all([
      ensureNetwork(core, daemon, names.egress, { internal: true }),
      ensureNetwork(core, daemon, names.hosts, { internal: false }),
    ]);
    network = (await inspectAny(core, daemon, [names.egress])).get(names.egress);
  }
  const gateway = network?.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
  if (!gateway)
    throw new MngError(
      `the network ${names.egress} has no gateway address, so mng's egress filter cannot listen there`,
    );
  return gateway;
}

/**
 * Make sure the daemon's egress filter runs (its networks, image, filter and relay), and return the gateway address
 * the relay listens on. `baseId`: the base image the filter's image is made from (the host's own).
 */
export async function ensureFilter(core: Core, daemon: Daemon, baseId: string): Promise<string> {
  const names = networkNames(core.prefix);
  const found = await inspectAny(core, daemon, [names.egress, names.filter, names.relay]);
  const gateway = await egressGateway(core, daemon, names, found.get(names.egress));
  let image: string | undefined;
  const imageOnce = async () => {
    image ??= await ensureFilterImage(core, daemon, baseId);
    return image;
  };
  const labels = { [NETWORK_LABEL]: core.prefix };
  const volume = { name: names.volume, target: FILTER_DIR };
  await ensureService(
    core,
    daemon,
    found.get(names.filter),
    async () =>
      buildServiceRunArgs({
        name: names.filter,
        image: await imageOnce(),
        network: names.hosts,
        labels,
        volume,
        command: ['/mng-egress/filter'],
      }),
    () => ensureNetwork(core, daemon, names.hosts, { internal: false }),
  );
  let relay = found.get(names.relay);
  if (relay && relay.Config?.Labels?.[GATEWAY_LABEL] !== gateway) {
    // made for an egress network that was removed and made again (another gateway): made again too
    await core.runner.docker(daemon, buildRemoveArgs([relay.Id]), { allowMissing: true });
    relay = undefined;
  }
  await ensureService(core, daemon, relay, async () =>
    buildServiceRunArgs({
      name: names.relay,
      image: await imageOnce(),
      network: 'host',
      labels: { ...labels, [GATEWAY_LABEL]: gateway },
      volume,
      command: ['/mng-egress/relay', gateway],
    }),
  );
  return gateway;
}
