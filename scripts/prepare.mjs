#!/usr/bin/env node
// npm's `prepare` script: runs after `npm ci` / `npm install` in a clone, before `npm pack`, and when npm installs mng
// from git (`npm install -g git+https://…`, `git+file://…`). It builds dist/ (scripts/build.mjs), which needs the
// devDependencies (typescript, esbuild).
//
// An install from git needs two things npm does not do by itself (npm 11):
//  - npm prepares a git dependency by running `npm install` in its clone with the installing command's configuration in
//    the environment. For `npm install -g` that is npm_config_global=true and the global prefix, so the clone's own
//    devDependencies are never installed there: the build failed with "Cannot find package 'esbuild' imported from
//    scripts/build.mjs" (npm/cli#8440). When they are missing, they are installed here, into this folder.
//  - npm runs `prepare` twice for a git install (in that `npm install`, then again before packing). The second run
//    finds dist/ built from these very files and builds nothing.
// (That `npm install` also links the clone into the global folder, and npm 10 and 11 then unpack the package through
// that link into the clone they delete: `--install-links` avoids it, see the README. npm 12 prepares git dependencies
// with --global=false, so none of this happens there.)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const log = (line) => process.stderr.write(`mng prepare: ${line}\n`);

/** The newest modification time under `path` (a file or a folder), or 0 when it does not exist. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

/** dist/ was built after every file it is made from, and after the last install of node_modules. */
function distIsFresh() {
  const bundle = join(root, 'dist', 'mng.cjs');
  if (!existsSync(bundle)) return false;
  const inputs = [
    'bin',
    'lib',
    'scripts/build.mjs',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'node_modules/.package-lock.json',
  ];
  const built = statSync(bundle).mtimeMs;
  return inputs.every((p) => newest(join(root, p)) <= built);
}

function hasBuildTools() {
  const require = createRequire(join(root, 'package.json'));
  try {
    require.resolve('esbuild');
    require.resolve('typescript/package.json');
    return true;
  } catch {
    return false;
  }
}

if (distIsFresh()) {
  log('dist/ is up to date');
  process.exit(0);
}

/** Run a command with its output on stderr; on failure, one line and exit 1 (npm shows it), no stack trace. */
function run(file, args, env = process.env) {
  try {
    execFileSync(file, args, { cwd: root, env, stdio: ['ignore', 2, 2] });
  } catch (e) {
    log(`error: ${[file, ...args].join(' ')} failed (${e.status ?? e.signal ?? e.code})`);
    process.exit(1);
  }
}

if (!hasBuildTools()) {
  log('installing the build tools (devDependencies) into this folder');
  // Only this folder, whatever the environment says (global, prefix, omit, an install-scripts policy given for a global
  // install); no scripts: esbuild runs without its postinstall (it finds its binary in its platform package), and this
  // package's own prepare is this script.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^npm_config_(global|location|prefix|omit|include|production|only|dev|allow_scripts)$/i.test(k),
    ),
  );
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const lock = existsSync(join(root, 'package-lock.json'));
  run(
    npm[0],
    [
      ...npm.slice(1),
      lock ? 'ci' : 'install',
      '--include=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...(lock ? [] : ['--no-save']),
    ],
    env,
  );
}

run(process.execPath, [join(root, 'scripts', 'build.mjs')]);
