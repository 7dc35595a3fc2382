#!/usr/bin/env node
// Build: type-check with tsc, then bundle lib/ with esbuild into one CommonJS file, dist/mng.cjs, and make V8's code
// cache for it. Start-up is what users feel on every call: one file instead of hundreds of node_modules files, and
// functions that come compiled from the cache instead of being parsed and compiled at every start (bin/mng.js).
// MNG_BUILD_TYPECHECK=0 leaves out the type check (the packaging tests, which build the same sources `npm test` has
// already type-checked).
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
if (process.env.MNG_BUILD_TYPECHECK !== '0') {
  execFileSync(
    process.execPath,
    [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', resolve(root, 'tsconfig.json'), '--noEmit'],
    { stdio: 'inherit' },
  );
}
rmSync(resolve(root, 'dist'), { recursive: true, force: true });

// The build id on the bundle's first line names its code cache, so a cache can only ever meet the bundle it was made
// for (V8 itself only checks the source's length).
const buildId = randomBytes(8).toString('hex');

/**
 * string-width (yargs and its help layout use two copies) does costly work when it is loaded: an Intl.Segmenter (ICU
 * data) and Unicode-property regexes, 30 to 60 ms of every mng start. mng measures text widths only when yargs renders
 * help, so each copy is loaded on its first call instead.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await b.resolve('string-width', {
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: 'real',
      });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let real;\nexport default function stringWidth(string, options) {\n  real ??= require(${JSON.stringify(args.path)}).default;\n  return real(string, options);\n}\n`,
      resolveDir: root,
      loader: 'js',
    }));
  },
};
/**
 * Node's crypto and v8 modules take a few ms each to load, and most commands call nothing in them: mng's own code
 * imports crypto for random names and hashes, execa imports v8 for IPC that mng never uses. For these importers, each
 * module is a set of stand-ins that load the real one on the first call. Only functions can stand in: importing
 * anything else from them fails the build.
 */
const LAZY_BUILTINS = {
  crypto: (importer) => importer.startsWith(resolve(root, 'lib') + sep),
  v8: (importer) => /[\\/]node_modules[\\/]execa[\\/]/.test(importer),
};
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(crypto|v8)$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (args.namespace === 'lazy-builtin' || !LAZY_BUILTINS[name](args.importer)) return undefined;
      return { path: name, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (args) => {
      const real = await import(`node:${args.path}`);
      const functions = Object.keys(real).filter(
        (k) => k !== 'default' && /^[a-z]/.test(k) && typeof real[k] === 'function',
      );
      return {
        contents:
          `let real;\nconst load = () => (real ??= require('node:${args.path}'));\n` +
          functions.map((k) => `export function ${k}(...a) { return load().${k}(...a); }\n`).join(''),
        loader: 'js',
      };
    });
  },
};
/**
 * yargs checks its own invariants with two functions of Node's assert module. Loading that module costs about 5 ms of
 * every start (it also sets up process.stderr for its coloured diffs); for yargs, these two stand in.
 */
const yargsAssert = {
  name: 'yargs-assert',
  setup(b) {
    b.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
      /[\\/]node_modules[\\/]yargs[\\/]/.test(args.importer)
        ? { path: 'assert', namespace: 'yargs-assert' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'yargs-assert' }, () => ({
      contents: `const fail = (message, text) => { throw Object.assign(new Error(message ?? text), { code: 'ERR_ASSERTION' }); };
export function strictEqual(actual, expected, message) { if (!Object.is(actual, expected)) fail(message, 'Expected values to be strictly equal'); }
export function notStrictEqual(actual, expected, message) { if (Object.is(actual, expected)) fail(message, 'Expected "actual" to be strictly unequal to: ' + String(expected)); }
`,
      loader: 'js',
    }));
  },
};
await build({
  entryPoints: [resolve(root, 'lib/cli/main.ts')],
  outfile: resolve(root, 'dist/mng.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // lib/version.ts finds package.json from import.meta.url: in CommonJS that is the bundle's own file URL.
  define: { 'import.meta.url': '__mngFileUrl' },
  plugins: [lazyStringWidth, lazyBuiltins, yargsAssert],
  // bin/mng.js runs the bundle through vm.Script, which has no loader for import(): every import() becomes a
  // require() when it is called (esbuild does that for bundled modules anyway, and now for Node's own, such as
  // destroy's node:readline/promises, whose import() failed with "A dynamic import callback was not specified").
  supported: { 'dynamic-import': false },
  banner: { js: `// mng build ${buildId}\nconst __mngFileUrl = require('node:url').pathToFileURL(__filename).href;` },
  logLevel: 'warning',
});
// `mng --version` loads only this (bin/mng.js), not the bundle.
await build({
  entryPoints: [resolve(root, 'lib/version.ts')],
  outfile: resolve(root, 'dist/version.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: { 'import.meta.url': '__mngFileUrl' },
  banner: { js: "const __mngFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});

// `mng --help` is the same text every time at mng's widest layout (100 columns; the bundle has no yargs locale files, so
// it is always English): render it once here, so that printing it loads neither yargs nor the command modules.
const mng = resolve(root, 'bin/mng.js');
const help = execFileSync(process.execPath, [mng, '--help'], {
  env: { ...process.env, MNG_RENDER_HELP: '1' },
  encoding: 'utf8',
});
writeFileSync(resolve(root, 'dist/help.txt'), help);

// The code cache: V8 keeps the functions a run compiled. One run of `mng list` against a daemon that is not there
// compiles what every command runs (the parser, the config, the context, the docker runner, error output); what is
// not in the cache is compiled when first called, as without one. It is made here with this Node, and Node ignores it
// when another Node (or other V8 flags) runs mng.
const home = mkdtempSync(join(tmpdir(), 'mng-build-'));
try {
  execFileSync(process.execPath, [mng, 'list'], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_DATA_HOME: join(home, 'data'),
      DOCKER_HOST: `unix://${join(home, 'no-daemon.sock')}`,
      MNG_WRITE_CODE_CACHE: '1',
    },
    stdio: 'ignore',
  });
} catch {
  // `mng list` fails without a daemon, as intended: the cache is written on exit all the same.
} finally {
  rmSync(home, { recursive: true, force: true });
}
