// Unit tests of what keeps a concat take in the groove: swing, downbeats, strong beats, declicked joins, multi-bar sources.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { RenderRequest } from '../../src/common/engine.js';
import { barsLengthSamples } from '../../src/common/timing.js';
import { ConcatEngine } from '../../src/node/engines/index.js';
import { analyseBar } from '../../src/node/engines/concat/analysis.js';
import { planTake } from '../../src/node/engines/concat/generate.js';
import { LEVEL, makeGrid } from '../../src/node/engines/concat/grid.js';
import { STRENGTH_PROFILES } from '../../src/node/engines/concat/strength.js';
import { buildStyleModel } from '../../src/node/engines/concat/style-model.js';
import { Pcg32 } from '../../src/common/dsp/prng.js';
import { synthGroove } from './concat-synth.js';

const SWING_MS = 20;
const groove = synthGroove({ bpm: 110, swingMs: SWING_MS });
const base: RenderRequest = {
  source: groove.audio, bpm: groove.bpm, meter: groove.meter, sourceBars: 1, bars: 1, variations: 6,
  strength: 3, seed: 9, sampleRate: groove.audio.sampleRate, channels: 2,
};

function maxStep(ch: Float32Array): number {
  let m = 0;
  for (let i = 1; i < ch.length; i++) m = Math.max(m, Math.abs(ch[i]! - ch[i - 1]!));
  return m;
}

describe('groove', () => {
  test('swing survives: off-beat events of the takes sit as late as in the source', async () => {
    const takes = await new ConcatEngine().render({ ...base, strength: 4, variations: 8 });
    const grid = makeGrid(base.bpm, base.meter, base.sampleRate);
    const late: number[] = [];
    for (const t of takes) {
      const a = analyseBar(t.audio.channels, grid, 1);
      // off-beat eighths; stutter repeats and sustains may add events between, so judge the typical one
      for (const u of a.units) if (u.step % 4 === 2 && u.salience > 0.2) late.push((u.offset / base.sampleRate) * 1000);
    }
    late.sort((x, y) => x - y);
    assert.ok(late.length >= 8, `off-beat events found: ${late.length}`);
    const median = late[late.length >> 1]!;
    assert.ok(Math.abs(median - SWING_MS) < 3, `off-beats are ${median.toFixed(1)} ms late (median), the source's swing is ${SWING_MS} ms`);
    const onTime = late.filter((ms) => Math.abs(ms - SWING_MS) < 4).length;
    assert.ok(onTime / late.length >= 0.8, `${onTime}/${late.length} off-beats keep the swing`);
  });

  test('the downbeat and the strong beats keep their kind of event at every strength and bar', () => {
    const grid = makeGrid(base.bpm, base.meter, base.sampleRate);
    const a = analyseBar(groove.audio.channels, grid, 1);
    const model = buildStyleModel(a, 8);
    for (let s = 0; s < 6; s++) {
      for (let seed = 1; seed <= 5; seed++) {
        const plan = planTake(a, model, STRENGTH_PROFILES[s]!, 2, seed);
        for (let step = 0; step < plan.tokens.length; step++) {
          const lv = grid.level[step % grid.stepsPerBar]!;
          if (lv === LEVEL.downbeat || lv === LEVEL.strong) assert.equal(plan.tokens[step], model.tokens[step % a.totalSteps], `strength ${s + 1} seed ${seed} step ${step}`);
        }
        const down = plan.placements.filter((p) => p.step % grid.stepsPerBar === 0);
        for (const p of down) assert.equal(p.moves.gainDb, 0, 'the downbeat keeps its weight');
      }
    }
  });

  test('generated sequences follow the source\'s own transitions far more often than shuffles of the same events do', () => {
    const grid = makeGrid(base.bpm, base.meter, base.sampleRate);
    const a = analyseBar(groove.audio.channels, grid, 1);
    const model = buildStyleModel(a, 8);
    const seen = (x: number, y: number): boolean => (model.tree.get(`1|${x}`)?.[y + 1] ?? 0) > 0;
    const share = (tokens: Int32Array): number => {
      let ok = 0;
      for (let i = 1; i < tokens.length; i++) if (seen(tokens[i - 1]!, tokens[i]!)) ok++;
      return ok / (tokens.length - 1);
    };
    let gen = 0;
    let shuf = 0;
    const rng = new Pcg32(5);
    const runs = 20;
    for (let seed = 1; seed <= runs; seed++) {
      const plan = planTake(a, model, STRENGTH_PROFILES[2]!, 2, seed);
      gen += share(plan.tokens);
      const t = Int32Array.from(plan.tokens);
      for (let i = t.length - 1; i > 0; i--) { const j = rng.int(i + 1); const x = t[i]!; t[i] = t[j]!; t[j] = x; }
      shuf += share(t);
    }
    gen /= runs;
    shuf /= runs;
    assert.ok(gen >= 0.7, `generated: ${(gen * 100).toFixed(0)}% of transitions occur in the source`);
    assert.ok(gen > shuf + 0.15, `generated ${(gen * 100).toFixed(0)}% vs shuffled ${(shuf * 100).toFixed(0)}%`);
  });

  test('joins are declicked: takes of a smooth melody never jump more than the melody itself does', async () => {
    // legato sine notes with 5 ms ramps: any hard cut at a join would jump by ~0.1..0.4, the melody by ~0.01
    const sr = 48000;
    const bpm = 110;
    const meter = { numerator: 4, denominator: 4 };
    const len = barsLengthSamples(1, bpm, meter, sr);
    const x = new Float32Array(len);
    const noteLen = Math.round((60 / bpm / 2) * sr);
    const ramp = Math.round(0.005 * sr);
    const freqs = [110, 147, 165, 196, 131, 175, 220, 147];
    for (let k = 0; k < 8; k++) {
      for (let i = 0; i < noteLen && k * noteLen + i < len; i++) {
        const env = Math.min(1, i / ramp, (noteLen - i) / ramp);
        x[k * noteLen + i] = 0.4 * env * Math.sin((2 * Math.PI * freqs[k]! * i) / sr);
      }
    }
    const src = maxStep(x);
    for (const strength of [1, 3, 6]) {
      const takes = await new ConcatEngine().render({ ...base, source: { sampleRate: sr, channels: [x, x] }, bpm, strength, bars: 2 });
      for (const t of takes) {
        const jump = Math.max(...t.audio.channels.map(maxStep));
        assert.ok(jump < src * 3, `strength ${strength} take ${t.index}: jump ${jump.toFixed(4)} vs melody ${src.toFixed(4)}`);
      }
    }
  });

  test('a two-bar source gives takes that follow its two bars', async () => {
    const one = synthGroove({ bpm: 125 });
    const n = one.audio.channels[0]!.length;
    const two = barsLengthSamples(2, 125, one.meter, 48000);
    const channels = one.audio.channels.map((ch) => {
      const out = new Float32Array(two);
      out.set(ch, 0);
      out.set(ch.subarray(0, two - n).map((v) => v * 0.5), n); // the second bar is quieter
      return out;
    });
    const takes = await new ConcatEngine().render({ ...base, source: { sampleRate: 48000, channels }, bpm: 125, sourceBars: 2, bars: 4, variations: 3 });
    for (const t of takes) assert.equal(t.audio.channels[0]!.length, barsLengthSamples(4, 125, one.meter, 48000));
  });
});
