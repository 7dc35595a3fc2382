import { readFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../atomic-file.js';

/**
 * Agent names for shell completion: a local file that `list`, `create` and `destroy` keep up to date, so completing a
 * name never asks a (possibly slow, remote) daemon. A cache only: it may be stale, and losing it loses nothing.
 * One file per name prefix. `list` writes it whole (atomically, lib/atomic-file.ts) from what docker said. `create`
 * and `destroy` each append one line, `+NAME` or `-NAME`, in one write to a file opened for appending, which the
 * kernel never interleaves with another's: fifty of them at once (make -j) lose none of each other's names.
 */
export function nameCachePath(dataDir: string, prefix: string): string {
  return join(dataDir, `names-${prefix}`);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The file's names: its plain lines, then its `+NAME` and `-NAME` lines in order (names never start with + or -). */
export function readNames(dataDir: string, prefix: string): string[] {
  const names = new Set<string>();
  for (const line of (readText(nameCachePath(dataDir, prefix)) ?? '').split('\n')) {
    if (line.startsWith('-')) names.delete(line.slice(1));
    else if (line !== '') names.add(line.replace(/^\+/, ''));
  }
  return [...names].sort();
}

/** The whole list anew (list). Most runs find the same names: they write nothing. */
export async function writeNames(dataDir: string, prefix: string, names: Iterable<string>): Promise<void> {
  const text = [...new Set(names)]
    .sort()
    .map((n) => `${n}\n`)
    .join('');
  const file = nameCachePath(dataDir, prefix);
  if (readText(file) === text) return;
  // Completion is a convenience: never fail a command over it.
  await writeFileAtomic(file, text).catch(() => undefined);
}

/** One change (create, destroy): appended, so that concurrent changes all stay. */
export async function updateNames(
  dataDir: string,
  prefix: string,
  change: { add?: string[]; remove?: string[] },
): Promise<void> {
  const lines = [...(change.add ?? []).map((n) => `+${n}\n`), ...(change.remove ?? []).map((n) => `-${n}\n`)].join('');
  if (lines === '') return;
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await appendFile(nameCachePath(dataDir, prefix), lines);
  } catch {
    // completion is a convenience: never fail a command over it
  }
}
