// Benchmark of the native generation loop on the MusicGen-small-shaped package: ms per LM step (lm_fused and lm_kv;
// fp32/int8/int4/q8, batch 2 and 3, cache lengths 0/50/100/150) against the memory-bandwidth floor, the JavaScript loops on the same
// files in the same run, and the end-to-end real-time factor of one 2 s bar.
// Usage: node --import tsx bench/native-step.ts [THREADS]   (default 2). Writes bench/out/native.json.
// Builds .cache/models/small on first use (tools/model/build_package.py, /usr/bin/python3 with torch, ~4 min, 4 GB).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MusicgenStyleEngine } from '../src/node/engines/musicgen-style/index.js';
import { fitToBars } from '../src/node/engines/musicgen-style/fit.js';
import { PackageRunner } from '../src/node/models/generate.js';
import { readManifest } from '../src/node/models/manifest.js';
import { NativeGenerator, loadNativeAddon } from '../src/node/native/index.js';

const THREADS = Number(process.argv[2] ?? 2);
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = `${root}.cache/models/small`;
const LENGTHS = [0, 50, 100, 150];
const JS_FRAMES = 40;

if (!existsSync(`${dir}/manifest.json`)) {
  console.error(`building ${dir} (random weights, MusicGen-small shape) ...`);
  const r = spawnSync('/usr/bin/python3', ['tools/model/build_package.py', '--size', 'small', '--out', dir, '--no-check'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`build_package.py failed (exit ${r.status})`);
}
const addon = loadNativeAddon();
const m = await readManifest(dir);
const { dim: D, layers: L, heads: H } = m.lm;
const dh = D / H;
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const median = (xs: ArrayLike<number>) => {
  const s = Array.from(xs).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const log = (...a: unknown[]) => console.error(...a);

const out: Record<string, unknown> = {
  date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, threads: THREADS,
  ort: addon.info().ortVersion, package: dir, loadAverageAtStart: load(),
};

// Memory bandwidth, measured in this run (the floor divides the bytes a step must read by it).
// The best of three samples: on a shared machine a low sample would lower the floor's bar, not the kernels'.
const bwSamples = [0, 1, 2].map(() => addon.memoryBandwidth(1024, THREADS, 5));
const bw = { oneThreadGBs: r2(addon.memoryBandwidth(1024, 1, 5)), threadsGBs: r2(Math.max(...bwSamples)), threadsSamplesGBs: bwSamples.map(r2), loadAverage: load() };
out.memoryBandwidth = bw;
log('bandwidth', bw);

const style = new Float32Array(24000 * 3).map((_, i) => 0.3 * Math.sin(i * 0.02) * Math.exp(-((i % 12000) / 3000)));
const prompt = 'warm jazz piano with brushed drums';
type LmGraph = 'lm' | 'lm_kv' | 'lm_fused';
// q8 (com.stylebridge.Q8MatMul) runs only in the addon; its JavaScript comparison uses the int8 files.
const hasVariant = (g: LmGraph, v: string) => v === 'fp32' || m.graphs[g]?.variants[v] !== undefined;
const variants = ['fp32', 'int8', 'int4', 'q8'].filter((v) => hasVariant('lm_fused', v) || hasVariant('lm_kv', v));
const jsVariantOf = (v: string) => (v === 'q8' ? 'int8' : v);
const fileOf = (graph: LmGraph, v: string) => join(dir, v === 'fp32' ? m.graphs[graph]!.file : m.graphs[graph]!.variants[v]!);
// The native loop runs lm_fused when the package has it (the default) and lm_kv otherwise; both are measured.
const nativeGraphs = (m.graphs.lm_fused ? ['lm_fused', 'lm_kv'] : ['lm_kv']) as ('lm_fused' | 'lm_kv')[];
const jsForms = (m.graphs.lm_fused ? ['lm_fused', 'lm_kv', 'lm'] : ['lm_kv', 'lm']) as LmGraph[];

const steps: Record<string, unknown>[] = [];
const versusJs: Record<string, unknown>[] = [];
const endToEnd: Record<string, unknown>[] = [];
for (const variant of variants) {
  const graphs = nativeGraphs.filter((x) => hasVariant(x, variant));
  for (const lmGraph of graphs.slice(1)) await stepRows(lmGraph, variant);
  const g = await stepRows(graphs[0]!, variant, true);
  const jsVariant = jsVariantOf(variant);
  // Native vs the JavaScript loops on the same request (double guidance = batch 3; single = batch 2).
  for (const [mode, cfgBeta] of [['double', 5], ['single', null]] as const) {
    const req = { frames: JS_FRAMES, styleAudio: style, prompt, seed: 1, cfgBeta, decode: false };
    await g.generate({ ...req, frames: 4 });
    const nat = await g.generate(req);
    const nativeMs = median(nat.stepMs);
    const row: Record<string, unknown> = { variant, jsVariant, mode, rows: nat.rows, frames: JS_FRAMES, nativeMsPerStep: r2(nativeMs) };
    row.nativeLmGraph = g.lmGraph;
    for (const form of jsForms) {
      if (!hasVariant(form, jsVariant)) continue;
      const runner = await PackageRunner.open(dir, { lm: form, ...(jsVariant === 'fp32' ? {} : { variant: jsVariant }), intraOpNumThreads: THREADS });
      await runner.generate({ ...req, frames: 4 });
      const stamps: number[] = [];
      await runner.generate({ ...req, onStep: () => { stamps.push(performance.now()); } });
      await runner.release();
      const js = median(stamps.slice(1).map((s, i) => s - stamps[i]!));
      row[`js_${form}_msPerStep`] = r2(js);
      row[`speedupVs_js_${form}`] = r2(js / nativeMs);
    }
    row.loadAverage = load();
    versusJs.push(row);
    log(row);
  }
  // End to end: style encode, text encode, a 2 s bar (100 frames), decode, fit; then the engine's own render.
  {
    const t0 = performance.now();
    const r = await g.generate({ frames: 100, styleAudio: style, prompt, seed: 2, decode: true });
    const tf = performance.now();
    fitToBars(r.takes[0]!.audio, m.codec.sampleRate, 0.5, 2 * m.codec.sampleRate);
    const fitMs = performance.now() - tf;
    const wall = performance.now() - t0;
    const row = {
      variant, lmGraph: g.lmGraph, seconds: 2, frames: 100, rows: r.rows, timings: Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, r2(v)])),
      fitMs: r2(fitMs), wallMs: Math.round(wall), rtf: r2(wall / 2000), msPerStepMedian: r2(median(r.stepMs)), loadAverage: load(),
    };
    endToEnd.push(row);
    log(row);
  }
  g.release();
  {
    const engine = new MusicgenStyleEngine({ model: dir, provider: 'cpu', intraOpThreads: THREADS, ...(variant === 'fp32' ? {} : { variant }) });
    const src = { sampleRate: 48000, channels: [new Float32Array(96000).map((_, i) => 0.4 * Math.sin(i * 0.05) * Math.exp(-((i % 24000) / 4000)))] };
    const req = { source: src, bpm: 120, meter: { numerator: 4, denominator: 4 }, sourceBars: 1, bars: 1, variations: 1, strength: 3, seed: 5, sampleRate: 48000, channels: 2, prompt };
    await engine.render(req); // opens the sessions
    const t0 = performance.now();
    const takes = await engine.render(req);
    const wall = performance.now() - t0;
    const info = takes[0]!.info;
    endToEnd.push({ variant, engineRender: true, bars: 1, seconds: 2, framesGenerated: info.frames, wallMs: Math.round(wall), rtf: r2(wall / 2000), generateMs: info.generateMs, fitMs: info.fitMs, beatErrorBeforeMs: info.beatErrorBeforeMs, beatErrorAfterMs: info.beatErrorAfterMs, loadAverage: load() });
    log(endToEnd.at(-1));
    await engine.close();
  }
}
/** Step times of one LM graph and variant (batch 2 and 3, cache lengths LENGTHS); keeps the generator open when asked. */
async function stepRows(lmGraph: 'lm_fused' | 'lm_kv', variant: string, keep?: false): Promise<undefined>;
async function stepRows(lmGraph: 'lm_fused' | 'lm_kv', variant: string, keep: true): Promise<NativeGenerator>;
async function stepRows(lmGraph: 'lm_fused' | 'lm_kv', variant: string, keep = false): Promise<NativeGenerator | undefined> {
  const weights = statSync(fileOf(lmGraph, variant)).size;
  const g = await NativeGenerator.open(dir, { provider: 'cpu', intraOpThreads: THREADS, lmGraph, ...(variant === 'fp32' ? {} : { variant }) });
  log(lmGraph, variant, 'opened on', g.provider);
  for (const batch of [2, 3]) {
    await g.benchSteps(batch, 0, 6); // page the weights in
    const t = await g.benchSteps(batch, 0, Math.max(...LENGTHS) + 3);
    for (const len of LENGTHS) {
      // call i runs with i + 1 cached positions; the median and the fastest of the calls around the asked length
      const lo = Math.max(0, len - 3), hi = Math.min(t.length, len + 2);
      const ms = median(t.subarray(lo, hi));
      const best = Math.min(...t.subarray(lo, hi));
      const kv = 2 * L * batch * H * (len + 1) * dh * 4;
      const floorMs = ((weights + kv) / (bw.threadsGBs * 1e9)) * 1000;
      steps.push({ lmGraph, variant, batch, cacheLength: len, msPerStep: r2(ms), msPerStepFastest: r2(best), floorMs: r2(floorMs), overFloor: r2(ms / floorMs), fastestOverFloor: r2(best / floorMs), weightBytes: weights, kvBytes: kv, loadAverage: load() });
      log(lmGraph, variant, 'batch', batch, 'len', len, r2(ms), 'ms (fastest', r2(best), '); floor', r2(floorMs));
    }
  }
  if (keep) return g;
  g.release();
  return undefined;
}

// The bandwidth ONNX Runtime itself reached: the best bytes-per-millisecond of any step above. When it beats the
// measured figure, the floor taken from it (bestFloorMs) is the stricter one, and overBestFloor the ratio to meet.
const effectiveGBs = Math.max(...steps.map((r) => ((r.weightBytes as number) + (r.kvBytes as number)) / (r.msPerStepFastest as number) / 1e6));
const strictGBs = Math.max(effectiveGBs, bw.threadsGBs);
for (const r of steps) {
  const bestFloorMs = (((r.weightBytes as number) + (r.kvBytes as number)) / (strictGBs * 1e9)) * 1000;
  r.bestFloorMs = r2(bestFloorMs);
  r.overBestFloor = r2((r.msPerStep as number) / bestFloorMs);
}
out.effectiveBandwidthGBs = r2(effectiveGBs);
out.steps = steps;
out.versusJs = versusJs;
out.endToEnd = endToEnd;
out.memoryBandwidthAtEnd = { threadsGBs: r2(addon.memoryBandwidth(1024, THREADS, 5)), loadAverage: load() };
out.loadAverageAtEnd = load();
out.notes = [
  'floorMs = (LM weight file bytes + valid KV bytes) / measured read bandwidth with the same thread count (the best of three samples at the start; memoryBandwidthAtEnd is a fourth, taken after the run); the fixed-capacity graph may read the whole cache buffer (capacity = 154 positions here), which the floor leaves out.',
  'js_lm_fused: PackageRunner over lm_fused (onnxruntime-node cannot bind outputs in place, so the whole cache comes back each call); js_lm_kv: PackageRunner over lm_kv (fixed buffers, new K/V copied by JS); js_lm: PackageRunner over lm (the naive growing-cache loop). Same files, same thread count, same run.',
  'effectiveBandwidthGBs: the highest read rate a step reached in this run (bytes / fastest call); bestFloorMs uses max(measured, effective) bandwidth, the stricter floor, and overBestFloor is the median step against it.',
  'msPerStep is the median of the 5 calls around each cache length, msPerStepFastest the fastest of them: the machine is shared, so the fastest call is the figure least disturbed by other load.',
  'engineRender generates 1.3x the bar plus one beat (the fit margin) before fitting, so it runs more steps than the 100-frame row.',
  'Random weights: beat errors of the engine row are measured on noise-like audio and say nothing about musical quality.',
];
mkdirSync(`${root}bench/out`, { recursive: true });
writeFileSync(`${root}bench/out/native.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out)}\n`);
