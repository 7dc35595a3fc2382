import { mkdir, rm } from 'node:fs/promises';
import type { Daemon } from '../../docker/daemon.js';
import { publishedStateDir } from '../model/agent-state.js';

/**
 * Make the container (`make`) with a local daemon's host's state folder (core/model/agent-state.ts) made first, by mng,
 * owner-only (docker's -v would make it root's, and the user could not remove what the host writes there). When
 * `make` fails or is interrupted (the container is then removed too), what this made is taken back.
 */
export async function withStateDir<T>(
  dataDir: string,
  daemon: Daemon,
  alias: string,
  make: () => Promise<T>,
): Promise<T> {
  const dir = publishedStateDir(dataDir, daemon, alias);
  const made = dir === undefined ? undefined : await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    return await make();
  } catch (e) {
    if (made) await rm(made, { recursive: true, force: true });
    throw e;
  }
}
