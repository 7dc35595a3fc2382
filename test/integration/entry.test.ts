import { execa, execaSync } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MNG_BIN } from '../helpers/sandbox.js';

// How mng starts (bin/mng.js, scripts/build.mjs): what a user's shell runs, and the built bundle with its code cache.

describe('the build', () => {
  const dist = resolve(import.meta.dirname, '../../dist');

  it("makes a code cache for the bundle that this Node accepts, named by the bundle's build id", () => {
    const bundle = join(dist, 'mng.cjs');
    const source = readFileSync(bundle, 'utf8');
    const id = /^\/\/ mng build ([0-9a-f]{16})\n/.exec(source)?.[1];
    expect(id).toBeDefined();
    const cacheFile = join(dist, `mng-${id}.v8cache`);
    expect(existsSync(cacheFile)).toBe(true);
    // The same wrapper as bin/mng.js, in a plain Node (V8 accepts a cache only for the source and flags it was made with).
    const check = `const { Script } = require('node:vm'); const fs = require('node:fs');
      const s = new Script('(function (exports, require, module, __filename, __dirname) {' + fs.readFileSync(process.argv[1], 'utf8') + '\\n})', { filename: process.argv[1], cachedData: fs.readFileSync(process.argv[2]) });
      process.stdout.write(String(s.cachedDataRejected));`;
    expect(execaSync(process.execPath, ['-e', check, bundle, cacheFile]).stdout).toBe('false');
  });

  it('renders a command\'s help, which measures text with string-width (loaded on first use)', async () => {
    const r = await execa(MNG_BIN, ['create', '--help'], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/--dry-run/);
  });
});
