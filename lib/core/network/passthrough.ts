// The user's start args against mng's network: what cannot go with an egress policy, and what a user network means.
// Pure, like core/create/passthrough.ts.

import { RUN_OPTIONS } from '../../docker/option-tables.js';
import { scanOptions } from '../../docker/options.js';
import { UsageError } from '../../errors.js';
import type { EgressPolicy } from './egress.js';

/** The network the start args name (`-s --network=X`, the last one wins as in docker), if any. */
export function userNetworkOf(args: readonly string[]): string | undefined {
  const nets = scanOptions(args, RUN_OPTIONS).options.filter((o) => o.name === 'network' || o.name === 'net');
  return nets.at(-1)?.value;
}

/**
 * A usage error for start args that an egress policy cannot go with: another network (it would be a way out, or no
 * way in), and published ports (Docker publishes none for a container with no network or on an internal one).
 */
export function checkEgressArgs(policy: EgressPolicy, args: readonly string[]): void {
  const network = userNetworkOf(args);
  if (policy.mode === 'open') {
    if (network === 'none') {
      throw new UsageError(
        '-s --network=none: mng would not reach the host through its published SSH port',
        'use --egress none: no network at all, and mng reaches sshd through docker exec',
      );
    }
    return;
  }
  const egress = policy.mode === 'none' ? '--egress none' : '--egress allow=…';
  if (network !== undefined) {
    throw new UsageError(
      `${egress} cannot be combined with -s --network=${network}: mng puts the host on its own network for the policy`,
      'leave out -s --network, or use --egress open',
    );
  }
  const publish = scanOptions(args, RUN_OPTIONS).options.find((o) => o.name === 'publish' || o.name === 'publish-all');
  if (publish) {
    throw new UsageError(
      `${egress} cannot be combined with -s ${publish.text}: Docker publishes no port of a host without a route out`,
      'reach a port with: mng forward NAME PORT',
    );
  }
}

/** The warning for a host on a network of the user's: other containers there can reach it, and it them. */
export function sharedNetworkWarning(args: readonly string[]): string | undefined {
  const network = userNetworkOf(args);
  if (network === undefined || network === 'bridge' || network === 'default') {
    return network === undefined
      ? undefined
      : `-s --network=${network}: Docker's default bridge is shared: every container on it can reach this host, and it them (mng's own network keeps hosts apart)`;
  }
  return `-s --network=${network}: that network is shared: other containers on it can reach this host, and it them (mng's own network keeps hosts apart)`;
}
