// Benchmark against Transformers.js: its MusicGen and the native Optimum loop on the same MusicGen-small-shaped files
// (.cache/models/optimum-small, random weights), in the same run; then the package path end to end when its files exist.
// Usage: node --import tsx bench/transformersjs.ts [FRAMES]   (default 100 frames = 2 s at 50 Hz). Writes bench/out/transformersjs.json.
// Builds .cache/models/optimum-small on first use (tools/model/build_optimum.py --size small, /usr/bin/python3 with torch,
// a few minutes, 1.7 GB). One big model is loaded at a time and released before the next.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { NativeGenerator, OptimumGenerator, loadNativeAddon } from '../src/node/native/index.js';

const FRAMES = Number(process.argv[2] ?? 100);
const GUIDANCE = 3;
const PROMPT = 'warm jazz piano with brushed drums';
const root = fileURLToPath(new URL('..', import.meta.url));
const modelsDir = `${root}.cache/models/`;
const ID = 'optimum-small';
const dir = `${modelsDir}${ID}`;
const packageDir = `${modelsDir}small`;

const r2 = (x: number) => Math.round(x * 100) / 100;
const load = () => loadavg().map(r2);
const median = (xs: ArrayLike<number>) => {
  const s = Array.from(xs).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const log = (...a: unknown[]) => console.error(...a);
const rss = () => Math.round(process.memoryUsage().rss / 1048576);

if (!existsSync(`${dir}/onnx/decoder_model_merged.onnx`)) {
  log(`building ${dir} (random weights, MusicGen-small decoder shape) ...`);
  const r = spawnSync('/usr/bin/python3', ['tools/model/build_optimum.py', '--size', 'small', '--out', dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`build_optimum.py failed (exit ${r.status})`);
}
const addon = loadNativeAddon();
const maxNewTokens = FRAMES + 3;
const out: Record<string, unknown> = {
  date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, ort: addon.info().ortVersion,
  model: dir, frames: FRAMES, seconds: FRAMES / 50, maxNewTokens, guidanceScale: GUIDANCE, picking: 'greedy', dtype: 'fp32',
  threads: 'ONNX Runtime default on both sides', loadAverageAtStart: load(), freeMemoryMiB: Math.round(freemem() / 1048576),
};

// 1. Transformers.js on the files, with its own tokenizer, loop and EnCodec call.
let tjsCodes: number[] = [];
{
  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
  tjs.env.localModelPath = modelsDir;
  const t0 = performance.now();
  const tokenizer = await tjs.AutoTokenizer.from_pretrained(ID);
  const model = await tjs.MusicgenForConditionalGeneration.from_pretrained(ID, { dtype: 'fp32' });
  const loadMs = performance.now() - t0;
  const m = model as unknown as { _apply_and_filter_by_delay_pattern_mask(o: unknown): { data: BigInt64Array } };
  const filter = m._apply_and_filter_by_delay_pattern_mask.bind(model);
  let captured: { data: BigInt64Array } | undefined;
  m._apply_and_filter_by_delay_pattern_mask = (o) => (captured = filter(o));
  const stamps: number[] = [];
  const streamer = { put: () => { stamps.push(performance.now()); }, end: () => {} };
  const run = async (n: number) => {
    stamps.length = 0;
    const t = performance.now();
    const audio = await model.generate({ ...tokenizer(PROMPT), max_new_tokens: n, do_sample: false, guidance_scale: GUIDANCE, streamer } as never) as unknown as { data: Float32Array };
    return { ms: performance.now() - t, samples: audio.data.length };
  };
  await run(4); // warm up: page the weights in
  log('transformers.js loaded in', Math.round(loadMs), 'ms; rss', rss(), 'MiB');
  const r = await run(maxNewTokens);
  // put() runs once with the start tokens, then once per step: the gaps between its calls are the steps.
  const steps = stamps.slice(2).map((s, i) => s - stamps[i + 1]!);
  tjsCodes = Array.from(captured!.data, Number);
  out.transformersjs = {
    version: (JSON.parse(readFileSync(`${root}node_modules/@huggingface/transformers/package.json`, 'utf8')) as { version: string }).version,
    loadMs: Math.round(loadMs), msPerStepMedian: r2(median(steps)), msPerStepMean: r2(steps.reduce((a, b) => a + b, 0) / steps.length),
    steps: steps.length + 1, endToEndSeconds: r2(r.ms / 1000), audioSamples: r.samples, realTimeFactor: r2(r.ms / 1000 / (FRAMES / 50)),
    rssMiB: rss(), loadAverage: load(),
  };
  log(out.transformersjs);
  await model.dispose();
}
(globalThis as { gc?: () => void }).gc?.();

// 2. The native Optimum loop on the same files.
{
  const t0 = performance.now();
  const g = await OptimumGenerator.open(dir, { provider: 'cpu' });
  const loadMs = performance.now() - t0;
  await g.generate({ prompt: PROMPT, maxNewTokens: 4, guidanceScale: GUIDANCE, greedy: true });
  const t = performance.now();
  const r = await g.generate({ prompt: PROMPT, frames: FRAMES, guidanceScale: GUIDANCE, greedy: true });
  const ms = performance.now() - t;
  const codes = r.takes[0]!.codes.flatMap((c) => Array.from(c));
  out.native = {
    provider: g.provider, loadMs: Math.round(loadMs), msPerStepMedian: r2(median(r.stepMs)), msPerStepMean: r2(r.stepMs.reduce((a, b) => a + b, 0) / r.stepMs.length),
    firstStepMs: r2(r.timings.prefillMs), textEncodeMs: r2(r.timings.textMs), decodeMs: r2(r.timings.decodeMs), steps: r.lmCalls,
    endToEndSeconds: r2(ms / 1000), realTimeFactor: r2(ms / 1000 / (FRAMES / 50)), audioSamples: r.takes[0]!.audio.length,
    greedyCodesEqualTransformersJs: JSON.stringify(codes) === JSON.stringify(tjsCodes), rssMiB: rss(), loadAverage: load(),
  };
  log(out.native);
  g.release();
}
(globalThis as { gc?: () => void }).gc?.();
const tj = out.transformersjs as { msPerStepMedian: number; endToEndSeconds: number };
const na = out.native as { msPerStepMedian: number; endToEndSeconds: number };
out.ratio = { perStep: r2(tj.msPerStepMedian / na.msPerStepMedian), endToEnd: r2(tj.endToEndSeconds / na.endToEndSeconds), target: 5 };

// 3. The package path (this project's format) end to end for the same length, text only (single guidance, 2 rows as above).
if (existsSync(`${packageDir}/manifest.json`)) {
  const rows: Record<string, unknown>[] = [];
  for (const variant of ['fp32', 'int8', 'int4', 'q8'] as const) {
    try {
      const g = await NativeGenerator.open(packageDir, { provider: 'cpu', ...(variant === 'fp32' ? {} : { variant }) });
      await g.generate({ frames: 3, prompt: PROMPT, seed: 0, greedy: true });
      const t = performance.now();
      const r = await g.generate({ frames: FRAMES, prompt: PROMPT, seed: 1, greedy: true, cfg: GUIDANCE });
      const ms = performance.now() - t;
      rows.push({ variant, lmGraph: g.lmGraph, mode: r.mode, rows: r.rows, msPerStepMedian: r2(median(r.stepMs)), endToEndSeconds: r2(ms / 1000),
        ratioEndToEndVsTransformersJs: r2(tj.endToEndSeconds / (ms / 1000)), loadAverage: load() });
      g.release();
    } catch (err) {
      rows.push({ variant, failed: (err as Error).message.slice(0, 300) });
    }
    log(rows.at(-1));
  }
  out.packagePath = { dir: packageDir, note: 'text prompt only (single guidance), greedy; the package LM takes the prompt as a prefix, not by cross-attention', rows };
} else {
  out.packagePath = { skipped: `${packageDir} is not built (bench/model-small-package.ts builds it)` };
}
out.loadAverageAtEnd = load();
out.notes = [
  'Same files, same run, one model loaded at a time. Per-step: median wall time of one decoder call after the first (Transformers.js: gaps between its streamer calls, which include its logits processing and picking).',
  'End to end: tokenize, text encoder, every decoder step, EnCodec decode; model loading excluded, weights paged in by a short warm-up run.',
  'Random weights: greedy codes are compared with Transformers.js (greedyCodesEqualTransformersJs), not judged musically.',
];
mkdirSync(`${root}bench/out`, { recursive: true });
writeFileSync(`${root}bench/out/transformersjs.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out)}\n`);
