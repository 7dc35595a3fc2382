import type { ChalkInstance } from 'chalk';
import type { Snapshot } from '../core/model/snapshot.js';
import { ago, renderTable } from './format.js';

/** The stable JSON shape of one snapshot (`mng snapshot list --format json`). */
export interface SnapshotJson {
  id: string;
  name: string;
  created_at: string;
  size_bytes: number;
}

export function snapshotJson(s: Snapshot): SnapshotJson {
  return { id: s.id, name: s.name, created_at: s.createdAt, size_bytes: s.sizeBytes };
}

/** Bytes as docker shows them (decimal units): 999B, 12.3kB, 256MB, 1.25GB. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v}B` : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${units[i]}`;
}

export function snapshotTable(snaps: Snapshot[], c: ChalkInstance, now: number = Date.now()): string {
  const rows = snaps.map((s) => [s.id, s.name || '-', ago(s.createdAt, now), humanSize(s.sizeBytes)]);
  return renderTable(['ID', 'NAME', 'CREATED', 'SIZE'], rows, (col, cell) => (col === 0 ? c.bold(cell) : cell));
}
