// Runs the whole test suite: type check, lint, then every test file under test/ with node's test runner.
// Usage: node scripts/test.mjs [--only PATTERN]   (npm test runs it with no arguments)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const only = args[0] === '--only' ? args[1] : undefined;

function step(name, cmd, cmdArgs, opts = {}) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    process.stdout.write(`\n== ${name} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === '.material' || name === 'vectors' || name === 'fixtures') continue;
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out.sort();
}

if (!only) {
  step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  step('lint', 'npx', ['eslint', '.']);
  // Native parts (plugin shim, addon) register their own ctest suites; scripts/ctest.mjs skips with a reason when absent.
  step('native tests', process.execPath, ['scripts/ctest.mjs']);
}
const files = findTests(join(root, 'test')).filter((f) => !only || f.includes(only));
step(`node tests (${files.length} files)`, process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files]);
