import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../lib/atomic-file.js';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mng-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fifty writers of one file in one process: the file is one of their texts, whole, and no temporary file is left', async () => {
    const file = join(dir, 'sub', 'f');
    const texts = Array.from({ length: 50 }, (_, i) => `writer ${i}\n`.repeat(2000));
    await Promise.all(texts.map((t) => writeFileAtomic(file, t)));
    expect(texts).toContain(readFileSync(file, 'utf8'));
    expect(readdirSync(join(dir, 'sub'))).toEqual(['f']);
  });

  it('a write whose rename fails (a folder is in the way) leaves no temporary file', async () => {
    mkdirSync(join(dir, 'd'));
    await expect(writeFileAtomic(join(dir, 'd'), 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['d']);
  });
});
