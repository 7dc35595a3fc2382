import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';

/**
 * Agent names for shell completion: a local file that `list`, `create` and `destroy` keep up to date, so completing a
 * name never asks a (possibly slow, remote) daemon. A cache only: it may be stale, and losing it loses nothing.
 * One file per name prefix, written atomically (lib/atomic-file.ts).
 */
export function nameCachePath(dataDir: string, prefix: string): string {
  return join(dataDir, `names-${prefix}`);
}

export function readNames(dataDir: string, prefix: string): string[] {
  try {
    return readFileSync(nameCachePath(dataDir, prefix), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export async function writeNames(dataDir: string, prefix: string, names: Iterable<string>): Promise<void> {
  const sorted = [...new Set(names)].sort();
  // Completion is a convenience: never fail a command over it.
  await writeFileAtomic(nameCachePath(dataDir, prefix), sorted.map((n) => `${n}\n`).join('')).catch(() => undefined);
}

export async function updateNames(dataDir: string, prefix: string, change: { add?: string[]; remove?: string[] }): Promise<void> {
  const names = new Set(readNames(dataDir, prefix));
  for (const n of change.add ?? []) names.add(n);
  for (const n of change.remove ?? []) names.delete(n);
  await writeNames(dataDir, prefix, names);
}
