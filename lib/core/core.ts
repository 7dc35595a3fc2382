import type { ProviderConfig } from '../config/config.js';
import type { DaemonRef } from '../docker/errors.js';
import type { DockerRunner } from '../docker/runner.js';

/** What every core function is handed: the process runner, naming, where mng keeps its files, and narration. */
export interface Core {
  runner: DockerRunner;
  /** container name prefix (MNG_PREFIX) */
  prefix: string;
  /** mng's data directory (keys, known_hosts, ssh config) */
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

/** The daemon a provider instance talks to. */
export function daemonOf(provider: ProviderConfig): DaemonRef {
  return { provider: provider.name, host: provider.host };
}

/** Items grouped by their provider: one docker call per daemon where docker takes many names. */
export function groupByProvider<T extends { provider: ProviderConfig }>(items: readonly T[]): Map<ProviderConfig, T[]> {
  const groups = new Map<ProviderConfig, T[]>();
  for (const item of items) {
    const group = groups.get(item.provider);
    if (group) group.push(item);
    else groups.set(item.provider, [item]);
  }
  return groups;
}
