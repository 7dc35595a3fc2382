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

/** Check the environment variables mng reads, as the config file is checked: one line naming the variable. */
export function checkEnv(env: Env = process.env): void {
  checkDirVariable('XDG_CONFIG_HOME', env);
  checkDirVariable('XDG_DATA_HOME', env);
  checkDirVariable('XDG_CACHE_HOME', env);
  sshTimeoutFromEnv(env);
}
