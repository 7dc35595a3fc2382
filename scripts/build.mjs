#!/usr/bin/env node
// Build: type-check with tsc, then bundle lib/ with esbuild into dist/ (ESM, code splitting), so that a command
// loads one small graph of files instead of hundreds of node_modules files: cold start is what users feel on every call.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
execFileSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', resolve(root, 'tsconfig.json'), '--noEmit'], { stdio: 'inherit' });
rmSync(resolve(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [resolve(root, 'lib/cli/main.ts'), resolve(root, 'lib/version.ts')],
  outbase: resolve(root, 'lib'),
  outdir: resolve(root, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Bundled CommonJS dependencies call require(): give ESM chunks one.
  banner: { js: "import { createRequire as __mngCreateRequire } from 'node:module'; const require = __mngCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// `mng --help` is the same text every time at mng's widest layout (100 columns; the bundle has no yargs locale files, so
// it is always English): render it once here, so that printing it loads neither yargs nor the command modules.
const help = execFileSync(process.execPath, [resolve(root, 'bin/mng.js'), '--help'], { env: { ...process.env, MNG_RENDER_HELP: '1' }, encoding: 'utf8' });
writeFileSync(resolve(root, 'dist/help.txt'), help);
