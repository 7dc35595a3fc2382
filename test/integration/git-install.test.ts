import { execa } from 'execa';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/sandbox.js';

const ROOT = resolve(import.meta.dirname, '../..');
const sb = new Sandbox('gitinst');
const work = mkdtempSync(join(tmpdir(), 'mngtest-gitinst-'));
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await sb.cleanup();
});

describe('npm install -g from git', () => {
  it('installs a working mng from a clean clone: npm prepares it (build tools, dist/) as it would a git URL', async () => {
    // The repository at HEAD, in a clone of its own: uncommitted work and this worktree's node_modules/ and dist/
    // play no part.
    const clone = join(work, 'clone');
    const head = (await execa('git', ['-C', ROOT, 'rev-parse', 'HEAD'])).stdout.trim();
    await execa('git', ['clone', '--quiet', '--no-checkout', ROOT, clone]);
    await execa('git', ['-C', clone, 'checkout', '--quiet', '--detach', head]);
    expect(existsSync(join(clone, 'dist'))).toBe(false);
    expect(existsSync(join(clone, 'node_modules'))).toBe(false);

    // The README's command. npm 10 and 11 need --install-links (without it they unpack the package through a link into
    // the temporary clone they then delete, npm/cli#8440); npm 11.19 asks for --allow-scripts to run mng's prepare.
    const npmMajor = Number((await execa('npm', ['--version'])).stdout.split('.')[0]);
    const prefix = join(work, 'prefix');
    const install = await execa(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        ...(npmMajor < 12 ? ['--install-links'] : []),
        '--allow-scripts=mng',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `git+file://${clone}`,
      ],
      // (the sources were type-checked by this run's own build: the packaged build can skip it)
      { reject: false, env: { MNG_BUILD_TYPECHECK: '0' } },
    );
    expect(install.exitCode, install.stderr).toBe(0);
    const pkg = join(prefix, 'lib', 'node_modules', 'mng');
    // a folder of its own, with the build in it (not a link into npm's deleted clone)
    expect(lstatSync(pkg).isDirectory()).toBe(true);
    expect(existsSync(join(pkg, 'dist', 'mng.cjs'))).toBe(true);
    expect(existsSync(join(pkg, 'lib'))).toBe(false);

    const mng = join(prefix, 'bin', 'mng');
    const version = await execa(mng, ['--version'], { env: sb.env, reject: false });
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')).version);
    const list = await execa(mng, ['list', '--format', 'json'], { env: sb.env, reject: false });
    expect(list.exitCode, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ agents: [], errors: [] });
  }, 300_000);
});
