// Fitting to bars with downbeats: beat 1 of synthetic metronomes lands on sample 0, and audio without beats is never made worse.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FIT_DEFAULTS, estimateDownbeat, fitToBars, trackBeats } from '../../src/node/engines/musicgen-style/fit.js';

/** How far the planted beat 1 may land from output sample 0 (the onset measure is accurate to ~1 ms). */
const START_TOLERANCE_MS = 4;
/** Peak levels that tell a beat-1 click (about 0.7..1) from the others (about 0.3..0.45) after the stretch. */
const LOUD = 0.55;
const SOFT = 0.5;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
}

interface Metronome {
  readonly rate: number;
  /** Beat period of the "generated" audio, seconds. */
  readonly beat: number;
  /** Time of the first click, seconds. */
  readonly first: number;
  readonly seconds: number;
  readonly beatsPerBar: number;
  /** Index of the first click that is beat 1 (the clicks before it are a pickup). */
  readonly downbeat: number;
  /** Accented clicks' level over the others' (1 = no accents). */
  readonly accent?: number;
}

/** Clicks (a 1.5 kHz ping with some noise, 4 ms decay) on every beat, beat 1 louder, levels jittered 10%, a faint noise floor. */
function metronome(m: Metronome, seed = 3): Float32Array {
  const x = new Float32Array(Math.round(m.seconds * m.rate));
  const rnd = lcg(seed);
  const tau = 0.004 * m.rate;
  for (let k = 0, t = m.first; t < m.seconds; k++, t += m.beat) {
    const one = (((k - m.downbeat) % m.beatsPerBar) + m.beatsPerBar) % m.beatsPerBar === 0;
    const level = (one ? 1 : 1 / (m.accent ?? 2.5)) * (1 + 0.1 * rnd());
    const i0 = Math.round(t * m.rate);
    for (let i = 0; i < 12 * tau && i0 + i < x.length; i++) {
      x[i0 + i]! += level * (0.8 * Math.sin((2 * Math.PI * 1500 * i) / m.rate) + 0.2 * rnd()) * Math.exp(-i / tau);
    }
  }
  for (let i = 0; i < x.length; i++) x[i]! += 0.003 * rnd();
  return x;
}

/** Largest |sample| of `y` within [t - before, t + after) seconds. */
function peakAround(y: Float32Array, rate: number, t: number, before = 0.004, after = 0.012): number {
  let p = 0;
  for (let i = Math.max(0, Math.round((t - before) * rate)); i < Math.min(y.length, Math.round((t + after) * rate)); i++) p = Math.max(p, Math.abs(y[i]!));
  return p;
}

/** What the engine hands the fit: enough audio for `bars` bars at 1.3x the host beat, plus one beat. */
function engineSeconds(bars: number, beatsPerBar: number, hostBeat: number): number {
  return (bars * beatsPerBar * hostBeat + hostBeat) * FIT_DEFAULTS.maxTempoRatio;
}

describe('fitting to bars: downbeats', () => {
  const cases = [
    { meter: '4/4', beatsPerBar: 4, host: 0.5, beat: 0.55, rate: 44100, downbeat: 1 },
    { meter: '4/4', beatsPerBar: 4, host: 0.5, beat: 0.45, rate: 48000, downbeat: 3 },
    { meter: '4/4', beatsPerBar: 4, host: 0.5, beat: 0.41, rate: 48000, downbeat: 2 },
    { meter: '3/4', beatsPerBar: 3, host: 0.5, beat: 0.6, rate: 44100, downbeat: 2 },
    { meter: '3/4', beatsPerBar: 3, host: 0.5, beat: 0.43, rate: 48000, downbeat: 0 },
    { meter: '7/8', beatsPerBar: 7, host: 0.25, beat: 0.22, rate: 48000, downbeat: 4 },
    { meter: '7/8', beatsPerBar: 7, host: 0.25, beat: 0.28, rate: 44100, downbeat: 6 },
  ] as const;
  for (const c of cases) {
    test(`in ${c.meter} at ${c.rate} Hz, clicks every ${c.beat} s (host beat ${c.host} s) whose beat 1 is click ${c.downbeat} start the take on that click, on the host grid`, () => {
      const bars = 2;
      const first = 0.061;
      const x = metronome({ rate: c.rate, beat: c.beat, first, seconds: engineSeconds(bars, c.beatsPerBar, c.host), beatsPerBar: c.beatsPerBar, downbeat: c.downbeat });
      const barOut = c.beatsPerBar * c.host;
      const outLength = Math.round(bars * barOut * c.rate);
      const r = fitToBars(x, c.rate, c.host, outLength, { beatsPerBar: c.beatsPerBar });
      assert.equal(r.audio.length, outLength);
      assert.equal(r.applied, 'stretch');
      assert.equal(r.reason, 'beats-tracked');
      assert.equal(r.downbeat.offset, c.downbeat, `scores ${r.downbeat.scores.map((s) => s.toFixed(2)).join(', ')}`);
      assert.ok(r.downbeat.confidence >= FIT_DEFAULTS.minDownbeatConfidence, `confidence ${r.downbeat.confidence}`);
      assert.equal(r.downbeat.applied, true);
      const planted = first + c.downbeat * c.beat;
      assert.ok(Math.abs(r.startSeconds - planted) * 1000 < START_TOLERANCE_MS, `beat 1 at ${planted} s, take starts at ${r.startSeconds} s`);
      assert.ok(Math.abs(r.stretch - c.host / c.beat) < 0.005, `stretch ${r.stretch} vs ${c.host / c.beat}`);
      assert.ok(r.errorAfterMs < r.errorBeforeMs, `before ${r.errorBeforeMs} ms, after ${r.errorAfterMs} ms`);
      assert.ok(r.errorAfterMs < 5, `after ${r.errorAfterMs} ms`);
      // In the audio itself: the first sample is beat 1 (loud), every bar line holds a loud click, every other host beat a soft one.
      let onset = 0;
      while (onset < r.audio.length && Math.abs(r.audio[onset]!) < 0.15) onset++;
      assert.ok((onset / c.rate) * 1000 < START_TOLERANCE_MS, `first click at ${(onset / c.rate) * 1000} ms`);
      for (let b = 0; b < bars * c.beatsPerBar; b++) {
        const p = peakAround(r.audio, c.rate, b * c.host);
        if (b % c.beatsPerBar === 0) assert.ok(p > LOUD, `bar line ${b / c.beatsPerBar}: peak ${p}`);
        else assert.ok(p > 0.15 && p < SOFT, `beat ${b}: peak ${p}`);
      }
    });
  }

  test('without accents the downbeat is not confident and the take starts on the first tracked beat', () => {
    const rate = 44100, beat = 0.45, first = 0.083;
    const x = metronome({ rate, beat, first, seconds: engineSeconds(2, 4, 0.5), beatsPerBar: 4, downbeat: 2, accent: 1 });
    const r = fitToBars(x, rate, 0.5, 4 * rate, { beatsPerBar: 4 });
    assert.equal(r.applied, 'stretch');
    assert.ok(r.downbeat.confidence < FIT_DEFAULTS.minDownbeatConfidence, `confidence ${r.downbeat.confidence}`);
    assert.equal(r.downbeat.applied, false);
    assert.ok(Math.abs(r.startSeconds - first) * 1000 < START_TOLERANCE_MS, `start ${r.startSeconds}`);
    // The same audio with a lower threshold moves the start; the threshold is what held it.
    const loose = fitToBars(x, rate, 0.5, 4 * rate, { beatsPerBar: 4, minDownbeatConfidence: 0 });
    assert.equal(loose.downbeat.applied, true);
  });

  test('with fewer than minDownbeatBars bars of beats there is no downbeat estimate (confidence 0) and the take starts on its first beat', () => {
    const rate = 48000;
    const m = { rate, beat: 0.5, first: 0.05, beatsPerBar: 4, downbeat: 1 };
    const short = metronome({ ...m, seconds: 3.4 });
    const track = trackBeats(short, rate, 0.5);
    assert.equal(track.beats.length, 7);
    assert.equal(estimateDownbeat(short, rate, track, { beatsPerBar: 4 }).confidence, 0);
    const r = fitToBars(short, rate, 0.5, 2 * rate, { beatsPerBar: 4 });
    assert.equal(r.downbeat.applied, false);
    assert.ok(Math.abs(r.startSeconds - 0.05) * 1000 < START_TOLERANCE_MS, `start ${r.startSeconds}`);
    // Two bars of the same clicks are enough, and one beat per bar never has a downbeat to find.
    const long = metronome({ ...m, seconds: 4.6 });
    const d = estimateDownbeat(long, rate, trackBeats(long, rate, 0.5), { beatsPerBar: 4 });
    assert.equal(d.offset, 1);
    assert.ok(d.confidence >= FIT_DEFAULTS.minDownbeatConfidence, `confidence ${d.confidence}`);
    assert.equal(estimateDownbeat(long, rate, trackBeats(long, rate, 0.5), { beatsPerBar: 1 }).confidence, 0);
  });

  test('when the audio ends before the take, the last bar repeats on the grid instead of silence', () => {
    const rate = 44100, beat = 0.5, first = 0.06;
    const x = metronome({ rate, beat, first, seconds: 5.2, beatsPerBar: 4, downbeat: 3 });
    const r = fitToBars(x, rate, 0.5, 4 * rate, { beatsPerBar: 4 });
    assert.equal(r.downbeat.applied, true);
    assert.ok(r.beyondInputSeconds > 0.2, `beyond ${r.beyondInputSeconds} s`);
    for (let b = 0; b < 8; b++) {
      const p = peakAround(r.audio, rate, b * 0.5);
      assert.ok(b % 4 === 0 ? p > LOUD : p > 0.15 && p < SOFT, `beat ${b}: peak ${p}`);
    }
  });
});

describe('fitting to bars: audio without beats', () => {
  for (const rate of [44100, 48000]) {
    test(`noise at ${rate} Hz gets the plain length fit, reported as low salience, with equal errors before and after`, () => {
      const rnd = lcg(rate);
      const x = Float32Array.from({ length: Math.round(engineSeconds(2, 4, 0.5) * rate) }, () => 0.3 * rnd());
      const out = 4 * rate;
      const r = fitToBars(x, rate, 0.5, out, { beatsPerBar: 4 });
      assert.equal(r.applied, 'none');
      assert.equal(r.reason, 'low-salience');
      assert.ok(r.track.salience < FIT_DEFAULTS.minSalience, `salience ${r.track.salience}`);
      assert.deepEqual(r.audio, x.subarray(0, out));
      assert.equal(r.stretch, 1);
      assert.equal(r.startSeconds, 0);
      assert.equal(r.downbeat.applied, false);
      assert.ok(Number.isFinite(r.errorBeforeMs));
      assert.equal(r.errorAfterMs, r.errorBeforeMs);
    });
  }

  test('forced to stretch noise (minSalience 0), the fit keeps a stretch only when it measures no worse, else falls back and says so', () => {
    const reasons: string[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const rnd = lcg(seed);
      const rate = 32000;
      const x = Float32Array.from({ length: Math.round(engineSeconds(2, 4, 0.5) * rate) }, () => 0.3 * rnd());
      const r = fitToBars(x, rate, 0.5, 4 * rate, { beatsPerBar: 4, minSalience: 0 });
      reasons.push(r.reason);
      assert.ok(r.errorAfterMs <= r.errorBeforeMs, `seed ${seed}: before ${r.errorBeforeMs} ms, after ${r.errorAfterMs} ms`);
      if (r.reason === 'worse-after-fit') {
        assert.equal(r.applied, 'none');
        assert.deepEqual(r.audio, x.subarray(0, 4 * rate));
      } else {
        assert.equal(r.reason, 'beats-tracked');
        assert.equal(r.applied, 'stretch');
      }
    }
    // Stretching noise to a grid it does not have usually measures worse: the guard must have fired.
    assert.ok(reasons.includes('worse-after-fit'), reasons.join(', '));
  });
});
