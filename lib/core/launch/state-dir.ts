import { mkdir, rm } from 'node:fs/promises';
import type { Daemon } from '../../docker/daemon.js';
import { publishedStateDir } from '../model/agent-state.js';

/**
 * A local daemon's host's state folder (core/model/agent-state.ts), made before its container by mng, owner-only (docker's
 * -v would make it root's, and the user could not remove what the host writes there). Returns how to take back what
 * this made, for a container that was not made.
 */
export async function makeStateDir(dataDir: string, daemon: Daemon, alias: string): Promise<() => Promise<void>> {
  const dir = publishedStateDir(dataDir, daemon, alias);
  const made = dir === undefined ? undefined : await mkdir(dir, { recursive: true, mode: 0o700 });
  return async () => {
    if (made) await rm(made, { recursive: true, force: true });
  };
}
