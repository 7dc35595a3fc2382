import type { Daemon } from '../docker/daemon.js';
import type { DockerRunner } from '../docker/runner.js';
import type { AgentType } from '../config/agent-types.js';

/** What mng knows about coding agents on this machine: their types (built-in and configured), and where it caches. */
export interface AgentSettings {
  types: Record<string, AgentType>;
  /** `$XDG_CACHE_HOME/mng`: the vendors' packages */
  cacheDir: string;
  /** the user's environment, where sign-in variables and --pass-env values are read at every start */
  env: Record<string, string | undefined>;
}

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
  /** coding agents (absent in tests of other parts: then no host gets deliveries) */
  agents?: AgentSettings;
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
