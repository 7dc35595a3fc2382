import { mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../atomic-file.js';
import type { Runner } from '../../process/runner.js';
import { type NpmRelease, npmPack, npmView, tarballName } from './npm.js';

/**
 * mng's cache of vendor packages on the user's machine, `$XDG_CACHE_HOME/mng/agents/NAME/`: the version chosen at
 * the first install (`version`), each release's platform packages (`VERSION.json`) and the platform tarballs, each
 * fetched once. Every file appears whole (written beside, then renamed), so fifty creates at once are safe: two that
 * fetch the same tarball at the same moment both rename a complete copy into place.
 */

export function agentCacheDir(cacheDir: string, agent: string): string {
  return join(cacheDir, 'agents', agent);
}

async function readText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

/** The version recorded at the first install of this agent on this machine, if any. */
export async function recordedVersion(cacheDir: string, agent: string): Promise<string | undefined> {
  const v = (await readText(join(agentCacheDir(cacheDir, agent), 'version')))?.trim();
  return v ? v : undefined;
}

export async function recordVersion(cacheDir: string, agent: string, version: string): Promise<void> {
  await writeFileAtomic(join(agentCacheDir(cacheDir, agent), 'version'), version + '\n');
}

/** A release's platform packages: from the cache, else `npm view` (then cached). */
export async function release(
  runner: Runner,
  cacheDir: string,
  agent: string,
  pkg: string,
  version: string,
): Promise<NpmRelease> {
  const file = join(agentCacheDir(cacheDir, agent), `${version}.json`);
  const cached = await readText(file);
  if (cached !== undefined) {
    try {
      return JSON.parse(cached) as NpmRelease;
    } catch {
      /* fetched again below */
    }
  }
  const r = await npmView(runner, pkg, version);
  await writeFileAtomic(file, JSON.stringify(r) + '\n');
  return r;
}

/** The tarball of `spec`: from the cache, else fetched with npm pack into a private folder and renamed into place. */
export async function tarball(
  runner: Runner,
  cacheDir: string,
  agent: string,
  spec: string,
  progress: (m: string) => void,
): Promise<string> {
  const dir = agentCacheDir(cacheDir, agent);
  const file = join(dir, tarballName(spec));
  if ((await stat(file).catch(() => undefined))?.isFile()) return file;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  progress(`Fetching ${spec} with npm (once per version; kept in ${dir})`);
  const tmp = await mkdtemp(join(dir, '.fetch-'));
  try {
    await rename(await npmPack(runner, spec, tmp), file);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return file;
}
