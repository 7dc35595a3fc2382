#!/usr/bin/env node
// Entry point: load the compiled CLI. All logic lives in lib/ (compiled to dist/).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2));
