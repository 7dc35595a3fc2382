import { buildStopArgs } from '../../docker/args.js';
import { type Core, groupByDaemon } from '../core.js';
import type { Host } from '../model/host.js';

/** States in which there is nothing to stop. */
const NOT_RUNNING = new Set(['stopped', 'created', 'dead', 'removing']);

/**
 * Stop hosts with a real `docker stop` of their container ids (one call per daemon); it returns once each container
 * has exited. The init script exits 0 on SIGTERM, which `mng list` shows as stop reason `user`. Whether a host runs is
 * what Docker said when it was asked for the host, just before: hosts that are not running are left alone.
 */
export async function stopHosts(core: Core, hosts: readonly Host[]): Promise<{ stopped: Host[]; notRunning: Host[] }> {
  const notRunning = hosts.filter((h) => NOT_RUNNING.has(h.state));
  const running = hosts.filter((h) => !NOT_RUNNING.has(h.state));
  await Promise.all(
    [...groupByDaemon(running)].map(async ([daemon, group]) => {
      core.progress(`Stopping ${group.map((h) => h.containerName).join(', ')}`);
      await core.runner.docker(daemon, buildStopArgs(group.map((h) => h.containerId)));
    }),
  );
  return { stopped: running, notRunning };
}
