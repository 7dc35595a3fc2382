#!/bin/sh
':' //; [ -z "${NODE_EXTRA_CA_CERTS+set}" ] || { export MNG_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"
// The line above is for sh, and a string plus a comment for Node. Node 20 reads its whole certificate store at start-up
// when NODE_EXTRA_CA_CERTS is set (nodejs/node#40524): 40 to 90 ms on every call, for TLS that mng's own process never
// makes (docker, ssh and git do their own). So sh starts Node without it, and the children get it back below.
//
// Entry point: load the compiled CLI (dist/mng.cjs, see scripts/build.mjs). All logic lives in lib/. This file is
// CommonJS (bin/package.json): an ES module entry costs Node its ESM loader, about 10 ms of every start.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const env = process.env;
if (env.MNG_NODE_EXTRA_CA_CERTS !== undefined) {
  env.NODE_EXTRA_CA_CERTS = env.MNG_NODE_EXTRA_CA_CERTS;
  delete env.MNG_NODE_EXTRA_CA_CERTS;
}
const args = process.argv.slice(2);
const dist = join(__dirname, '..', 'dist');
if (args.length === 1 && args[0] === '--version') {
  // The one call scripts make in a loop: answer it without loading the bundle.
  process.stdout.write(`${require(join(dist, 'version.cjs')).version()}\n`);
} else if (args.length === 1 && (args[0] === '--help' || args[0] === '-h') && !env.MNG_RENDER_HELP
  && !(process.stdout.isTTY && process.stdout.columns < 100)) {
  // The top-level help at full width, rendered by the build from the same parser.
  process.stdout.write(readFileSync(join(dist, 'help.txt'), 'utf8'));
} else {
  // The bundle runs as CommonJS through vm.Script, which takes V8's code cache for it: the functions a command needs
  // come compiled instead of being parsed and compiled at every start. The cache is named by the build id on the
  // bundle's first line; a missing cache, or one this Node rejects, only means compiling as usual.
  const bundle = join(dist, 'mng.cjs');
  const source = readFileSync(bundle, 'utf8');
  const cacheFile = join(dist, `mng-${/^\/\/ mng build ([0-9a-f]+)/.exec(source)?.[1] ?? 'unknown'}.v8cache`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache: compile as usual
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  if (env.MNG_WRITE_CODE_CACHE) process.on('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  const bundleModule = { exports: {} };
  script.runInThisContext()(bundleModule.exports, require, bundleModule, bundle, dist);
  bundleModule.exports.main(args);
}
