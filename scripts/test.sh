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
# One plain closing line that any CI can read, and the verdict: a file that failed to run, or a test skipped that is
# not declared in test/expected-skips.txt, fails the run (vitest would count them as skipped).
summary=0
node scripts/test-summary.mjs "$results" "$@" || summary=$?
rm -f "$results"
if [ "$status" -eq 0 ] && [ "$summary" -ne 0 ]; then status=1; fi
exit "$status"
