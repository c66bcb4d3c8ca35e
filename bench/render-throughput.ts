// Render throughput end to end, as the CLI does it: decode a file, render N variations with the default engine, encode WAVs.
// Usage: node --import tsx bench/render-throughput.ts [ROUNDS]   (default 5; writes bench/out/render.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import { frameCount } from '../src/common/audio-buffer.js';
import { TempoMap, parseMeter } from '../src/common/timing.js';
import { decodeAudio, encodeTake, encodeWav } from '../src/node/audio/index.js';
import { getEngine } from '../src/node/engines/index.js';
import { materialClip, materialUnavailable } from '../test/material/render-material.js';

const rounds = Number(process.argv[2] ?? 5);
const why = materialUnavailable();
if (why) {
  console.log(JSON.stringify({ bench: 'render', skipped: why }));
  process.exit(0);
}
const clip = materialClip('house', 124);
const wav = encodeWav(clip.audio, { encoding: 'pcm24' });
const engine = getEngine();
const meter = parseMeter('4/4');
const results: Array<{ variations: number; bars: number; msTotal: number; msDecode: number; msRender: number; msEncode: number; audioSecondsOut: number; realtimeFactor: number }> = [];
for (const [variations, bars] of [[8, 1], [8, 4]] as const) {
  const samples: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const source = (await decodeAudio(wav)).audio;
    const t1 = performance.now();
    const takes = await engine.render({ source, bpm: 124, meter, sourceBars: 1, bars, variations, strength: 3, seed: r + 1, sampleRate: 48000, channels: 2 });
    const t2 = performance.now();
    const map = TempoMap.constant(124, meter, 48000);
    let out = 0;
    for (const t of takes) {
      encodeTake(t.audio, { format: 'wav', encoding: 'pcm24', placement: { map, fromBar: 0, bars }, measureLoudness: true });
      out += frameCount(t.audio) / 48000;
    }
    const t3 = performance.now();
    samples.push([t3 - t0, t1 - t0, t2 - t1, t3 - t2, out]);
  }
  const median = (i: number) => samples.map((s) => s[i]!).sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  const msTotal = median(0);
  results.push({ variations, bars, msTotal, msDecode: median(1), msRender: median(2), msEncode: median(3), audioSecondsOut: median(4), realtimeFactor: median(4) / (msTotal / 1000) });
}
const report = { bench: 'render', engine: engine.id, source: '1 bar house 124 BPM, 48 kHz stereo', rounds, results, note: 'median of rounds; realtimeFactor = seconds of audio written per second of wall time' };
mkdirSync(new URL('out/', import.meta.url), { recursive: true });
writeFileSync(new URL('out/render.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report));
