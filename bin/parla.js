#!/usr/bin/env node
// Thin entry point: the CLI lives in src/cli (compiled to dist/ by `npm install`'s prepare step).
import { main } from '../dist/cli/main.js';

main(process.argv).catch((err) => {
  console.error(`parla: ${err?.message ?? err}`);
  process.exitCode = 1;
});
