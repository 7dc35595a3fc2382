import { MngError } from '../../errors.js';
import type { Core } from '../core.js';
import type { Daemon } from '../../docker/daemon.js';
import { type DeliveryLabels, deliver, takesDelivery } from './boot.js';

/** The running host to refresh (a core/model Host has all of it). */
export interface RefreshTarget extends DeliveryLabels {
  daemon: Daemon;
  /** the container, by its id (as every command acts on a looked-up host: never a name another container may take) */
  containerId: string;
  state: string;
}

/**
 * `mng refresh NAME`: the delivery of a start, to a running host, read from this machine now. Files (an API key, a
 * login file) take effect at once for an agent that reads them again (Claude asks its key helper again when a key is
 * refused); variables reach the agent at its next start.
 */
export async function refreshHost(core: Core, host: RefreshTarget): Promise<void> {
  if (!takesDelivery(host)) {
    throw new MngError(`agent '${host.name}' has no coding agent sign-in or --pass-env variables to refresh`, {
      hint: 'mng create NAME claude (or codex, or --pass-env KEY) makes one that has',
    });
  }
  if (host.state !== 'running') {
    throw new MngError(`agent '${host.name}' is not running (state: ${host.state}); mng start hands it all anyway`, {
      hint: `mng start ${host.name}`,
    });
  }
  await deliver(core, host.daemon, host.containerId, host, { wait: false });
  core.progress(
    `agent '${host.name}': sign-in files and variables handed over again (variables reach the agent at its next start)`,
  );
}
