import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

function home(env: Env): string {
  return env.HOME || homedir();
}

/** `$MNG_CONFIG`, else `$XDG_CONFIG_HOME/mng/config.toml` (default `~/.config/mng/config.toml`). */
export function configFilePath(env: Env = process.env): string {
  if (env.MNG_CONFIG) return env.MNG_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(home(env), '.config');
  return join(base, 'mng', 'config.toml');
}

/** Where mng keeps its keys, known_hosts and ssh config: `$XDG_DATA_HOME/mng` (default `~/.local/share/mng`). */
export function dataDir(env: Env = process.env): string {
  const base = env.XDG_DATA_HOME || join(home(env), '.local', 'share');
  return join(base, 'mng');
}

/** Where mng caches what it fetched (the coding agents' packages): `$XDG_CACHE_HOME/mng` (default `~/.cache/mng`). */
export function cacheDir(env: Env = process.env): string {
  const base = env.XDG_CACHE_HOME || join(home(env), '.cache');
  return join(base, 'mng');
}

/** Container name prefix: `$MNG_PREFIX`, default `mng-`. Hosts of another prefix are invisible. */
export function namePrefix(env: Env = process.env): string {
  return env.MNG_PREFIX ?? 'mng-';
}
