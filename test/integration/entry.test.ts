import { execa, execaSync } from 'execa';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MNG_BIN, Sandbox } from '../helpers/sandbox.js';

// How mng starts (bin/mng.js, scripts/build.mjs): what a user's shell runs, and the built bundle with its code cache.

const sb = new Sandbox('entry');
afterAll(() => sb.cleanup());

const MISSING_CA = '/nonexistent/mng-test-extra-ca.pem';

/**
 * A folder for the front of PATH with a `docker` that writes down what it got of the two variables, then runs the
 * real docker with its arguments.
 */
async function recordingDocker(tag: string): Promise<{ bin: string; seen: string }> {
  const bin = join(sb.dir, `pathbin-${tag}`);
  mkdirSync(bin, { recursive: true });
  const seen = join(sb.dir, `docker-saw-${tag}`);
  const realDocker = (await execa('sh', ['-c', 'command -v docker'])).stdout.trim();
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/sh\nprintf '%s|%s' "\${NODE_EXTRA_CA_CERTS-unset}" "\${MNG_NODE_EXTRA_CA_CERTS-unset}" > '${seen}'\nexec '${realDocker}' "$@"\n`,
  );
  chmodSync(join(bin, 'docker'), 0o755);
  return { bin, seen };
}

describe('the entry point', () => {
  it('starts Node without NODE_EXTRA_CA_CERTS: Node never reads the file (it warns when it does)', async () => {
    const direct = await execa(MNG_BIN, ['--version'], { env: { NODE_EXTRA_CA_CERTS: MISSING_CA }, reject: false });
    expect(direct.exitCode).toBe(0);
    expect(direct.stdout).toMatch(/^\d+\.\d+\.\d+$/);
    expect(direct.stderr).toBe('');
    // The same file through plain `node`: Node reads the variable and warns, so the check above can fail.
    const viaNode = await execa(process.execPath, [MNG_BIN, '--version'], {
      env: { NODE_EXTRA_CA_CERTS: MISSING_CA },
      reject: false,
    });
    expect(viaNode.stderr).toMatch(/extra certs/i);
  });

  it('gives NODE_EXTRA_CA_CERTS back to what mng runs (here the real docker, through a recording wrapper on PATH)', async () => {
    const { bin, seen } = await recordingDocker('one');
    const r = await sb.mng(['list', '--format', 'json'], {
      env: { NODE_EXTRA_CA_CERTS: MISSING_CA, PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toMatch(/extra certs/i);
    expect(readFileSync(seen, 'utf8')).toBe(`${MISSING_CA}|unset`);
  });

  it('leaves the environment alone when NODE_EXTRA_CA_CERTS is not set', async () => {
    const { bin, seen } = await recordingDocker('two');
    const env: Record<string, string | undefined> = { ...process.env, ...sb.env, PATH: `${bin}:${process.env.PATH}` };
    delete env.NODE_EXTRA_CA_CERTS;
    const r = await execa(MNG_BIN, ['list', '--format', 'json'], { env, extendEnv: false, reject: false });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(seen, 'utf8')).toBe('unset|unset');
  });
});

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

  it('runs as CommonJS, and a list loads none of the Node modules it does not call (ESM loader, assert, crypto, v8)', async () => {
    const probe = join(sb.dir, 'module-probe.cjs');
    writeFileSync(
      probe,
      `process.on('exit', () => require('node:fs').writeSync(2, '\\nloaded: ' + JSON.stringify(process.moduleLoadList) + '\\n'));\n`,
    );
    const r = await execa(process.execPath, ['-r', probe, MNG_BIN, 'list', '--format', 'json'], {
      env: sb.env,
      reject: false,
    });
    expect(r.exitCode).toBe(0);
    const loaded: string[] = JSON.parse(/^loaded: (.*)$/m.exec(r.stderr)?.[1] ?? '[]');
    expect(loaded).toContain('NativeModule child_process'); // the probe sees what mng loaded
    for (const m of [
      'NativeModule internal/modules/esm/module_job',
      'NativeModule assert',
      'NativeModule crypto',
      'NativeModule v8',
    ]) {
      expect(loaded).not.toContain(m);
    }
  });

  it("renders a command's help, which measures text with string-width (loaded on first use)", async () => {
    const r = await execa(MNG_BIN, ['create', '--help'], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/--dry-run/);
  });
});
