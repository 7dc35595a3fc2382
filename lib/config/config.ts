import { readFile } from 'node:fs/promises';
import { parse, TomlError } from 'smol-toml';
import { type AgentSection, describe, isTable, type Table, validateAgents } from './agent-section.js';
import { MngError } from '../errors.js';
import { parseDuration } from './duration.js';
import { checkEnv } from './env.js';
import { configFilePath } from './paths.js';

/** One `[providers.NAME]` section: a Docker daemon mng can create hosts on. */
export interface ProviderConfig {
  name: string;
  backend: 'docker';
  /** DOCKER_HOST for every docker call of this provider; '' = the user's own environment / docker context. */
  host: string;
  default_image: string;
  default_start_args: string[];
  /** seconds; 0 = disabled */
  default_idle_timeout: number;
  /** `open`, `none` or `allow=LIST` (checked in full where it is used: core/network/egress.ts) */
  default_egress: string;
}

export interface Config {
  /** the file that was read, or would be read if it existed */
  path: string;
  /** whether that file exists */
  exists: boolean;
  providers: Record<string, ProviderConfig>;
  /** `[agents.NAME]` sections: more coding agent types, or changes to claude and codex (absent when none) */
  agents?: Record<string, AgentSection>;
}

export const DEFAULT_PROVIDER = 'docker';
export const BACKENDS = ['docker'] as const;

export const PROVIDER_DEFAULTS: Omit<ProviderConfig, 'name'> = {
  backend: 'docker',
  host: '',
  default_image: 'debian:bookworm-slim',
  default_start_args: [],
  default_idle_timeout: 800,
  default_egress: 'open',
};

const PROVIDER_KEYS = Object.keys(PROVIDER_DEFAULTS);
const TOP_KEYS = ['providers', 'agents'];
/** A provider instance's name: `[providers.NAME]`. */
export const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** As in the Python mng, the backend defaults to the section's name: [providers.docker] needs no `backend`. */
function checkBackend(name: string, given: string | undefined, where: string): void {
  const backend = given ?? ((BACKENDS as readonly string[]).includes(name) ? name : undefined);
  if (backend === undefined) {
    throw new MngError(
      `${where}: missing key 'backend' (set backend = "docker"; only a section named after a backend may leave it out)`,
    );
  }
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new MngError(`${where} backend: unknown backend '${backend}' (known: ${BACKENDS.join(', ')})`);
  }
}

function startArgs(args: unknown, where: string): string[] {
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new MngError(`${where} default_start_args: expected an array of strings, got ${describe(args)}`);
  }
  return args as string[];
}

function idleTimeout(idle: unknown, where: string): number {
  const seconds = typeof idle === 'number' || typeof idle === 'string' ? parseDuration(idle) : undefined;
  if (seconds === undefined) {
    throw new MngError(
      `${where} default_idle_timeout: expected seconds or a duration like "15m", "2h", 0 or "disabled", got ${JSON.stringify(idle)}`,
    );
  }
  return seconds;
}

/** Validate one provider section. `where` is `FILE: [providers.NAME]`. */
function validateProvider(name: string, raw: unknown, where: string): ProviderConfig {
  if (!isTable(raw)) throw new MngError(`${where}: expected a table, got ${describe(raw)}`);
  for (const key of Object.keys(raw)) {
    if (!PROVIDER_KEYS.includes(key)) {
      throw new MngError(`${where}: unknown key '${key}' (valid keys: ${PROVIDER_KEYS.join(', ')})`);
    }
  }
  const out: ProviderConfig = {
    name,
    ...PROVIDER_DEFAULTS,
    default_start_args: [...PROVIDER_DEFAULTS.default_start_args],
  };
  const str = (key: 'backend' | 'host' | 'default_image' | 'default_egress') => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new MngError(`${where} ${key}: expected a string, got ${describe(v)}`);
    return v;
  };
  checkBackend(name, str('backend'), where);
  const host = str('host');
  if (host !== undefined) {
    if (host !== '' && !/^(unix|tcp|ssh|npipe|fd):\/\/.+/.test(host)) {
      throw new MngError(
        `${where} host: '${host}' is not a Docker host URL (use "", unix://PATH, tcp://HOST:PORT or ssh://USER@HOST)`,
      );
    }
    out.host = host;
  }
  const image = str('default_image');
  if (image !== undefined) {
    if (image.trim() === '') throw new MngError(`${where} default_image: must not be empty`);
    if (image.startsWith('-')) throw new MngError(`${where} default_image: '${image}' is not an image reference`);
    out.default_image = image;
  }
  const egress = str('default_egress');
  if (egress !== undefined) {
    if (!/^(open|none|allow=.+)$/.test(egress.trim())) {
      throw new MngError(
        `${where} default_egress: expected "open", "none" or "allow=LIST", got ${JSON.stringify(egress)}`,
      );
    }
    out.default_egress = egress.trim();
  }
  const args = raw.default_start_args;
  if (args !== undefined) out.default_start_args = startArgs(args, where);
  const idle = raw.default_idle_timeout;
  if (idle !== undefined) out.default_idle_timeout = idleTimeout(idle, where);
  return out;
}

/** Parse and validate config text. Errors name the file, the section and the key. */
export function parseConfig(text: string, path: string): Config {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = e.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
      throw new MngError(`${path}:${e.line}:${e.column}: TOML syntax error: ${reason}`);
    }
    throw e;
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.includes(key)) {
      throw new MngError(`${path}: unknown key '${key}' (valid top-level keys: ${TOP_KEYS.join(', ')})`);
    }
  }
  const providers: Record<string, ProviderConfig> = {};
  const rawProviders = doc.providers;
  if (rawProviders !== undefined) {
    if (!isTable(rawProviders))
      throw new MngError(`${path}: providers: expected a table, got ${describe(rawProviders)}`);
    for (const [name, raw] of Object.entries(rawProviders)) {
      if (!PROVIDER_NAME.test(name)) {
        throw new MngError(
          `${path}: [providers.${name}]: provider names use letters, digits, '-' and '_' (at most 63)`,
        );
      }
      providers[name] = validateProvider(name, raw, `${path}: [providers.${name}]`);
    }
  }
  if (!providers[DEFAULT_PROVIDER]) {
    providers[DEFAULT_PROVIDER] = { name: DEFAULT_PROVIDER, ...PROVIDER_DEFAULTS, default_start_args: [] };
  }
  const agents = doc.agents === undefined ? undefined : validateAgents(doc.agents, path);
  return { path, exists: true, providers, ...(agents ? { agents } : {}) };
}

/** Load the effective configuration. No file means defaults: one provider, `docker`, on the local daemon. */
export async function loadConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  checkEnv(env);
  const path = configFilePath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return { ...parseConfig('', path), exists: false };
    }
    throw new MngError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  return parseConfig(text, path);
}

/** The provider instance named by `--in`. */
export function resolveProvider(config: Config, name: string): ProviderConfig {
  const p = config.providers[name];
  if (!p) {
    const known = Object.keys(config.providers).join(', ');
    throw new MngError(
      `unknown provider '${name}' (configured: ${known}; add a [providers.${name}] section to ${config.path})`,
    );
  }
  return p;
}
