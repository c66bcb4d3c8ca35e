// Benchmark of the concat engine: speed (8 takes of a 2 s stereo 48 kHz bar) and musical figures per style and strength.
// Usage: node --import tsx bench/concat-bench.ts   (writes bench/out/concat.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import type { RenderRequest } from '../src/common/engine.js';
import { ConcatEngine } from '../src/node/engines/index.js';
import { allMaterial, materialClip, materialUnavailable, type MaterialClip } from '../test/material/render-material.js';
import { detectOnsets, euclid, gridAgreement, spectralDistance, styleDescriptor } from '../test/material/style-metrics.js';

const why = materialUnavailable();
if (why) {
  console.error(`concat bench skipped: ${why}`);
  process.exit(0);
}

const request = (c: MaterialClip, strength: number, variations: number, bars = 1, seed = 1): RenderRequest => ({
  source: c.audio, bpm: c.bpm, meter: c.meter, sourceBars: c.bars, bars, variations, strength, seed,
  sampleRate: c.audio.sampleRate, channels: 2,
});

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1] ?? 0; };
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

// --- speed: 8 variations of a 2.0 s stereo 48 kHz bar (house at 120 BPM, 4/4) -----------------------
const speedClip = materialClip('house', 120, { sampleRate: 48000 });
// On a shared machine other processes inflate single runs: the minimum is the least disturbed figure.
const speed: Record<string, { firstRunMs: number; minMs: number; medianMs: number; analysisMinMs: number }> = {};
for (const strength of [1, 2, 3, 4, 5, 6]) {
  const cold: number[] = [];
  const warm: number[] = [];
  const analysis: number[] = [];
  for (let rep = 0; rep < 11; rep++) {
    // a fresh engine each time: analysis is included (a new capture is analysed once per request)
    const eng = new ConcatEngine();
    const src = { sampleRate: speedClip.audio.sampleRate, channels: speedClip.audio.channels.map((c) => c.slice()) };
    const t0 = performance.now();
    const takes = eng.renderSync({ ...request(speedClip, strength, 8, 1, rep + 1), source: src });
    const dt = performance.now() - t0;
    (rep === 0 ? cold : warm).push(dt);
    analysis.push(Number(takes[0]!.info.analysisMs));
  }
  speed[`strength${strength}`] = { firstRunMs: r3(cold[0]!), minMs: r3(Math.min(...warm)), medianMs: r3(median(warm)), analysisMinMs: r3(Math.min(...analysis)) };
}
console.log('speed (8 takes, 2.0 s stereo 48 kHz bar, analysis included):');
for (const [k, v] of Object.entries(speed)) console.log(`  ${k}: min ${v.minMs.toFixed(1)} ms, median ${v.medianMs.toFixed(1)} ms (first run ${v.firstRunMs.toFixed(1)} ms, analysis min ${v.analysisMinMs} ms)`);

// --- musical figures -------------------------------------------------------------------------------
const clips = allMaterial();
const srcDesc = clips.map((c) => styleDescriptor(c.audio));
const perStyle: Record<string, Record<string, unknown>> = {};
const byStrength: Record<number, { nn: number[]; dist: number[]; distinct: number[]; tempoOk: number[] }> = {};
const VARS = 6;
for (let ci = 0; ci < clips.length; ci++) {
  const c = clips[ci]!;
  const eng = new ConcatEngine();
  const key = `${c.style}@${c.bpm}`;
  perStyle[key] = {};
  for (let strength = 1; strength <= 6; strength++) {
    const t0 = performance.now();
    const takes = eng.renderSync(request(c, strength, VARS, 1, 11));
    const ms = performance.now() - t0;
    const dists = takes.map((t) => spectralDistance(t.audio, c.audio));
    let minPair = Infinity;
    for (let i = 0; i < takes.length; i++) for (let j = i + 1; j < takes.length; j++) minPair = Math.min(minPair, spectralDistance(takes[i]!.audio, takes[j]!.audio));
    const nn = takes.map((t) => {
      const d = styleDescriptor(t.audio);
      const own = euclid(d, srcDesc[ci]!);
      const other = Math.min(...clips.map((o, oi) => (o.style === c.style ? Infinity : euclid(d, srcDesc[oi]!))));
      return own < other ? 1 : 0;
    });
    // tempo: a 4-bar take's onsets agree better with the asked tempo than with tempos 3% and 6% off
    const two = eng.renderSync(request(c, strength, 1, 4, 5))[0]!;
    const on = detectOnsets(two.audio);
    const at = gridAgreement(on, c.bpm);
    const off = Math.max(...[0.94, 0.97, 1.03, 1.06].map((f) => gridAgreement(on, c.bpm * f)));
    const s = (byStrength[strength] ??= { nn: [], dist: [], distinct: [], tempoOk: [] });
    s.nn.push(...nn);
    s.dist.push(...dists);
    s.distinct.push(minPair);
    s.tempoOk.push(at > off ? 1 : 0);
    perStyle[key]![`strength${strength}`] = {
      msFor6Takes: r3(ms), meanDistanceDb: r3(mean(dists)), minPairwiseDistanceDb: r3(minPair),
      styleNnAccuracy: r3(mean(nn)), gridAgreement: r3(at), bestDetunedAgreement: r3(off),
    };
  }
}
const summary = Object.fromEntries(Object.entries(byStrength).map(([k, v]) => [`strength${k}`, {
  styleNnAccuracy: r3(mean(v.nn)), meanDistanceFromSourceDb: r3(mean(v.dist)), minDistanceFromSourceDb: r3(Math.min(...v.dist)),
  minPairwiseDistanceDb: r3(Math.min(...v.distinct)), tempoKept: r3(mean(v.tempoOk)),
}]));
console.log('per strength (all styles):');
for (const [k, v] of Object.entries(summary)) console.log(`  ${k}: ${JSON.stringify(v)}`);
console.log('per style and strength:');
for (const [k, v] of Object.entries(perStyle)) for (const [s, f] of Object.entries(v)) console.log(`  ${k} ${s}: ${JSON.stringify(f)}`);

mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
const load = (await import('node:os')).loadavg();
writeFileSync(new URL('./out/concat.json', import.meta.url), JSON.stringify({ speed, summary, perStyle, node: process.version, loadAverage: load, when: new Date().toISOString() }, null, 2));
console.log('wrote bench/out/concat.json');
