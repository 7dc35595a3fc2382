// `mng create NAME --count N`: NAME-1..NAME-N, checked before any is made (the count, each name, and that none is
// taken on the daemon), then made in parallel with the same request.

import type { Daemon } from '../../docker/daemon.js';
import { MngError, UsageError } from '../../errors.js';
import type { Core } from '../core.js';
import { listHosts } from '../hosts/lookup.js';
import { containerName, validateName } from '../model/naming.js';

/** At most this many hosts in one create: a bigger fleet is a loop over creates, not a typo's worth of containers. */
export const MAX_COUNT = 100;
/**
 * Creates at once: each is a `docker run`, the host's first boot, an ssh handshake; 4 keeps 2 cores and the daemon
 * busy without making each create wait on the others (100 hosts: about 35 s here).
 */
export const CREATE_LIMIT = 4;

/** NAME-1..NAME-N; a count that is not a whole number from 1 to MAX_COUNT, or a name too long, is a usage error. Pure. */
export function countNames(name: string, count: unknown): string[] {
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1 || n > MAX_COUNT) {
    throw new UsageError(`--count wants a whole number from 1 to ${MAX_COUNT}, got ${JSON.stringify(String(count))}`);
  }
  return Array.from({ length: n }, (_, i) => validateName(`${name}-${i + 1}`));
}

/** Refuse names already taken on the daemon (one `docker ps` and one batched inspect), before anything is made. */
export async function checkNamesFree(core: Core, daemon: Daemon, names: readonly string[]): Promise<void> {
  const listed = await listHosts(core, daemon);
  const taken = new Set(listed.hosts.map((h) => h.name));
  // a container under the same name that is not as mng makes it takes the name too
  const others = new Set(listed.problems.map((p) => p.container));
  const clash = names.filter((n) => taken.has(n) || others.has(containerName(core.prefix, n)));
  if (clash.length > 0) {
    throw new MngError(
      `${clash.length === 1 ? 'an agent' : 'agents'} named ${clash.map((c) => `'${c}'`).join(', ')} already exist${clash.length === 1 ? 's' : ''} on provider '${daemon.provider}': nothing was created`,
      { hint: 'choose another NAME, or mng destroy them first' },
    );
  }
}
