import { MngError } from '../../errors.js';
import type { AgentState } from '../container/agent.js';
import type { Core } from '../core.js';
import { bootHost } from '../launch/launch.js';
import { decodeHost, type Host } from '../model/host.js';

export type StartOutcome =
  | { host: Host; status: 'started'; agent: AgentState }
  | { host: Host; status: 'running' }
  | { host: Host; status: 'failed'; error: Error };

/** Start one host (see startHosts). */
async function startHost(
  core: Core,
  host: Host,
  opts: { sshTimeoutSeconds: number; fresh?: boolean },
): Promise<StartOutcome> {
  if (host.state === 'running') return { host, status: 'running' };
  if (host.state === 'paused') {
    return {
      host,
      status: 'failed',
      error: new MngError(`agent '${host.name}' is paused (docker unpause ${host.containerName})`),
    };
  }
  try {
    core.progress(`Starting ${host.containerName}`);
    const booted = await bootHost(core, host, opts);
    const decoded = decodeHost(booted.container, host.daemon);
    const fresh = 'host' in decoded ? decoded.host : host;
    return { host: { ...fresh, ssh: { ...booted.endpoint } }, status: 'started', agent: booted.agent };
  } catch (e) {
    return { host, status: 'failed', error: e as Error };
  }
}

/**
 * Start stopped hosts: `docker start` of each container id, then wait for sshd with the pinned host key (the init
 * script starts the agent's tmux session again at every boot); the host's record follows its new port. Whether a host
 * runs already is what Docker said when it was asked for the host, just before: those are left alone. One host failing
 * does not keep the others from starting.
 */
export function startHosts(
  core: Core,
  hosts: readonly Host[],
  opts: { sshTimeoutSeconds: number; fresh?: boolean },
): Promise<StartOutcome[]> {
  return Promise.all(hosts.map((h) => startHost(core, h, opts)));
}
