import { buildTouchArgs } from '../../docker/idle-args.js';
import { MngError } from '../../errors.js';
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
  await core.runner.docker(host.daemon, buildTouchArgs(host.containerId, ACTIVITY_FILE));
}
