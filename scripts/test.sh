#!/usr/bin/env bash
# The whole test suite on any machine: set-up (Docker engine, base image, modules, build), then every unit and
# integration test against the real daemon. Extra arguments go to vitest (e.g. a test file).
set -euo pipefail
cd "$(dirname "$0")/.."
export MNG_TEST_BASE_IMAGE="${MNG_TEST_BASE_IMAGE:-debian:bookworm-slim}"
export MNG_TESTBED_CHECK_BARE=1 MNG_TESTBED_SECOND_DAEMON=1
bash scripts/setup.sh
# Format and lint (Biome, width 120): a style or lint error fails the run before any test.
npx biome ci --colors=off . >&2
results="$(mktemp -t mng-vitest-XXXXXX.json)"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
# One plain closing line that any CI can read.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results" 2>/dev/null || echo "0 passed, 1 failed"
rm -f "$results"
exit "$status"
