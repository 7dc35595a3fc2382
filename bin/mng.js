#!/usr/bin/env node
// Entry point: load the compiled CLI. All logic lives in lib/ (compiled to dist/).
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  // The one call scripts make in a loop: answer it without loading the parser.
  const { version } = await import('../dist/version.js');
  process.stdout.write(`${version()}\n`);
} else {
  const { main } = await import('../dist/cli/main.js');
  await main(args);
}
