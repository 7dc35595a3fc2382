import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Sandbox } from '../helpers/sandbox.js';

const ROOT = resolve(import.meta.dirname, '../..');
const sb = new Sandbox('pack');
const work = mkdtempSync(join(tmpdir(), 'mngtest-pack-'));
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await sb.cleanup();
});

describe('npm pack and install', () => {
  it('packs a tarball with dist/ that installs a working mng', async () => {
    // A copy of the sources without dist/, so the tarball's build comes from npm's own lifecycle (prepare), and the
    // worktree's dist/ (which other tests run) is never rebuilt under them.
    const src = join(work, 'src');
    for (const f of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'README.md',
      'CHANGELOG.md',
      'bin',
      'lib',
      'scripts',
    ]) {
      cpSync(join(ROOT, f), join(src, f), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
    expect(existsSync(join(src, 'dist'))).toBe(false);
    // (the sources were type-checked by this run's own build: the packaged build can skip it)
    const pack = await execa('npm', ['pack', '--pack-destination', work, '--loglevel=error'], {
      cwd: src,
      reject: false,
      env: { MNG_BUILD_TYPECHECK: '0' },
    });
    expect(pack.exitCode, pack.stderr).toBe(0);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const listing = await execa('tar', ['-tzf', join(work, tarball!)]);
    expect(listing.stdout).toMatch(/^package\/dist\/mng\.cjs$/m);
    expect(listing.stdout).toMatch(/^package\/dist\/mng-[0-9a-f]{16}\.v8cache$/m);
    expect(listing.stdout).toMatch(/^package\/bin\/mng\.js$/m);
    expect(listing.stdout).not.toMatch(/^package\/lib\//m);

    const prefix = join(work, 'prefix');
    const install = await execa(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        join(work, tarball!),
      ],
      { reject: false },
    );
    expect(install.exitCode, install.stderr).toBe(0);
    const mng = join(prefix, 'bin', 'mng');
    const version = await execa(mng, ['--version'], { env: sb.env, reject: false });
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const list = await execa(mng, ['list'], { env: sb.env, reject: false });
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/No agents yet/);
  }, 300_000);
});
