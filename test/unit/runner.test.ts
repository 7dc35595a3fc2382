import { describe, expect, it } from 'vitest';
import { DockerRunner } from '../../lib/docker/runner.js';
import { MngError } from '../../lib/errors.js';
import { Runner } from '../../lib/process/runner.js';

// Real tiny processes (node itself), as execa's own tests do.
describe('Runner', () => {
  it('returns exit code, stdout and stderr of a failed program when not asked to check', async () => {
    const r = await new Runner().run(process.execPath, ['-e', 'console.log("out"); console.error("err"); process.exit(3)']);
    expect(r).toEqual({ exitCode: 3, stdout: 'out', stderr: 'err' });
  });

  it('with check, throws one line keeping the command, its exit code and stderr', async () => {
    const err = await new Runner().run(process.execPath, ['-e', 'console.error("first\\nlast"); process.exit(4)'], { check: true }).catch((e) => e);
    expect(err).toBeInstanceOf(MngError);
    expect(err.message).toBe(`${process.execPath} failed: last`);
    expect(err.commandExitCode).toBe(4);
    expect(err.stderr).toBe('first\nlast');
    expect(err.command).toContain(process.execPath);
  });

  it('says a program is missing, with the caller\'s hint', async () => {
    const err = await new Runner().run('mng-no-such-program', [], { missingHint: 'install it' }).catch((e) => e);
    expect(err.message).toBe("'mng-no-such-program' was not found on PATH");
    expect(err.hint).toBe('install it');
  });

  it('prints each command line with its environment under -v', async () => {
    const lines: string[] = [];
    await new Runner({ verbose: true, log: (l) => lines.push(l) }).run(process.execPath, ['-e', ''], {}, { MNG_X: 'y' });
    expect(lines[0]).toBe(`+ MNG_X=y ${process.execPath} -e ''`);
    expect(lines[1]).toMatch(/exit 0 after \d+ ms/);
  });

  it('detached() keeps the class and drops the abort signal', () => {
    const controller = new AbortController();
    const d = new DockerRunner({ signal: controller.signal }).detached();
    expect(d).toBeInstanceOf(DockerRunner);
    expect(d.signal).toBeUndefined();
  });

  it('a timeout throws, or with timeoutIsResult is an answer (exit 124) a probe can retry', async () => {
    const hang = ['-e', 'setTimeout(() => {}, 10000)'];
    await expect(new Runner().run(process.execPath, hang, { timeoutMs: 200 })).rejects.toThrow(/did not finish within 200 ms/);
    const r = await new Runner().run(process.execPath, hang, { timeoutMs: 200, timeoutIsResult: true });
    expect(r).toMatchObject({ exitCode: 124, timedOut: true });
  });
});
