// The filter's per-host lists: a new host's list and token given to the daemon's filter, and lists taken out again
// (destroy, a failed create). Each change runs the filter's own update script through execScript.

import { randomBytes } from 'node:crypto';
import type { Daemon } from '../../docker/daemon.js';
import { dockerReason } from '../../docker/errors.js';
import { MngError } from '../../errors.js';
import type { Core } from '../core.js';
import { execScript } from '../exec.js';
import type { EgressEntry } from './egress.js';
import { hostAclConf, proxyUser } from './filter.js';
import { type FilterAccess, networkNames } from './flags.js';

/** The filter's own update script (in its image, see core/network/filter.ts), run through execScript like every script. */
const UPDATE_SCRIPT = 'exec sh /mng-egress/update "$@"';

/** A new random token for a host's proxy credentials (its only secret part). */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

/** Give the filter a host's list; returns how the host reaches the filter. */
export async function registerHost(
  core: Core,
  daemon: Daemon,
  host: { id: string; token: string; entries: readonly EgressEntry[]; gateway: string },
): Promise<FilterAccess> {
  const names = networkNames(core.prefix);
  const conf = Buffer.from(hostAclConf(host.id, host.token, host.entries)).toString('base64');
  const r = await execScript(core, daemon, names.filter, UPDATE_SCRIPT, {
    what: "the update of the egress filter's lists",
    args: ['--add', host.id, conf],
    timeoutMs: 30_000,
  });
  if (r.exitCode !== 0) {
    throw new MngError(
      `could not give the egress filter ${names.filter} the list of the new host: ${dockerReason(r.stderr)}`,
    );
  }
  return { gateway: host.gateway, user: proxyUser(host.id, host.token) };
}

/** Take hosts' lists out of the filter (destroy, a failed create). Never throws: a stale list grants nothing. */
export async function unregisterHosts(core: Core, daemon: Daemon, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const names = networkNames(core.prefix);
  await execScript({ ...core, runner: core.runner.detached() }, daemon, names.filter, UPDATE_SCRIPT, {
    what: "the update of the egress filter's lists",
    args: ['--remove', ...ids],
    timeoutMs: 30_000,
  }).catch(() => undefined);
}
