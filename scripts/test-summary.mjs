// The suite's closing line and verdict, from vitest's JSON report: `N passed, N failed[, N skipped]`.
// vitest counts the tests of a file that failed to run (an error in beforeAll, an import that throws) as skipped, and
// its own failed count leaves them out: here such a file counts as failed, and so does every skipped test that is not
// declared in test/expected-skips.txt (a skip counted as a pass is a defect). Exits 1 when anything failed.
// Usage: node scripts/test-summary.mjs REPORT.json [vitest args...] (a -t/--testNamePattern run skips by design).
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [reportPath, ...args] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch (e) {
  // vitest ended before it wrote its report
  console.error(`test-summary: no report from vitest (${e.message})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const filtered = args.some((a) => a === '-t' || a.startsWith('--testNamePattern') || a.startsWith('-t='));
const declared = new Set(
  (existsSync('test/expected-skips.txt') ? readFileSync('test/expected-skips.txt', 'utf8') : '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#')),
);
const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
for (const file of report.testResults ?? []) {
  const name = relative(process.cwd(), file.name);
  const tests = file.assertionResults ?? [];
  const ran = tests.filter((t) => !SKIPPED.has(t.status));
  passed += tests.filter((t) => t.status === 'passed').length;
  failed += tests.filter((t) => t.status === 'failed').length;
  if (file.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
    // the file did not run (or not to the end): one failure, whatever vitest calls its tests
    failed += 1;
    const why = String(file.message ?? '').split('\n')[0] || 'it failed outside any test (beforeAll, afterAll, import)';
    problems.push(`${name}: did not run: ${why}${ran.length === 0 ? '' : ` (${ran.length} of its tests ran)`}`);
    continue;
  }
  for (const t of tests.filter((x) => SKIPPED.has(x.status))) {
    const id = `${name} > ${t.fullName}`;
    if (filtered || declared.has(id)) skipped += 1;
    else {
      failed += 1;
      problems.push(`${id}: skipped, and not an expected skip (test/expected-skips.txt)`);
    }
  }
}
// a run whose report has no file at all (vitest stopped before any) is a failure too
if ((report.testResults ?? []).length === 0) {
  failed += 1;
  problems.push('no test file ran');
}
for (const p of problems) console.error(`test-summary: ${p}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || report.success === false ? 1 : 0);
