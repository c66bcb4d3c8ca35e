// Unit tests of the DSP kit under the concat engine: FFT, PCG32, resampling, pitch shifting, grid and onset analysis.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RealFft } from '../../src/common/dsp/fft.js';
import { Pcg32, deriveSeed } from '../../src/common/dsp/prng.js';
import { resampleChannel } from '../../src/common/dsp/resample.js';
import { pitchShift } from '../../src/common/dsp/pitch-shift.js';
import { barStartSample } from '../../src/common/timing.js';
import { beatGroups, makeGrid, LEVEL } from '../../src/node/engines/concat/grid.js';
import { analyseBar, estimateKey } from '../../src/node/engines/concat/analysis.js';
import { synthGroove } from './concat-synth.js';

function peakHz(x: Float32Array, sr: number): number {
  const n = 16384;
  const f = new RealFft(n);
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  f.forward(x.subarray(0, n), re, im);
  let bk = 0, bm = 0;
  for (let k = 1; k <= n / 2; k++) { const m = Math.hypot(re[k]!, im[k]!); if (m > bm) { bm = m; bk = k; } }
  return (bk * sr) / n;
}

describe('real FFT', () => {
  test('matches a direct DFT and inverts back to the input', () => {
    const n = 64;
    const x = Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + 0.3 * Math.cos(i * 2.1) + (i % 5) * 0.1);
    const f = new RealFft(n);
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    f.forward(x, re, im);
    for (let k = 0; k <= n / 2; k++) {
      let r = 0, m = 0;
      for (let j = 0; j < n; j++) { r += x[j]! * Math.cos((-2 * Math.PI * k * j) / n); m += x[j]! * Math.sin((-2 * Math.PI * k * j) / n); }
      assert.ok(Math.abs(r - re[k]!) < 1e-9 && Math.abs(m - im[k]!) < 1e-9, `bin ${k}`);
    }
    const y = new Float64Array(n);
    f.inverse(re, im, y);
    for (let j = 0; j < n; j++) assert.ok(Math.abs(y[j]! - x[j]!) < 1e-12);
  });

  test('refuses a size that is not a power of two', () => {
    assert.throws(() => new RealFft(1000), RangeError);
  });
});

describe('PCG32', () => {
  test('gives the reference sequence of pcg32 for seed 42, stream 54', () => {
    const r = new Pcg32(42, 54);
    assert.deepEqual([r.nextU32(), r.nextU32(), r.nextU32()], [0xa15c02b7, 0x7b47f409, 0xba1d3330]);
  });

  test('derived seeds differ per index and repeat per input', () => {
    assert.equal(deriveSeed(7, 3), deriveSeed(7, 3));
    assert.notEqual(deriveSeed(7, 3), deriveSeed(7, 4));
    assert.notEqual(deriveSeed(7, 3), deriveSeed(8, 3));
  });
});

describe('resampling and pitch shifting', () => {
  test('resampling 44.1 kHz to 48 kHz keeps a 1 kHz sine within -100 dB error', () => {
    const s = new Float32Array(4410);
    for (let i = 0; i < s.length; i++) s[i] = Math.sin((2 * Math.PI * 1000 * i) / 44100);
    const r = resampleChannel(s, 44100, 48000);
    assert.equal(r.length, 4800);
    let err = 0;
    for (let i = 200; i < r.length - 200; i++) err = Math.max(err, Math.abs(r[i]! - Math.sin((2 * Math.PI * 1000 * i) / 48000)));
    assert.ok(err < 1e-5, `max error ${err}`);
  });

  test('a pitch shift moves a tone by the asked interval and keeps length and level', () => {
    const sr = 48000;
    const x = new Float32Array(24000);
    for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 220 * i) / sr);
    for (const semis of [4, -5]) {
      const [y] = pitchShift([x], semis, sr);
      assert.equal(y!.length, x.length);
      const want = 220 * Math.pow(2, semis / 12);
      assert.ok(Math.abs(peakHz(y!.subarray(2000), sr) - want) < 4, `shift ${semis}`);
      let e = 0;
      for (let i = 4000; i < 20000; i++) e += y![i]! ** 2;
      assert.ok(Math.abs(Math.sqrt(e / 16000) - 0.5 / Math.SQRT2) < 0.03);
    }
  });
});

describe('grid', () => {
  test('groups 7/8 as 2+2+3, 6/8 in threes, 4/4 in twos', () => {
    assert.deepEqual(beatGroups(7, 8), [0, 2, 4]);
    assert.deepEqual(beatGroups(6, 8), [0, 3]);
    assert.deepEqual(beatGroups(4, 4), [0, 2]);
  });

  test('bar lines of the grid are the timing module\'s bar starts, and levels mark the downbeat and strong beats', () => {
    const g = makeGrid(133, { numerator: 7, denominator: 8 }, 44100);
    assert.equal(g.stepsPerBar, 14);
    for (const bar of [1, 2, 5]) assert.equal(g.stepSample(bar * g.stepsPerBar), barStartSample(bar, 133, { numerator: 7, denominator: 8 }, 44100));
    assert.equal(g.level[0], LEVEL.downbeat);
    assert.equal(g.level[4], LEVEL.strong);
    assert.equal(g.level[2], LEVEL.beat);
  });

  test('coarsens the grid when sixteenths would be shorter than 60 ms', () => {
    const g = makeGrid(400, { numerator: 4, denominator: 4 }, 48000);
    assert.ok(g.stepsPerBeat < 4);
  });
});

describe('bar analysis', () => {
  test('finds one unit per event on the grid and keeps swung micro-timing', () => {
    const { audio, bpm, meter, events } = synthGroove({ bpm: 120, swingMs: 18 });
    const g = makeGrid(bpm, meter, audio.sampleRate);
    const a = analyseBar(audio.channels, g, 1);
    const steps = a.units.map((u) => u.step);
    for (const e of events) assert.ok(steps.includes(e.step), `event at step ${e.step} found (${steps.join(',')})`);
    const swung = a.units.filter((u) => u.step % 4 === 2);
    assert.ok(swung.length >= 3);
    for (const u of swung) assert.ok(Math.abs((u.offset / audio.sampleRate) * 1000 - 18) < 4, `offset ${(u.offset / audio.sampleRate) * 1000} ms`);
    for (const u of a.units.filter((x) => x.step % 4 === 0)) assert.ok(Math.abs(u.offset / audio.sampleRate) < 0.004);
  });

  test('estimates A minor from an A minor chroma', () => {
    const chroma = new Array<number>(12).fill(0.02);
    for (const pc of [9, 0, 4]) chroma[pc] = 1;
    chroma[2] = 0.4;
    chroma[7] = 0.4;
    const k = estimateKey(chroma);
    assert.equal(k.tonic, 9);
    assert.equal(k.mode, 'minor');
  });
});
