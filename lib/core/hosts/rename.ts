import { buildInspectArgs, buildRenameArgs } from '../../docker/args.js';
import type { Daemon } from '../../docker/daemon.js';
import { parseContainerInspect } from '../../docker/inspect.js';
import type { Core } from '../core.js';
import { decodeHost } from '../model/host.js';
import { LABEL } from '../model/labels.js';
import { containerName } from '../model/naming.js';

/**
 * Commands that replace a container (`start --snapshot`) make the new one as `<container>.new-XXXX`, remove the old one,
 * then rename the new one into place. Killed between the last two steps, the host exists only under the temporary
 * name. This finishes that rename. Callers use it when the proper name is free (a lookup found nothing), and `gc`.
 */

/** `docker ps` of the containers labelled as host NAME of this prefix: name, provider label, state, creation time. */
export function buildHostContainersArgs(prefix: string, name: string): string[] {
  return [
    'ps',
    '--all',
    '--no-trunc',
    '--filter',
    `label=${LABEL.prefix}=${prefix}`,
    '--filter',
    `label=${LABEL.name}=${name}`,
    '--format',
    `{{.Names}}\t{{.Label "${LABEL.provider}"}}\t{{.CreatedAt}}`,
  ];
}

export const TEMP_NAME = /^(.+)\.new-[0-9a-f]+$/;

/** Of `docker ps` lines, the temporary replacements of `container` made by `provider`, newest first. */
export function replacementsOf(psOutput: string, container: string, provider: string): string[] {
  return psOutput
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'))
    .filter(([n, p]) => p === provider && TEMP_NAME.exec(n)?.[1] === container)
    .sort((a, b) => (b[2] ?? '').localeCompare(a[2] ?? ''))
    .map(([n]) => n);
}

/**
 * When host NAME exists only under a temporary name, rename it back and say so. Returns whether it did (or another
 * mng process did it at the same moment). The proper name must be free: call this only after a lookup found nothing.
 */
export async function finishInterruptedRename(core: Core, daemon: Daemon, name: string): Promise<boolean> {
  const container = containerName(core.prefix, name);
  const ps = await core.runner.docker(daemon, buildHostContainersArgs(core.prefix, name));
  const [tmp] = replacementsOf(ps.stdout, container, daemon.provider);
  if (!tmp) return false;
  // Renamed only when it passes the gate as the host it claims to be (a container made behind mng's back is not).
  const [c] = parseContainerInspect(
    (await core.runner.docker(daemon, buildInspectArgs([tmp]), { allowMissing: true })).stdout,
  );
  if (!c || !('host' in decodeHost(c, daemon, { as: container }))) return false;
  const r = await core.runner.detached().docker(daemon, buildRenameArgs(tmp, container), { check: false });
  // Another mng command finished the same rename at the same moment: the name is taken (by the host), or the
  // temporary name is gone; the caller looks the name up again either way.
  if (r.exitCode !== 0) return r.failure === 'name taken' || r.failure === 'gone';
  core.warn(`agent '${name}' was left as ${tmp} by an interrupted command: renamed it back to ${container}`);
  return true;
}
