// A new host's place on the network, decided at create: its docker run flags, whether sshd is published, and for an
// allow-list the filter made ready and told the host's list.

import type { Daemon } from '../../docker/daemon.js';
import type { Core } from '../core.js';
import type { EgressPolicy } from './egress.js';
import { accessFromEnv, type FilterAccess, networkFlags, networkNames, publishesSsh } from './flags.js';
import { userNetworkOf } from './passthrough.js';
import { newToken, registerHost, unregisterHosts } from './lists.js';
import { ensureFilter, ensureNetwork } from './setup.js';

export interface HostNetwork {
  flags: string[];
  publishSsh: boolean;
  /** the daemon's network to make (or settle on one of its name) when `docker start` says it is missing */
  makeMissing?: () => Promise<void>;
  /** undo what this create told the filter (a failed create) */
  undo?: () => Promise<void>;
}

/**
 * The network of a new host: mng's hosts network (made by the first create that finds it missing), no network, or
 * the egress network behind the filter (made ready here, and given the host's list). `startArgs`: all of them
 * (default_start_args, then -s), already checked against the policy.
 */
export async function hostNetwork(
  core: Core,
  daemon: Daemon,
  host: { id: string; egress: EgressPolicy; startArgs: readonly string[]; baseImageId: () => Promise<string> },
): Promise<HostNetwork> {
  const names = networkNames(core.prefix);
  const userNetwork = userNetworkOf(host.startArgs) !== undefined;
  const publishSsh = publishesSsh(host.egress);
  if (host.egress.mode !== 'allow') {
    return {
      flags: networkFlags(host.egress, names, { userNetwork }),
      publishSsh,
      makeMissing:
        host.egress.mode === 'open' && !userNetwork
          ? () => ensureNetwork(core, daemon, names.hosts, { internal: false })
          : undefined,
    };
  }
  const gateway = await ensureFilter(core, daemon, await host.baseImageId());
  const access: FilterAccess = await registerHost(core, daemon, {
    id: host.id,
    token: newToken(),
    entries: host.egress.entries,
    gateway,
  });
  return {
    flags: networkFlags(host.egress, names, { access }),
    publishSsh,
    // made a moment ago, maybe by several creates at once: settled on one when docker finds it ambiguous
    makeMissing: () => ensureNetwork(core, daemon, names.egress, { internal: true }),
    undo: () => unregisterHosts(core, daemon, [host.id]),
  };
}

/**
 * The network of a host's container made again (start --snapshot): the same policy, from its labels, and for an
 * allow-list the same credentials, from the old container's environment (the filter still holds its list).
 */
export function replayNetwork(
  core: Core,
  daemon: Daemon,
  host: { egress: EgressPolicy; startArgs: readonly string[]; env: readonly string[] | null | undefined },
): HostNetwork {
  const names = networkNames(core.prefix);
  const userNetwork = userNetworkOf(host.startArgs) !== undefined;
  const access = host.egress.mode === 'allow' ? accessFromEnv(host.env) : undefined;
  // an allow-list host whose proxy settings are gone is made with none rather than with a way out
  const egress: EgressPolicy = host.egress.mode === 'allow' && !access ? { mode: 'none' } : host.egress;
  return {
    flags: networkFlags(egress, names, { userNetwork, access }),
    publishSsh: publishesSsh(egress),
    makeMissing:
      egress.mode === 'open' && !userNetwork
        ? () => ensureNetwork(core, daemon, names.hosts, { internal: false })
        : undefined,
  };
}

/** The network of a host as --dry-run shows it: the flags with placeholders for what the daemon decides, and a note. */
export function dryRunNetwork(
  prefix: string,
  egress: EgressPolicy,
  startArgs: readonly string[],
): { flags: string[]; publishSsh: boolean; note?: string } {
  const names = networkNames(prefix);
  const access = { gateway: `<gateway of network ${names.egress}>`, user: '<host id>-<token>' };
  const userNetwork = userNetworkOf(startArgs) !== undefined;
  return {
    flags: networkFlags(egress, names, { userNetwork, access }),
    publishSsh: publishesSsh(egress),
    ...(egress.mode === 'allow'
      ? {
          note: `# first: the egress filter on this daemon, made when missing (networks ${names.egress} and ${names.hosts}, the image mng-egress:<image id>-<hash>, containers ${names.filter} and ${names.relay}), then told this host's list and a new token (docker exec ${names.filter} sh /mng-egress/update --add ...)`,
        }
      : {}),
  };
}
