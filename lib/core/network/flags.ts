// Where a host's container goes on the network, as docker run flags: mng's own network for its hosts (inter-container
// traffic off), `--network none`, or the filter's internal network with the proxy settings. Pure.

import type { EgressPolicy } from './egress.js';

/** The names of what mng makes per daemon for one MNG_PREFIX (networks, the filter's containers and volume). */
export interface NetworkNames {
  /** bridge, inter-container traffic off: hosts with open egress */
  hosts: string;
  /** internal bridge (no route out), inter-container traffic off: hosts with an allow-list */
  egress: string;
  /** the filter (squid) container, on `hosts` */
  filter: string;
  /** the relay (socat) in the daemon machine's network namespace, on the egress network's gateway address */
  relay: string;
  /** the volume the filter's socket and per-host lists live in */
  volume: string;
}

/** Agent names never contain '.', so `<prefix>egress.filter` is never a host's container name. */
export function networkNames(prefix: string): NetworkNames {
  const p = prefix === '' ? 'mng.' : prefix;
  return {
    hosts: `${p}hosts`,
    egress: `${p}egress`,
    filter: `${p}egress.filter`,
    relay: `${p}egress.relay`,
    volume: `${p}egress`,
  };
}

/** The port the relay listens on at the egress network's gateway address. */
export const FILTER_PORT = 3128;

/** How an allow-list host reaches the filter: the gateway address, and its own proxy user name (its credentials). */
export interface FilterAccess {
  gateway: string;
  /** the host's id and a random token (see core/network/filter.ts) */
  user: string;
}

/** The proxy URL an allow-list host's programs use (credentials in it: curl, git, npm, pip and Node agents send them). */
export function proxyUrl(a: FilterAccess): string {
  const host = a.gateway.includes(':') ? `[${a.gateway}]` : a.gateway;
  return `http://${a.user}:mng@${host}:${FILTER_PORT}`;
}

/** The filter access a container's environment holds (its HTTP_PROXY), for a container made again from a snapshot. */
export function accessFromEnv(env: readonly string[] | null | undefined): FilterAccess | undefined {
  const url = (env ?? []).find((e) => e.startsWith('HTTP_PROXY='))?.slice('HTTP_PROXY='.length);
  const m = url && /^http:\/\/([0-9a-f]+-[0-9a-f]+):mng@\[?([0-9a-fA-F.:]+)\]?:\d+$/.exec(url);
  return m ? { user: m[1], gateway: m[2] } : undefined;
}

/** The proxy settings, in both spellings (curl reads lowercase http_proxy only; most others either). */
export function proxyEnv(a: FilterAccess): Record<string, string> {
  const url = proxyUrl(a);
  const noProxy = 'localhost,127.0.0.1,::1';
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
  };
}

/**
 * mng's network flags for a host, before the user's start args. `userNetwork`: the user gave `-s --network=X` (open
 * egress only): docker takes theirs, and mng adds no network of its own. Every host drops NET_RAW (no spoofed
 * packets, no ARP games on a shared network).
 */
export function networkFlags(
  policy: EgressPolicy,
  names: NetworkNames,
  opts: { userNetwork?: boolean; access?: FilterAccess } = {},
): string[] {
  const base = ['--cap-drop', 'NET_RAW'];
  switch (policy.mode) {
    case 'open':
      return opts.userNetwork ? base : ['--network', names.hosts, ...base];
    case 'none':
      return ['--network', 'none', ...base];
    case 'allow': {
      if (!opts.access) throw new Error('an allow-list host needs the filter access');
      const env = Object.entries(proxyEnv(opts.access)).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
      // --dns: on engines whose embedded DNS forwards queries from internal networks (CVE-2024-29018), the lookups go
      // to this address inside the container's own namespace instead, where nothing answers.
      return ['--network', names.egress, '--dns', '127.0.0.1', ...env, ...base];
    }
  }
}

/**
 * Does the host publish its sshd on the daemon's loopback? Only with open egress: a container with no network has no
 * port to publish, and Docker publishes no port of a container on an internal network. mng reaches the others'
 * sshd through `docker exec`, as it reaches every host on a remote daemon.
 */
export function publishesSsh(policy: EgressPolicy): boolean {
  return policy.mode === 'open';
}
