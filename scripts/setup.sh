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

if [ ! -f dist/cli/main.js ] || [ -n "$(find lib test package.json tsconfig.json -newer dist/cli/main.js -print -quit)" ]; then
  log "building (tsc type check, esbuild bundle)"
  node scripts/build.mjs
fi
