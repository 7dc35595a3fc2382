import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Agent names for shell completion: a local file that `list`, `create` and `destroy` keep up to date, so completing a
 * name never asks a (possibly slow, remote) daemon. A cache only: it may be stale, and losing it loses nothing.
 * One file per name prefix, written atomically (temp file + rename).
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

export function writeNames(dataDir: string, prefix: string, names: Iterable<string>): void {
  const file = nameCachePath(dataDir, prefix);
  const sorted = [...new Set(names)].sort();
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, sorted.map((n) => `${n}\n`).join(''));
    renameSync(tmp, file);
  } catch {
    // Completion is a convenience: never fail a command over it.
  }
}

export function updateNames(dataDir: string, prefix: string, change: { add?: string[]; remove?: string[] }): void {
  const names = new Set(readNames(dataDir, prefix));
  for (const n of change.add ?? []) names.add(n);
  for (const n of change.remove ?? []) names.delete(n);
  writeNames(dataDir, prefix, names);
}
