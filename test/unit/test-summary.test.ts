import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// scripts/test-summary.mjs: the suite's closing line and verdict from vitest's JSON report (see scripts/test.sh).
const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'mng-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Test = { fullName: string; status: string };
const file = (name: string, status: string, tests: Test[], message = '') => ({
  name: join(ROOT, 'test', name),
  status,
  message,
  assertionResults: tests,
});

function summary(testResults: unknown[], args: string[] = []) {
  const path = join(dir, `r${Math.random().toString(16).slice(2)}.json`);
  const success = !testResults.some((f) => (f as { status: string }).status === 'failed');
  writeFileSync(path, JSON.stringify({ success, testResults }));
  const r = spawnSync('node', ['scripts/test-summary.mjs', path, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, line: r.stdout.trim(), stderr: r.stderr };
}

describe('the suite summary', () => {
  it('counts passes and failures as vitest does when every file ran', () => {
    const r = summary([file('a.test.ts', 'passed', [{ fullName: 'x', status: 'passed' }])]);
    expect(r).toMatchObject({ code: 0, line: '1 passed, 0 failed' });
  });

  it('a file that failed in beforeAll (its tests "skipped") is a failure, not skips', () => {
    const tests = [
      { fullName: 'x a', status: 'skipped' },
      { fullName: 'x b', status: 'skipped' },
    ];
    const r = summary([
      file('ok.test.ts', 'passed', [{ fullName: 'y', status: 'passed' }]),
      file('setup.test.ts', 'failed', tests),
    ]);
    expect(r.code).toBe(1);
    expect(r.line).toBe('1 passed, 1 failed');
    expect(r.stderr).toMatch(/test\/setup.test.ts: did not run/);
  });

  it('a file whose import throws is a failure', () => {
    const r = summary([file('broken.test.ts', 'failed', [], 'Error: import fails')]);
    expect(r).toMatchObject({ code: 1, line: '0 passed, 1 failed' });
    expect(r.stderr).toMatch(/broken.test.ts: did not run: Error: import fails/);
  });

  it('a skipped test that is not declared fails the run; a name-filtered run (-t) skips by design', () => {
    const tests = [
      { fullName: 'needs ssh', status: 'skipped' },
      { fullName: 'ok', status: 'passed' },
    ];
    const r = summary([file('s.test.ts', 'passed', tests)]);
    expect(r).toMatchObject({ code: 1, line: '1 passed, 1 failed' });
    expect(r.stderr).toMatch(/test\/s.test.ts > needs ssh: skipped, and not an expected skip/);
    expect(summary([file('s.test.ts', 'passed', tests)], ['-t', 'ok'])).toMatchObject({
      code: 0,
      line: '1 passed, 0 failed, 1 skipped',
    });
  });

  it('no report at all is a failure', () => {
    const r = spawnSync('node', ['scripts/test-summary.mjs', join(dir, 'missing.json')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stdout.trim()).toBe('0 passed, 1 failed');
  });
});
