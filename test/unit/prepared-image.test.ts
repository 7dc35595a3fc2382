import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageFiles } from '../../lib/core/container/scripts.js';
import { filesBuildContext, filesHash, preparedTag, toolsTag } from '../../lib/core/create/image.js';

const BASE = `sha256:${'ab'.repeat(32)}`;

describe('the prepared image', () => {
  it("is tagged by the base image id, then a hash of mng's fixed files", () => {
    expect(toolsTag(BASE)).toBe('mng-prepared:abababababab-g');
    expect(filesHash()).toMatch(/^[0-9a-f]{8}$/);
    expect(preparedTag(BASE)).toBe(`mng-prepared:abababababab-g-u-${filesHash()}`);
  });

  it('its build context adds exactly the fixed files to the tools image, in a /mng only root can list (the agent user may go through it), owned by root', async () => {
    const ctx = await filesBuildContext('mng-prepared:abababababab-g');
    const out = mkdtempSync(join(tmpdir(), 'mng-ctx-'));
    try {
      expect(readdirSync(ctx).sort()).toEqual(['Dockerfile', 'mng', 'mng.tar']);
      expect(readFileSync(join(ctx, 'Dockerfile'), 'utf8')).toBe('FROM mng-prepared:abababababab-g\nADD mng.tar /\n');
      execFileSync('tar', ['-xpf', join(ctx, 'mng.tar'), '-C', out]);
      expect(statSync(join(out, 'mng')).mode & 0o777).toBe(0o711);
      for (const f of imageFiles()) {
        expect(readFileSync(join(out, 'mng', f.path), 'utf8')).toBe(f.content);
        expect(statSync(join(out, 'mng', f.path)).mode & 0o777).toBe(f.mode);
      }
      const listed = execFileSync('tar', ['-tvf', join(ctx, 'mng.tar'), '--numeric-owner'], { encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(listed.map((l) => l.split(/\s+/).pop())).toEqual(['mng/', ...imageFiles().map((f) => `mng/${f.path}`)]);
      // owner 0/0 (ADD keeps the archive's owners) and the same fixed time for every entry, whatever this machine has
      expect(listed.every((l) => l.split(/\s+/)[1] === '0/0')).toBe(true);
      expect(new Set(listed.map((l) => l.split(/\s+/).slice(3, 5).join(' '))).size).toBe(1);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('gives the same mng.tar bytes for the same files', async () => {
    const [a, b] = [await filesBuildContext('x'), await filesBuildContext('x')];
    try {
      expect(readFileSync(join(a, 'mng.tar')).equals(readFileSync(join(b, 'mng.tar')))).toBe(true);
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });
});
