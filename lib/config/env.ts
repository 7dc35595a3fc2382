import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { MngError } from '../errors.js';
import { parseDuration } from './duration.js';

type Env = Record<string, string | undefined>;

/** `MNG_SSH_TIMEOUT`: seconds or a duration (`90`, `2m`), default 60; anything else is an error naming the variable. */
export function sshTimeoutFromEnv(env: Env = process.env): number {
  const raw = env.MNG_SSH_TIMEOUT;
  if (raw === undefined || raw.trim() === '') return 60;
  const seconds = parseDuration(raw);
  if (seconds === undefined || seconds === 0) {
    throw new MngError(
      `environment variable MNG_SSH_TIMEOUT=${JSON.stringify(raw)}: expected seconds or a duration like "90" or "2m"`,
      {
        hint: 'fix or unset it',
      },
    );
  }
  return seconds;
}

/** An XDG base directory variable must be an absolute path to a folder (or to where one can be made). */
export function checkDirVariable(name: string, env: Env): void {
  const value = env[name];
  if (value === undefined || value === '') return;
  const bad = (why: string) =>
    new MngError(`environment variable ${name}=${JSON.stringify(value)}: ${why}`, {
      hint: 'point it at a folder, or unset it',
    });
  if (!isAbsolute(value)) throw bad('must be an absolute path');
  try {
    if (!statSync(value).isDirectory()) throw bad('is not a folder');
  } catch (e) {
    if (e instanceof MngError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // made when needed
    if (code === 'ENOTDIR') throw bad('a part of the path is a file, not a folder');
    throw bad(`cannot be used (${code ?? (e as Error).message})`);
  }
}

/** What `mng pull` (and destroy's pull, and diff) takes from an agent at most: the agent makes the bundle. */
export interface PullLimits {
  /** bytes of the bundle */
  maxBytes: number;
  /** refs in it */
  maxRefs: number;
  /** milliseconds for the agent to hand it over, and for git to fetch it */
  timeoutMs: number;
}

export const PULL_DEFAULTS: PullLimits = { maxBytes: 1024 ** 3, maxRefs: 10_000, timeoutMs: 10 * 60_000 };

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `2048`, `512k`, `100M`, `2G` (powers of 1024) → bytes, or undefined. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d{1,15})\s*([kmg]?)i?b?$/i.exec(text.trim());
  return m ? Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()] : undefined;
}

/** MNG_PULL_MAX_SIZE (default 1G), MNG_PULL_MAX_REFS (10000), MNG_PULL_TIMEOUT (10m); a bad value names its variable. */
export function pullLimitsFromEnv(env: Env = process.env): PullLimits {
  const read = <T>(name: string, parse: (v: string) => T | undefined, fallback: T, what: string): T => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const v = parse(raw);
    if (v === undefined || v === 0) {
      throw new MngError(`environment variable ${name}=${JSON.stringify(raw)}: expected ${what}`, {
        hint: 'fix or unset it',
      });
    }
    return v;
  };
  return {
    maxBytes: read('MNG_PULL_MAX_SIZE', parseSize, PULL_DEFAULTS.maxBytes, 'a size like 500M or 2G'),
    maxRefs: read(
      'MNG_PULL_MAX_REFS',
      (v) => (/^\d{1,9}$/.test(v) ? Number(v) : undefined),
      PULL_DEFAULTS.maxRefs,
      'a number',
    ),
    timeoutMs: read(
      'MNG_PULL_TIMEOUT',
      (v) => (parseDuration(v) ?? 0) * 1000,
      PULL_DEFAULTS.timeoutMs,
      'a duration like 90s or 10m',
    ),
  };
}

/** Check the environment variables mng reads, as the config file is checked: one line naming the variable. */
export function checkEnv(env: Env = process.env): void {
  checkDirVariable('XDG_CONFIG_HOME', env);
  checkDirVariable('XDG_DATA_HOME', env);
  checkDirVariable('XDG_CACHE_HOME', env);
  sshTimeoutFromEnv(env);
  pullLimitsFromEnv(env);
}
