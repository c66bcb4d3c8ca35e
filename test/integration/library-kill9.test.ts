// The library's crash test: a writer process is killed with SIGKILL at random moments; the project must stay consistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openProject } from '../../src/node/library/project-library.js';
import { isAtomicTempName } from '../../src/node/fs-atomic.js';
import { readWavHeader } from '../support/library-fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = join(ROOT, 'test/support/library-writer-child.ts');
/**
 * Bounded: this many kills, each 5..60 ms after a mark, taken in turn: the child being loaded (so kills
 * also land in the open, migration and sweep), its first committed capture, or its first committed
 * bounce (so the later runs have done real work of every kind, however loaded the machine is).
 */
const MARKS = ['loaded', 'committed', 'bounced'] as const;
type Mark = (typeof MARKS)[number];
const KILLS = 20;
const MIN_DELAY_MS = 5;
const MAX_DELAY_MS = 60;

interface RunResult { swept: number; delayMs: number; signal: string | null }

function runAndKill(dir: string, seed: number, delayMs: number, mark: Mark): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(seed)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.stdout.on('data', (d: string) => {
      out += d;
      const due = mark === 'loaded' ? out.startsWith('ready') : mark === 'committed' ? /^c$/m.test(out) : /^b$/m.test(out);
      if (due && !timer) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited by itself (code ${code}, signal ${signal}): ${err}`));
      const line = out.split('\n').find((l) => l.startsWith('{'));
      resolve({ swept: line ? (JSON.parse(line) as { swept: number }).swept : 0, delayMs, signal });
    });
  });
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

test('a writer killed with SIGKILL at random moments leaves a consistent project with no half-written or unreferenced files', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-kill9-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const seed = Number(process.env.SB_KILL9_SEED ?? Date.now() % 1_000_000);
  t.diagnostic(`seed ${seed} (set SB_KILL9_SEED to repeat)`);
  let r = seed;
  const runs: RunResult[] = [];
  for (let i = 0; i < KILLS; i++) {
    r = (r * 1103515245 + 12345) % 2147483648;
    const delay = MIN_DELAY_MS + (r % (MAX_DELAY_MS - MIN_DELAY_MS + 1));
    runs.push(await runAndKill(dir, seed + i, delay, MARKS[i % MARKS.length]!));
  }

  // The database file as the last killed writer left it, before any sweep: SQLite's own check.
  const raw = new Database(join(dir, 'stylebridge.db'));
  assert.deepEqual(raw.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  assert.deepEqual(raw.pragma('foreign_key_check'), []);
  raw.close();

  const lib = openProject(dir);
  t.after(() => lib.close());
  const sweep = lib.openSweep!;
  assert.deepEqual(lib.checkIntegrity(), []);
  assert.deepEqual(sweep.missing, [], 'no committed row may lose its file');
  assert.deepEqual(sweep.damaged, [], 'no committed row may point to a partial file');

  // Every row's file exists, has the recorded size and hash, and is a whole WAV of the recorded length.
  const captures = lib.search({ kind: 'captures', limit: 1000 });
  const takes = lib.search({ kind: 'takes', includeDeleted: true, limit: 1000 });
  const bounces = lib.listBounces();
  const referenced = new Set<string>();
  const checkFile = (rec: { file: string; bytes: number; sha256: string; status: string }, frames?: number): void => {
    assert.equal(rec.status, 'ok', rec.file);
    const bytes = readFileSync(lib.pathOf(rec));
    assert.equal(bytes.length, rec.bytes, rec.file);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), rec.sha256, rec.file);
    const wav = readWavHeader(bytes);
    if (frames !== undefined) assert.equal(wav.frames, frames, rec.file);
    referenced.add(lib.pathOf(rec));
  };
  for (const c of captures.items) checkFile(c, c.frames);
  for (const tk of takes.items) checkFile(tk, tk.frames);
  for (const b of bounces) for (const s of b.stems) checkFile(s);

  // No temp files and no audio files that no row references, anywhere in the project.
  const files = walk(dir).filter((f) => !/stylebridge\.(db|lock)(-wal|-shm|-journal)?$/.test(f));
  assert.deepEqual(files.filter((f) => isAtomicTempName(f.split('/').pop()!)), []);
  assert.deepEqual(files.filter((f) => !referenced.has(f)), []);

  const leftovers = runs.reduce((n, x) => n + x.swept, 0) + sweep.removedTemp.length + sweep.removedOrphans.length;
  t.diagnostic(`${KILLS} kills; rows: ${captures.total} captures, ${takes.total} takes, ${bounces.length} bounces; leftovers swept: ${leftovers}`);
  // The test only proves something if the kills landed mid-write: demand real work and real leftovers.
  const markedRuns = (m: Mark): number => Array.from({ length: KILLS }, (_, i) => MARKS[i % MARKS.length]).filter((x) => x === m).length;
  assert.ok(captures.total >= markedRuns('committed') + markedRuns('bounced'), `the writers recorded only ${captures.total} captures`);
  assert.ok(bounces.length >= markedRuns('bounced'), `the writers recorded only ${bounces.length} bounces`);
  assert.ok(leftovers > 0, 'no kill landed between a file write and its commit; the crash windows were not exercised');
});
