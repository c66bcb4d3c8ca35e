// Fitting generated audio to bars: beat tracking, WSOLA time-stretch and the alignment error measure.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { beatAlignmentErrorMs, fitToBars, streamsForStrength, styleExcerpt, trackBeats, wsolaStretch } from '../../src/node/engines/musicgen-style/index.js';

const SR = 32000;

/** Noise-burst "drums" on every beat at `bpm`, the first at `first` seconds, accents on 1 and 3, light noise floor. */
function groove(bpm: number, first: number, seconds: number, seed = 1): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  let k = 0;
  for (let t = first; t < seconds; t += 60 / bpm, k++) {
    const i0 = Math.round(t * SR);
    const amp = k % 2 === 0 ? 0.8 : 0.5;
    for (let i = 0; i < 2400 && i0 + i < x.length; i++) x[i0 + i]! += amp * rnd() * Math.exp(-i / 400) + 0.3 * Math.sin((2 * Math.PI * 60 * i) / SR) * Math.exp(-i / 800);
  }
  for (let i = 0; i < x.length; i++) x[i]! += 0.005 * rnd();
  return x;
}

describe('fitting generated audio to bars', () => {
  for (const [bpm, first] of [[126, 0.11], [113, 0.27], [138, 0.04], [120, 0.2]] as const) {
    test(`tracks a ${bpm} BPM groove starting at ${first} s and moves its beats onto a 120 BPM grid`, () => {
      const x = groove(bpm, first, 9);
      const host = 0.5;
      const tr = trackBeats(x, SR, host);
      assert.ok(Math.abs(tr.periodSeconds - 60 / bpm) < 0.004, `period ${tr.periodSeconds} vs ${60 / bpm}`);
      assert.ok(Math.abs(tr.phaseSeconds - first) < 0.012, `first beat ${tr.phaseSeconds} vs ${first}`);
      const out = 4 * 2 * SR; // 4 bars of 4/4 at 120
      const r = fitToBars(x, SR, host, out);
      assert.equal(r.audio.length, out);
      // beats are located to one onset hop (8 ms at 32 kHz)
      assert.ok(r.errorAfterMs < 12, `after ${r.errorAfterMs} ms`);
      if (bpm !== 120) assert.ok(r.errorBeforeMs > 3 * r.errorAfterMs, `before ${r.errorBeforeMs} ms, after ${r.errorAfterMs} ms`);
      assert.ok(Math.abs(r.stretch - host / (60 / bpm)) < 0.01, `stretch ${r.stretch}`);
    });
  }

  test('WSOLA changes the duration but keeps the pitch of a tone', () => {
    const f = 440;
    const x = Float32Array.from({ length: SR * 2 }, (_, i) => Math.sin((2 * Math.PI * f * i) / SR));
    const y = wsolaStretch(x, SR, 0, 1 / 1.2, Math.round(SR * 2.2));
    assert.equal(y.length, Math.round(SR * 2.2));
    let crossings = 0;
    const mid = y.subarray(SR / 2, SR / 2 + SR);
    for (let i = 1; i < mid.length; i++) if (mid[i - 1]! < 0 && mid[i]! >= 0) crossings++;
    assert.ok(Math.abs(crossings - f) <= 3, `${crossings} cycles in one second`);
    let peak = 0;
    for (const v of mid) peak = Math.max(peak, Math.abs(v));
    assert.ok(peak > 0.9 && peak < 1.1, `peak ${peak}`);
  });

  test('the alignment error is the mean distance to the nearest grid beat, ignoring beats outside the take', () => {
    assert.ok(Math.abs(beatAlignmentErrorMs([0, 0.51, 0.98, 5], 0.5, 2) - (0 + 10 + 20) / 3) < 1e-9);
    assert.ok(Number.isNaN(beatAlignmentErrorMs([], 0.5, 2)));
  });

  test('strength maps to style streams: 6 uses every codebook, 1 the fewest', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((s) => streamsForStrength(s, 6)), [1, 2, 3, 4, 5, 6]);
    assert.equal(streamsForStrength(1, 3), 1);
    assert.equal(streamsForStrength(6, 3), 3);
  });

  test('the style excerpt is mono at the style rate, the default length, looped up to the minimum', () => {
    const style = { sampleRate: 24000, excerptSeconds: { min: 1.5, max: 4.5, default: 3 }, maxStreams: 6, frontend: { kernel: 400, hop: 320 }, downsample: 15 };
    const long = { sampleRate: 48000, channels: [new Float32Array(48000 * 8).fill(0.5), new Float32Array(48000 * 8).fill(-0.1)] };
    const e = styleExcerpt(long, style);
    assert.equal(e.length, 72000);
    assert.ok(Math.abs(e[36000]! - 0.2) < 1e-3);
    const short = { sampleRate: 24000, channels: [Float32Array.from({ length: 24000 }, (_, i) => i / 24000)] };
    const s = styleExcerpt(short, style);
    assert.equal(s.length, 36000);
    assert.equal(s[24000 + 5], s[5]);
  });
});
