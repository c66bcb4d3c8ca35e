// Benchmark of a MusicGen-small-shaped package (random weights): LM ms per step for each graph form and variant.
// Usage: node --import tsx bench/model-small-package.ts [FRAMES] [THREADS]   (default 100 frames = 2 s, 2 threads)
// Builds .cache/models/small with tools/model/build_package.py on first use (needs /usr/bin/python3 with torch;
// about 4 minutes and 4 GB of disk). Writes bench/out/model-small.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PackageRunner } from '../src/node/models/generate.js';
import { verifyModelPackage } from '../src/node/models/verify.js';

const FRAMES = Number(process.argv[2] ?? 100);
const THREADS = Number(process.argv[3] ?? 2);
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = `${root}.cache/models/small`;

if (!existsSync(`${dir}/manifest.json`)) {
  console.log(`building ${dir} (random weights, MusicGen-small shape) ...`);
  const r = spawnSync('/usr/bin/python3', ['tools/model/build_package.py', '--size', 'small', '--out', dir, '--no-check'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`build_package.py failed (exit ${r.status})`);
}
const verify = await verifyModelPackage(dir, { checksums: false, variants: false });
if (!verify.ok) throw new Error(`package does not verify: ${JSON.stringify(verify.problems)}`);

const style = new Float32Array(24000 * 3).map((_, i) => 0.3 * Math.sin(i * 0.02) * Math.exp(-((i % 12000) / 3000)));
const results: Record<string, unknown>[] = [];
for (const [lm, variant] of [['lm_kv', undefined], ['lm', undefined], ['lm_kv', 'int8'], ['lm_kv', 'int4']] as const) {
  const runner = await PackageRunner.open(dir, { lm, ...(variant ? { variant } : {}), intraOpNumThreads: THREADS });
  await runner.generate({ frames: 3, styleAudio: style, prompt: 'warm up', seed: 0 }); // page in the weights
  const stamps: number[] = [];
  const t0 = performance.now();
  const r = await runner.generate({
    frames: FRAMES, styleAudio: style, prompt: 'warm jazz piano with brushed drums', seed: 1,
    onStep: () => { stamps.push(performance.now()); },
  });
  const total = performance.now() - t0;
  const steps = stamps.slice(1).map((t, i) => t - stamps[i]!).sort((a, b) => a - b);
  const median = steps[Math.floor(steps.length / 2)] ?? 0;
  const row = {
    graph: lm, variant: variant ?? 'fp32', rows: r.rows, prefix: r.prefixLength, lmCalls: r.lmCalls,
    msPerStepMedian: Math.round(median * 10) / 10, msPerStepP90: Math.round((steps[Math.floor(steps.length * 0.9)] ?? 0) * 10) / 10,
    totalMs: Math.round(total), audioSeconds: FRAMES / runner.manifest.codec.frameRate,
    realTimeFactor: Math.round((total / 1000 / (FRAMES / runner.manifest.codec.frameRate)) * 100) / 100,
  };
  console.log(JSON.stringify(row));
  results.push(row);
  await runner.release();
}
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/model-small.json', import.meta.url), `${JSON.stringify({ frames: FRAMES, threads: THREADS, results, node: process.version, when: new Date().toISOString() }, null, 2)}\n`);
console.log('wrote bench/out/model-small.json');
