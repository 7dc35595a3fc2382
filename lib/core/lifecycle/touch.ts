import { dockerError } from '../../docker/errors.js';
import { MngError } from '../../errors.js';
import { execScript } from '../exec.js';
import { ACTIVITY_FILE } from '../container/idle-scripts.js';
import type { Core } from '../core.js';
import type { Host } from '../model/host.js';

/** `mng touch`: count as activity now, by touching the activity file through docker exec. */
export async function touchHost(core: Core, host: Host): Promise<void> {
  if (host.state !== 'running') {
    throw new MngError(`agent '${host.name}' is not running (state: ${host.state}): nothing to keep alive`, {
      hint: `start it with: mng start ${host.name}`,
    });
  }
  const script = `touch ${ACTIVITY_FILE}`;
  const r = await execScript(core, host.daemon, host.containerId, script, { what: 'mng touch', timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw dockerError(['exec', host.containerId, script], r.exitCode, r.stderr, host.daemon);
}
