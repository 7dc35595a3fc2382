import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MngError } from '../../errors.js';
import type { HomeFile } from './delivery.js';

/**
 * Reading what the user keeps for an agent on this machine: credential files (checked, never shown) and settings
 * (copied into the container's home at create). Paths are written `~/…` and read under the user's HOME.
 */

export type Env = Record<string, string | undefined>;

export function userHome(env: Env): string {
  return env.HOME || homedir();
}

/** `~/a/b` → `a/b` (the path under a home). */
export function homeRelative(path: string): string {
  return path.replace(/^~\//, '');
}

/** A file's text, or undefined when there is none (a folder, a broken link or no file at all is "none"). */
export async function readIfFile(file: string): Promise<string | undefined> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new MngError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * A credentials file of the user's (`~/…`), checked to be JSON. The error never quotes the file: JSON.parse's own
 * message shows a piece of the text, which here is a secret.
 */
export async function readCredentialsJson(env: Env, path: string): Promise<string | undefined> {
  const text = await readIfFile(join(userHome(env), homeRelative(path)));
  if (text === undefined) return undefined;
  try {
    JSON.parse(text);
  } catch {
    throw new MngError(`the credentials file ${path} is not valid JSON`, {
      hint: 'fix it (or log in again), or move it away to create the agent without it',
    });
  }
  return text;
}

/** Settings files are for reading, not archives: larger ones are skipped. */
const MAX_SETTINGS_FILE = 5 * 1024 * 1024;

/** The file or folder `rel` under `dir`, as home files (links followed; anything else skipped). */
async function filesAt(dir: string, rel: string, warn: (m: string) => void): Promise<HomeFile[]> {
  const st = await stat(join(dir, rel)).catch(() => undefined);
  if (st?.isFile() && st.size > MAX_SETTINGS_FILE) {
    warn(`skipped ~/${rel} (over 5 MB): not copied into the container`);
    return [];
  }
  if (st?.isFile())
    return [{ path: rel, content: await readFile(join(dir, rel)), mode: st.mode & 0o111 ? 0o755 : 0o644 }];
  if (!st?.isDirectory()) return [];
  const out: HomeFile[] = [];
  for (const name of (await readdir(join(dir, rel)).catch(() => [] as string[])).sort()) {
    out.push(...(await filesAt(dir, join(rel, name), warn)));
  }
  return out;
}

/**
 * The user's settings for an agent, as files for the container's home: each `~/…` file or folder that exists (links
 * followed, missing ones skipped), folders with everything in them.
 */
export async function readSettings(env: Env, paths: readonly string[], warn: (m: string) => void): Promise<HomeFile[]> {
  const home = userHome(env);
  const out: HomeFile[] = [];
  for (const p of paths) out.push(...(await filesAt(home, homeRelative(p), warn)));
  return out;
}
