// Benchmark of the project library and the job queue: insert throughput (with fsync), search latency, open+sweep time, job overhead.
// Usage: node --import tsx bench/library-bench.ts [TAKES]   (default 2000 takes; writes bench/out/library.json)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobQueue } from '../src/node/jobs/job-queue.js';
import { openProject } from '../src/node/library/project-library.js';
import type { SearchQuery } from '../src/node/library/search.js';
import { captureInput, takeInput, wavBytes } from '../test/support/library-fixtures.js';

const TAKES = Number(process.argv[2] ?? 2000);
const TAKES_PER_CAPTURE = 8;
const r2 = (x: number): number => Math.round(x * 100) / 100;
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0; };

const dir = mkdtempSync(join(tmpdir(), 'sb-lib-bench-'));
try {
  const engines = ['concat', 'musicgen-style'];
  const prompts = ['dusty funk break', 'jazz waltz brushed drums', 'dark techno rumble', 'lofi piano chords', 'afrobeat percussion'];
  const meters = [{ numerator: 4, denominator: 4 }, { numerator: 3, denominator: 4 }, { numerator: 7, denominator: 8 }, { numerator: 12, denominator: 8 }];
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const lib = openProject(dir, { now: () => (clock += 60_000) });

  // Inserts of small files: the per-record cost (two fsyncs of the file and folder, one commit).
  const small = wavBytes(256, 2);
  const t0 = performance.now();
  let captures = 0;
  let takes = 0;
  while (takes < TAKES) {
    const i = captures++;
    const meter = meters[i % meters.length]!;
    const bpm = 70 + (i * 7) % 110;
    const cap = await lib.addCapture(captureInput({ bpm, meter, key: i % 3 ? 'A minor' : 'C major', audio: { bytes: small, extension: 'wav' } }, 256));
    for (let v = 0; v < TAKES_PER_CAPTURE && takes < TAKES; v++, takes++) {
      const request = { ...takeInput(cap.id).request, engineId: engines[takes % 2]!, prompt: prompts[takes % prompts.length]!, bpm, meter, variations: TAKES_PER_CAPTURE };
      await lib.addTake(takeInput(cap.id, { request, variationIndex: v, seed: takes, audio: { bytes: small, extension: 'wav' } }, 256));
    }
  }
  const smallMs = performance.now() - t0;

  // Inserts of realistic takes: 2 s of stereo 48 kHz 16-bit (384 KB).
  const big = wavBytes(96000, 2);
  const bigCap = await lib.addCapture(captureInput({ audio: { bytes: big, extension: 'wav' } }, 96000));
  const BIG = 50;
  const t1 = performance.now();
  for (let i = 0; i < BIG; i++) await lib.addTake(takeInput(bigCap.id, { audio: { bytes: big, extension: 'wav' } }, 96000));
  const bigMs = performance.now() - t1;

  // Search latency, each query run 100 times (results + total count).
  const queries: Record<string, SearchQuery> = {
    'all, newest 100': {},
    'tempo 90..110': { bpmMin: 90, bpmMax: 110 },
    'meter 7/8 + engine': { meter: '7/8', engineId: 'musicgen-style' },
    'text "brushed drums"': { text: 'brushed drums' },
    'key + date range': { key: 'c major', createdFrom: '2026-01-01T10:00:00Z', createdTo: '2026-01-02T00:00:00Z' },
    'captures by engine': { kind: 'captures', engineId: 'concat' },
  };
  const search: Record<string, { p50Ms: number; p99Ms: number; total: number }> = {};
  for (const [name, q] of Object.entries(queries)) {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < 100; i++) {
      const s = performance.now();
      total = lib.search(q).total;
      times.push(performance.now() - s);
    }
    search[name] = { p50Ms: r2(pct(times, 0.5)), p99Ms: r2(pct(times, 0.99)), total };
  }
  lib.close();

  // Reopen: migration check plus the sweep (stat of every file, listing of every folder).
  const t2 = performance.now();
  const again = openProject(dir);
  const openMs = performance.now() - t2;
  again.close();

  // Job queue overhead: trivial jobs with 10 progress reports each, 8 at a time, one listener.
  const q = new JobQueue({ concurrency: 8, maxQueued: 100_000, progressIntervalMs: 0 });
  let events = 0;
  q.subscribe(() => { events++; });
  const JOBS = 20_000;
  const t3 = performance.now();
  const hs = [];
  for (let i = 0; i < JOBS; i++) hs.push(q.submit({ kind: 'bench', run: (ctx) => { for (let k = 1; k <= 10; k++) ctx.progress(k / 10); return i; } }).result);
  await Promise.all(hs);
  const jobsMs = performance.now() - t3;

  const out = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version, tmpdir: tmpdir() },
    inserts: {
      smallFileBytes: small.length,
      captures, takes,
      recordsPerSecond: r2((captures + takes) / (smallMs / 1000)),
      msPerRecord: r2(smallMs / (captures + takes)),
      twoSecondStereoTakeBytes: big.length,
      twoSecondStereoTakesPerSecond: r2(BIG / (bigMs / 1000)),
      msPerTwoSecondStereoTake: r2(bigMs / BIG),
    },
    search: { rows: takes + BIG, ...search },
    reopenWithSweepMs: r2(openMs),
    jobs: { jobs: JOBS, events, jobsPerSecond: r2(JOBS / (jobsMs / 1000)), eventsPerSecond: r2(events / (jobsMs / 1000)) },
  };
  mkdirSync(new URL('out/', import.meta.url), { recursive: true });
  writeFileSync(new URL('out/library.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
