import type { Daemon } from '../docker/daemon.js';
import type { DockerRunner } from '../docker/runner.js';

/** What every core function is handed: the process runner, naming, where mng keeps its files, and narration. */
export interface Core {
  runner: DockerRunner;
  /** container name prefix (MNG_PREFIX) */
  prefix: string;
  /** mng's data directory (keys, known_hosts, ssh config, host records) */
  dataDir: string;
  /** progress narration, for stderr (silenced by -q) */
  progress: (message: string) => void;
  /** warnings, for stderr (never silenced) */
  warn: (message: string) => void;
  /** raw output of long work (docker build), for stderr (silenced by -q) */
  stream: (line: string) => void;
  /** detail for -v only (which connection an ssh call used...), for stderr */
  debug: (message: string) => void;
}

/** Items grouped by their daemon: one docker call per daemon where docker takes many names. */
export function groupByDaemon<T extends { daemon: Daemon }>(items: readonly T[]): Map<Daemon, T[]> {
  const groups = new Map<Daemon, T[]>();
  for (const item of items) {
    const group = groups.get(item.daemon);
    if (group) group.push(item);
    else groups.set(item.daemon, [item]);
  }
  return groups;
}
