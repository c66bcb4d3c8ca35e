#!/usr/bin/env node
// Entry point of the `stylebridge` command: runs the compiled CLI (built by `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/node/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('stylebridge: the CLI is not built. Run `npm install` (or `npm run build`) in the project folder.\n');
  process.exit(70);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv.slice(2));
