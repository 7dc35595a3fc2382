import { MngError } from '../errors.js';

/**
 * The `[agents.NAME]` sections of the config file: more agent types, or changes to a built-in one (claude, codex).
 * Validated like the provider sections: an error names the file, the section and the key. Pure: unit-tested as data.
 */
export interface AgentSection {
  /** the program on the image's PATH (default: the section's name, or the built-in's program) */
  command?: string;
  /** arguments always passed after the program */
  args?: string[];
  /** the version to install (built-in agents only); default: the newest at the first install */
  version?: string;
  /** names of variables taken from the user's environment at every start, handed to the agent as secrets */
  env?: string[];
  /** files of the user's (`~/…`) handed to the agent at every start, as secrets, at the same place in its home */
  files?: string[];
  /** run without the agent's own permission prompts (default true: the container is the sandbox) */
  unattended?: boolean;
  /** what unattended means for this agent: its arguments */
  unattended_args?: string[];
  /** what `unattended = false` means for this agent: its arguments (Claude's: `--permission-mode manual`) */
  attended_args?: string[];
  /** the arguments that continue the last conversation after a stop/start */
  resume_args?: string[];
  /** copy the user's settings for this agent into the container at create (default true) */
  settings?: boolean;
}

export const AGENT_KEYS = [
  'command',
  'args',
  'version',
  'env',
  'files',
  'unattended',
  'unattended_args',
  'attended_args',
  'resume_args',
  'settings',
] as const;

/** The agent types mng knows without a config section. */
export const BUILT_IN_AGENTS = ['claude', 'codex'] as const;

/** An agent type's name (`[agents.NAME]`, the mng.agent-type label). */
export const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
/** A variable's name (--pass-env, the mng.pass-env label, -s -e KEY=VALUE). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;
const PROGRAM = /^[A-Za-z0-9_./+-]+$/;
/** An agent's version (the mng.agent-version label). */
export const AGENT_VERSION = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,127}$/;
const VERSION = AGENT_VERSION;

/** A TOML table as smol-toml gives it. */
export type Table = Record<string, unknown>;

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** What a TOML value is, for error messages: `an array`, `a date`, `a table`, `a string`... */
export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (isTable(v)) return 'a table';
  return `a ${typeof v}`;
}

function strings(where: string, key: string, v: unknown, check?: (s: string) => string | undefined): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new MngError(`${where} ${key}: expected an array of strings, got ${describe(v)}`);
  }
  for (const s of v as string[]) {
    const problem = check?.(s);
    if (problem) throw new MngError(`${where} ${key}: ${JSON.stringify(s)} ${problem}`);
  }
  return v as string[];
}

function bool(where: string, key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new MngError(`${where} ${key}: expected true or false, got ${describe(v)}`);
  return v;
}

function str(where: string, key: string, v: unknown, pattern: RegExp, what: string): string {
  if (typeof v !== 'string') throw new MngError(`${where} ${key}: expected a string, got ${describe(v)}`);
  if (!pattern.test(v)) throw new MngError(`${where} ${key}: ${JSON.stringify(v)} is not ${what}`);
  return v;
}

/** Validate one `[agents.NAME]` section. `where` is `FILE: [agents.NAME]`. */
export function validateAgentSection(name: string, raw: unknown, where: string): AgentSection {
  if (!isTable(raw)) throw new MngError(`${where}: expected a table, got ${describe(raw)}`);
  const out: AgentSection = {};
  const builtIn = (BUILT_IN_AGENTS as readonly string[]).includes(name);
  for (const [key, v] of Object.entries(raw)) {
    switch (key) {
      case 'command':
        out.command = str(where, key, v, PROGRAM, 'a program name or path');
        break;
      case 'version':
        if (!builtIn) {
          throw new MngError(
            `${where} version: mng installs only ${BUILT_IN_AGENTS.join(' and ')}; install '${name}' in the image (--dockerfile)`,
          );
        }
        out.version = str(where, key, v, VERSION, 'a version (like "2.1.332")');
        break;
      case 'env':
        out.env = strings(where, key, v, (s) => (ENV_NAME.test(s) ? undefined : 'is not a variable name'));
        break;
      case 'files':
        out.files = strings(where, key, v, (s) =>
          /^~\/[^\0]+$/.test(s) && !s.split('/').includes('..') ? undefined : 'must be a path under ~/ (without ..)',
        );
        break;
      case 'args':
      case 'unattended_args':
      case 'attended_args':
      case 'resume_args':
        out[key] = strings(where, key, v);
        break;
      case 'unattended':
      case 'settings':
        out[key] = bool(where, key, v);
        break;
      default:
        throw new MngError(`${where}: unknown key '${key}' (valid keys: ${AGENT_KEYS.join(', ')})`);
    }
  }
  return out;
}

/** Validate the `agents` table of the config file. */
export function validateAgents(raw: unknown, path: string): Record<string, AgentSection> {
  if (!isTable(raw)) throw new MngError(`${path}: agents: expected a table, got ${describe(raw)}`);
  const out: Record<string, AgentSection> = {};
  for (const [name, section] of Object.entries(raw)) {
    if (!AGENT_NAME.test(name)) {
      throw new MngError(`${path}: [agents.${name}]: agent names use letters, digits, '-' and '_'`);
    }
    out[name] = validateAgentSection(name, section, `${path}: [agents.${name}]`);
  }
  return out;
}
