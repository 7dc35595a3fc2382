import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imageFiles } from '../../lib/core/container-files.js';
import { filesBuildContext, filesHash, preparedTag, toolsTag } from '../../lib/core/image.js';
import { tarOf } from '../../lib/ustar.js';

const BASE = `sha256:${'ab'.repeat(32)}`;

describe('tarOf', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mng-ustar-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const unpack = (bytes: Buffer) => {
    writeFileSync(join(dir, 'a.tar'), bytes);
    execFileSync('tar', ['-xpf', join(dir, 'a.tar'), '-C', dir, '--no-same-owner']);
  };

  it('is read by tar: folders and files, with their modes and exact content', () => {
    const text = 'line one\n"two" $three \\ four\n'.repeat(40); // over one 512-byte block
    unpack(tarOf([{ path: 'd/', mode: 0o700 }, { path: 'd/s', mode: 0o755, content: text }, { path: 'd/e', mode: 0o600, content: '' }]));
    expect(readFileSync(join(dir, 'd', 's'), 'utf8')).toBe(text);
    expect(readFileSync(join(dir, 'd', 'e'), 'utf8')).toBe('');
    expect(statSync(join(dir, 'd')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'd', 's')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, 'd', 'e')).mode & 0o777).toBe(0o600);
  });

  it('gives the same bytes for the same entries (no times, no owners of this machine)', () => {
    const entries = [{ path: 'x', mode: 0o644, content: 'x' }];
    expect(tarOf(entries).equals(tarOf(entries))).toBe(true);
    expect(tarOf(entries).length % 512).toBe(0);
  });

  it('refuses paths that could land outside the folder or do not fit the header', () => {
    expect(() => tarOf([{ path: '/etc/x', mode: 0o644, content: '' }])).toThrow(/unusable path/);
    expect(() => tarOf([{ path: 'a/../../x', mode: 0o644, content: '' }])).toThrow(/unusable path/);
    expect(() => tarOf([{ path: 'a'.repeat(101), mode: 0o644, content: '' }])).toThrow(/unusable path/);
  });
});

describe('the prepared image', () => {
  it('is tagged by the base image id, then a hash of mng\'s fixed files', () => {
    expect(toolsTag(BASE)).toBe('mng-prepared:abababababab-g');
    expect(filesHash()).toMatch(/^[0-9a-f]{8}$/);
    expect(preparedTag(BASE)).toBe(`mng-prepared:abababababab-g-${filesHash()}`);
  });

  it('its build context adds exactly the fixed files to the tools image, in a private /mng', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mng-ctx-'));
    try {
      writeFileSync(join(dir, 'ctx.tar'), filesBuildContext('mng-prepared:abababababab-g'));
      execFileSync('tar', ['-xpf', join(dir, 'ctx.tar'), '-C', dir]);
      expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toBe('FROM mng-prepared:abababababab-g\nADD mng.tar /\n');
      execFileSync('tar', ['-xpf', join(dir, 'mng.tar'), '-C', dir]);
      expect(statSync(join(dir, 'mng')).mode & 0o777).toBe(0o700);
      for (const f of imageFiles()) {
        expect(readFileSync(join(dir, 'mng', f.path), 'utf8')).toBe(f.content);
        expect(statSync(join(dir, 'mng', f.path)).mode & 0o777).toBe(f.mode);
      }
      const listed = execFileSync('tar', ['-tf', join(dir, 'mng.tar')], { encoding: 'utf8' }).trim().split('\n');
      expect(listed).toEqual(['mng/', ...imageFiles().map((f) => `mng/${f.path}`)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
