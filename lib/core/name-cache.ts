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

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function readNames(dataDir: string, prefix: string): string[] {
  return (readText(nameCachePath(dataDir, prefix)) ?? '').split('\n').filter(Boolean);
}

export async function writeNames(dataDir: string, prefix: string, names: Iterable<string>): Promise<void> {
  const sorted = [...new Set(names)].sort();
  const text = sorted.map((n) => `${n}\n`).join('');
  const file = nameCachePath(dataDir, prefix);
  // Most runs find the same names: they write nothing.
  if (readText(file) === text) return;
  // Completion is a convenience: never fail a command over it.
  await writeFileAtomic(file, text).catch(() => undefined);
}

export async function updateNames(dataDir: string, prefix: string, change: { add?: string[]; remove?: string[] }): Promise<void> {
  const names = new Set(readNames(dataDir, prefix));
  for (const n of change.add ?? []) names.add(n);
  for (const n of change.remove ?? []) names.delete(n);
  await writeNames(dataDir, prefix, names);
}
