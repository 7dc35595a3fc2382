#!/usr/bin/env node
// Entry point: load the compiled CLI. All logic lives in lib/ (compiled to dist/).
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  // The one call scripts make in a loop: answer it without loading the parser.
  const { version } = await import('../dist/version.js');
  process.stdout.write(`${version()}\n`);
} else if (args.length === 1 && (args[0] === '--help' || args[0] === '-h') && !process.env.MNG_RENDER_HELP
  && !(process.stdout.isTTY && process.stdout.columns < 100)) {
  // The top-level help at full width, rendered by the build (scripts/build.mjs) from the same parser.
  const { readFileSync } = await import('node:fs');
  process.stdout.write(readFileSync(new URL('../dist/help.txt', import.meta.url), 'utf8'));
} else {
  const { main } = await import('../dist/cli/main.js');
  await main(args);
}
