#!/usr/bin/env bash
# Everything mng needs on this machine, idempotent and quick when already done:
# a Docker daemon and the debian:bookworm-slim base image (scripts/testbed.sh), node modules, the build.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf 'setup: %s\n' "$*" >&2; }

bash scripts/testbed.sh

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing node modules (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

if [ ! -f dist/mng.cjs ] || [ -n "$(find bin lib test scripts/build.mjs package.json tsconfig.json -newer dist/mng.cjs -print -quit)" ]; then
  log "building (tsc type check, esbuild bundle)"
  node scripts/build.mjs
fi
