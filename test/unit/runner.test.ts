import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DockerRunner } from '../../lib/docker/runner.js';
import { InterruptedError, MngError } from '../../lib/errors.js';
import { Runner, type PipeSource } from '../../lib/process/runner.js';

/** A stream that is not a Node Readable (as node-tar's minipass streams are not): only pipe() and on('error'). */
const pipeOf = (s: PassThrough): PipeSource => ({ pipe: (d) => s.pipe(d), on: (e, l) => s.on(e, l) });

// Real tiny processes (node itself), as execa's own tests do.
describe('Runner: limits on what a child may take (L1)', () => {
  it('a child that exits with a code of its own when killed at its timeout is timed out all the same', async () => {
    const r = await new Runner().run(
      process.execPath,
      ['-e', "process.on('SIGTERM', () => process.exit(3)); setInterval(() => {}, 1000)"],
      { timeoutMs: 300, timeoutIsResult: true },
    );
    expect(r).toMatchObject({ exitCode: 124, timedOut: true });
  });

  it('reads at most maxBytes of its output: an error, or an answer when asked for', async () => {
    const flood = ['-e', "setInterval(() => process.stdout.write('x'.repeat(65536)), 1)"];
    const err = await new Runner()
      .run(process.execPath, flood, { maxBytes: 100_000, timeoutMs: 20_000 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(MngError);
    expect(err.message).toMatch(/wrote more than 100000 bytes, more than mng reads from it: stopped/);
    const r = await new Runner().run(process.execPath, flood, {
      maxBytes: 1024 * 1024,
      limitIsResult: true,
      timeoutMs: 20_000,
    });
    expect(r).toMatchObject({ exitCode: 1, overLimit: true });
  });

  it('into a file too: the file ends at the limit and the child is stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mng-unit-runner-'));
    try {
      const file = join(dir, 'out');
      const flood = ['-e', "setInterval(() => process.stdout.write('x'.repeat(65536)), 1)"];
      const r = await new Runner().run(process.execPath, flood, {
        stdoutFile: file,
        maxBytes: 1024 * 1024,
        limitIsResult: true,
        timeoutMs: 20_000,
      });
      expect(r.overLimit).toBe(true);
      expect(readFileSync(file).length).toBeLessThanOrEqual(1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Runner', () => {
  it('returns exit code, stdout and stderr of a failed program when not asked to check', async () => {
    const r = await new Runner().run(process.execPath, [
      '-e',
      'console.log("out"); console.error("err"); process.exit(3)',
    ]);
    expect(r).toEqual({ exitCode: 3, stdout: 'out', stderr: 'err' });
  });

  it('with check, throws one line keeping the command, its exit code and stderr', async () => {
    const err = await new Runner()
      .run(process.execPath, ['-e', 'console.error("first\\nlast"); process.exit(4)'], { check: true })
      .catch((e) => e);
    expect(err).toBeInstanceOf(MngError);
    expect(err.message).toBe(`${process.execPath} failed: last`);
    expect(err.commandExitCode).toBe(4);
    expect(err.stderr).toBe('first\nlast');
    expect(err.command).toContain(process.execPath);
  });

  it("says a program is missing, with the caller's hint", async () => {
    const err = await new Runner().run('mng-no-such-program', [], { missingHint: 'install it' }).catch((e) => e);
    expect(err.message).toBe("'mng-no-such-program' was not found on PATH");
    expect(err.hint).toBe('install it');
  });

  it('prints each command line with its environment under -v', async () => {
    const lines: string[] = [];
    await new Runner({ verbose: true, log: (l) => lines.push(l) }).run(
      process.execPath,
      ['-e', ''],
      {},
      { MNG_X: 'y' },
    );
    expect(lines[0]).toBe(`+ MNG_X=y ${process.execPath} -e ''`);
    expect(lines[1]).toMatch(/exit 0 after \d+ ms/);
  });

  it('streams stdin from a file or a piped stream, and stdout into a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mng-runner-'));
    try {
      const copy = ['-e', 'process.stdin.pipe(process.stdout)'];
      writeFileSync(join(dir, 'in'), 'from a file');
      expect((await new Runner().run(process.execPath, copy, { inputFile: join(dir, 'in') })).stdout).toBe(
        'from a file',
      );
      const source = new PassThrough();
      const running = new Runner().run(process.execPath, copy, { input: pipeOf(source), stdoutFile: join(dir, 'out') });
      source.end(Buffer.alloc(3 << 20, 7));
      const r = await running;
      expect(r.stdout).toBe('');
      expect(readFileSync(join(dir, 'out')).equals(Buffer.alloc(3 << 20, 7))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a piped source that fails half-way ends the child's stdin and is one error, not a hang", async () => {
    const source = new PassThrough();
    const running = new Runner().run(process.execPath, ['-e', 'process.stdin.resume()'], { input: pipeOf(source) });
    source.write('partial');
    setTimeout(() => source.destroy(new Error('disk gone')), 50);
    await expect(running).rejects.toThrow(/reading what goes to .* failed: disk gone/);
  });

  it('detached() keeps the class and drops the abort signal', () => {
    const controller = new AbortController();
    const d = new DockerRunner({ signal: controller.signal }).detached();
    expect(d).toBeInstanceOf(DockerRunner);
    expect(d.signal).toBeUndefined();
  });

  it('a timeout throws, or with timeoutIsResult is an answer (exit 124) a probe can retry', async () => {
    const hang = ['-e', 'setTimeout(() => {}, 10000)'];
    await expect(new Runner().run(process.execPath, hang, { timeoutMs: 200 })).rejects.toThrow(
      /did not finish within 200 ms/,
    );
    const r = await new Runner().run(process.execPath, hang, { timeoutMs: 200, timeoutIsResult: true });
    expect(r).toMatchObject({ exitCode: 124, timedOut: true });
  });

  it('runs many children at once under one abort signal without a listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const runner = new Runner({ signal: new AbortController().signal });
      const results = await Promise.all(Array.from({ length: 12 }, () => runner.run(process.execPath, ['-e', ''])));
      expect(results.every((r) => r.exitCode === 0)).toBe(true);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('Ctrl-C (the abort signal) kills the running child and is an interruption', async () => {
    const controller = new AbortController();
    const run = new Runner({ signal: controller.signal }).run(process.execPath, ['-e', 'setTimeout(() => {}, 10000)']);
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
