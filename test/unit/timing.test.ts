// Tests of the timing module: bars, beats, PPQ, seconds and samples on odd meters, tempos, rates and tempo maps.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TempoMap, barStartSample, barsLengthSamples, exactBarSamples, barSeconds, quartersPerBar, bpmFromBeatTempo,
  parseMeter, formatBarBeat, roundHalfUp, beatSamples, TIMING_LIMITS, type Meter,
} from '../../src/common/timing.js';
import { StylebridgeError } from '../../src/common/errors.js';

const RATES = [22050, 44100, 48000, 88200, 96000, 176400, 192000];
const METERS: Meter[] = ['2/4', '3/4', '4/4', '5/4', '6/8', '7/8', '9/8', '12/8', '15/8', '5/16', '3/2'].map(parseMeter);
const TEMPOS = [20, 60, 93, 120, 128.5, 137.123, 174, 999];

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof StylebridgeError && e.code === code);
}

describe('timing: constant tempo', () => {
  test('a 4/4 bar at 120 BPM is 2 s, 96000 samples at 48 kHz', () => {
    const m = parseMeter('4/4');
    assert.equal(barSeconds(120, m), 2);
    assert.equal(barStartSample(1, 120, m, 48000), 96000);
    assert.equal(barStartSample(1000, 120, m, 48000), 96_000_000);
  });

  test('BPM counts quarter notes whatever the denominator: 7/8 at 93 BPM lasts 3.5 quarters', () => {
    const m = parseMeter('7/8');
    assert.equal(quartersPerBar(m), 3.5);
    assert.equal(barSeconds(93, m), (3.5 * 60) / 93);
    assert.equal(exactBarSamples(93, m, 44100), (3.5 * 60 * 44100) / 93);
    assert.equal(quartersPerBar(parseMeter('12/8')), 6);
    assert.equal(quartersPerBar(parseMeter('15/8')), 7.5);
  });

  test('a tempo given in denominator beats converts to quarter-note BPM', () => {
    assert.equal(bpmFromBeatTempo(186, parseMeter('7/8')), 93);
    assert.equal(bpmFromBeatTempo(60, parseMeter('3/2')), 120);
  });

  test('bar k starts at round-half-up of k times the exact bar length, for every meter, tempo and rate', () => {
    for (const rate of RATES) for (const m of METERS) for (const bpm of TEMPOS) {
      const exact = exactBarSamples(bpm, m, rate);
      for (const k of [0, 1, 2, 3, 7, 100, 999, 1000]) {
        const got = barStartSample(k, bpm, m, rate);
        assert.ok(Number.isInteger(got));
        assert.ok(Math.abs(got - k * exact) <= 0.5 + 1e-6 * Math.max(1, k), `${k} ${bpm} ${m.numerator}/${m.denominator} ${rate}`);
      }
    }
  });

  test('a thousand bars do not drift: bar 1000 sits within half a sample of its exact position', () => {
    const m = parseMeter('7/8');
    const rate = 44100;
    const exact = (1000 * 7 * 240 * rate) / (8 * 93);
    assert.ok(Math.abs(barStartSample(1000, 93, m, rate) - exact) <= 0.5);
    // Summing rounded bar lengths would drift; the rule never does that.
    let summed = 0;
    for (let k = 0; k < 1000; k++) summed += barStartSample(1, 93, m, rate);
    assert.notEqual(summed, barStartSample(1000, 93, m, rate));
  });

  test('an exact half sample rounds up: 1/16 at 20 BPM and 22050 Hz is 16537.5 samples a bar', () => {
    const m = parseMeter('1/16');
    assert.equal(exactBarSamples(20, m, 22050), 16537.5);
    assert.deepEqual([1, 2, 3].map((k) => barStartSample(k, 20, m, 22050)), [16538, 33075, 49613]);
    assert.equal(roundHalfUp(2.5), 3);
    assert.equal(roundHalfUp(2.4999), 2);
  });

  test('consecutive bar lengths differ by at most one sample and sum exactly to the span', () => {
    for (const rate of [44100, 192000]) {
      const m = parseMeter('5/4');
      let total = 0;
      const lens = new Set<number>();
      for (let k = 0; k < 64; k++) {
        const len = barStartSample(k + 1, 137.123, m, rate) - barStartSample(k, 137.123, m, rate);
        lens.add(len);
        total += len;
      }
      assert.ok(Math.max(...lens) - Math.min(...lens) <= 1);
      assert.equal(total, barStartSample(64, 137.123, m, rate));
    }
  });

  test('a take of N bars is barStartSample(N) samples long', () => {
    assert.equal(barsLengthSamples(4, 120, parseMeter('4/4'), 48000), 384000);
    assert.equal(barsLengthSamples(1, 93, parseMeter('7/8'), 44100), barStartSample(1, 93, parseMeter('7/8'), 44100));
    throwsCode(() => barsLengthSamples(0, 120, parseMeter('4/4'), 48000), 'TIMING_BAD_POSITION');
  });

  test('beat length is one denominator note', () => {
    assert.equal(beatSamples(120, parseMeter('6/8'), 48000), 12000);
    assert.equal(beatSamples(120, parseMeter('4/4'), 48000), 24000);
  });
});

describe('timing: validation', () => {
  test('tempos outside 20..999 BPM are refused with TIMING_BAD_TEMPO', () => {
    for (const bpm of [19.99, 1000, 0, -120, NaN, Infinity]) throwsCode(() => barStartSample(1, bpm, parseMeter('4/4'), 48000), 'TIMING_BAD_TEMPO');
    assert.equal(barStartSample(1, TIMING_LIMITS.minBpm, parseMeter('4/4'), 48000), 576000);
  });

  test('unsupported meters are refused with TIMING_BAD_METER', () => {
    for (const text of ['4/3', '0/4', '33/8', '4/0', 'four/four', '4-4', '']) throwsCode(() => parseMeter(text), 'TIMING_BAD_METER');
    throwsCode(() => barStartSample(1, 120, { numerator: 4.5, denominator: 4 }, 48000), 'TIMING_BAD_METER');
  });

  test('sample rates outside 22050..192000 Hz or fractional are refused with TIMING_BAD_SAMPLE_RATE', () => {
    for (const rate of [22049, 192001, 44100.5, 0, NaN]) throwsCode(() => barStartSample(1, 120, parseMeter('4/4'), rate), 'TIMING_BAD_SAMPLE_RATE');
  });

  test('negative, fractional and huge bar indices are refused with TIMING_BAD_POSITION', () => {
    for (const k of [-1, 1.5, TIMING_LIMITS.maxBar + 1, NaN]) throwsCode(() => barStartSample(k, 120, parseMeter('4/4'), 48000), 'TIMING_BAD_POSITION');
  });

  test('the exact-integer rule holds up to the largest bar at the widest meter and highest rate', () => {
    const numerator = TIMING_LIMITS.maxBar * TIMING_LIMITS.maxNumerator * 240 * TIMING_LIMITS.maxSampleRate;
    assert.ok(Number.isSafeInteger(numerator));
  });
});

describe('timing: tempo maps', () => {
  const map = new TempoMap([
    { startBar: 0, bpm: 120, meter: parseMeter('4/4') },
    { startBar: 4, bpm: 93, meter: parseMeter('7/8') },
    { startBar: 10, bpm: 174, meter: parseMeter('12/8') },
  ], 44100);

  test('a one-segment map agrees with the constant-tempo functions', () => {
    const c = TempoMap.constant(137.123, parseMeter('5/4'), 96000);
    for (const k of [0, 1, 17, 999]) assert.equal(c.barStartSample(k), barStartSample(k, 137.123, parseMeter('5/4'), 96000));
  });

  test('bars after a tempo change start at the change plus whole bars at the new tempo', () => {
    assert.equal(map.barStartSample(4), 4 * 88200);
    const exact7of8 = (7 * 240 * 44100) / (8 * 93);
    assert.equal(map.barStartSample(5), roundHalfUp(4 * 88200 + exact7of8));
    assert.equal(map.barStartSample(10), roundHalfUp(4 * 88200 + (6 * 7 * 240 * 44100) / (8 * 93)));
    assert.equal(map.segmentAtBar(12).bpm, 174);
  });

  test('PPQ, seconds and samples round-trip through the map', () => {
    for (const ppq of [0, 1.25, 15.999, 16, 16.5, 37, 100.75]) {
      const s = map.sampleAtPpq(ppq);
      assert.ok(Math.abs(map.ppqAtSample(s) - ppq) < 1e-9);
      const sec = map.secondsAtPpq(ppq);
      assert.ok(Math.abs(map.ppqAtSeconds(sec) - ppq) < 1e-9);
      assert.ok(Math.abs(sec * 44100 - s) < 1e-6);
    }
  });

  test('positions resolve to bar and beat in the meter in force', () => {
    const p = map.positionAtPpq(16 + 3.5 + 1); // bar 5 (7/8), two eighths in
    assert.equal(p.bar, 5);
    assert.ok(Math.abs(p.beat - 2) < 1e-12);
    assert.equal(p.barStartPpq, 19.5);
    assert.equal(formatBarBeat(p), '6.3');
    const q = map.positionAtSample(map.barStartExact(10));
    assert.equal(q.bar, 10);
    assert.equal(q.meter.numerator, 12);
    assert.equal(map.barStartPpq(10), 16 + 6 * 3.5);
  });

  test('a map at another sample rate re-derives bar starts from the exact rule', () => {
    const m2 = map.withSampleRate(192000);
    assert.equal(m2.barStartSample(5), roundHalfUp(4 * 384000 + (7 * 240 * 192000) / (8 * 93)));
  });

  test('malformed maps are refused with TIMING_BAD_TEMPO_MAP', () => {
    throwsCode(() => new TempoMap([], 48000), 'TIMING_BAD_TEMPO_MAP');
    throwsCode(() => new TempoMap([{ startBar: 1, bpm: 120, meter: parseMeter('4/4') }], 48000), 'TIMING_BAD_TEMPO_MAP');
    throwsCode(() => new TempoMap([
      { startBar: 0, bpm: 120, meter: parseMeter('4/4') }, { startBar: 0, bpm: 90, meter: parseMeter('4/4') }], 48000), 'TIMING_BAD_TEMPO_MAP');
  });
});
