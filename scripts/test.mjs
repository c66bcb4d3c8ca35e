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
// Tests that run a real-time audio host (Ardour's dummy backend, JACK) compare sample-exact recordings and are
// sensitive to a saturated machine, so they run last, one file at a time, with nothing else beside them.
const realtime = (f) => /ardour|jack/.test(f);
const shared = files.filter((f) => !realtime(f));
const alone = files.filter(realtime);
const nodeTest = ['--import', 'tsx', '--test', '--test-reporter=spec'];
if (shared.length) step(`node tests (${shared.length} files)`, process.execPath, [...nodeTest, '--test-concurrency=2', ...shared]);
if (alone.length) step(`real-time host tests (${alone.length} files, one at a time)`, process.execPath, [...nodeTest, '--test-concurrency=1', ...alone]);
