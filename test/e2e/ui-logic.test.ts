// The UI's pure parts, run in Node: peaks, beat grid, play cursor, token handoff, bar.beat formatting.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { barStartSample } from '../../src/common/timing.js';
import { barBeat } from '../../src/browser/format.js';
import { TOKEN_STORAGE_KEY, takeToken } from '../../src/browser/token.js';
import { gridLines } from '../../src/browser/waveform/draw.js';
import { computePeaks, fitPeaks } from '../../src/browser/waveform/peaks.js';
import { cursorFraction } from '../../src/browser/views/waveform-view.js';

describe('waveform peaks', () => {
  test('keep the extremes of every slice across channels', () => {
    const a = new Float32Array(1000);
    const b = new Float32Array(1000);
    a[10] = 0.9;
    b[510] = -0.7;
    const p = computePeaks([a, b], 10);
    assert.equal(p.length, 10);
    assert.ok(Math.abs(p.max[0]! - 0.9) < 1e-6);
    assert.ok(Math.abs(p.min[5]! + 0.7) < 1e-6);
    assert.equal(p.max[3], 0);
    const f = fitPeaks(p, 2);
    assert.ok(Math.abs(f.max[0]! - 0.9) < 1e-6 && Math.abs(f.min[1]! + 0.7) < 1e-6);
  });
  test('never asks for more columns than there are frames', () => {
    assert.equal(computePeaks([new Float32Array(5)], 1024).length, 5);
    assert.equal(computePeaks([], 1024).length, 1);
  });
});

describe('beat grid', () => {
  test('puts bar lines where the timing module starts each bar and beats in between (7/8 at 48 kHz)', () => {
    const meter = { numerator: 7, denominator: 8 };
    const frames = barStartSample(2, 133, meter, 48000);
    const g = gridLines({ bars: 2, bpm: 133, meter, sampleRate: 48000, frames });
    assert.deepEqual(g.bars, [0, barStartSample(1, 133, meter, 48000) / frames, 1]);
    assert.equal(g.beats.length, 12);
  });
});

describe('play cursor', () => {
  const t = (bar: number, beat: number, playing = true) => ({ t: { playing, bpm: 120, meterNum: 4, meterDen: 4 as const, bar, beat, ppq: 0, barStartPpq: 0, sample: 0 }, at: 1000 });
  test('is hidden before the start bar and loops over the take\'s bars', () => {
    assert.equal(cursorFraction(t(9, 3, false), 10, 2, 1000), undefined);
    assert.equal(cursorFraction(t(10, 0, false), 10, 2, 1000), 0);
    assert.equal(cursorFraction(t(11, 2, false), 10, 2, 1000), 0.75);
    assert.equal(cursorFraction(t(12, 0, false), 10, 2, 1000), 0);
    assert.equal(cursorFraction(t(12, 0, false), undefined, 2, 1000), undefined);
  });
  test('moves on between transport updates while playing (120 BPM: a beat each 500 ms)', () => {
    assert.equal(cursorFraction(t(10, 0), 10, 1, 1500), 0.25);
    // Crossing the bar line carries into the next bar.
    assert.equal(cursorFraction(t(10, 3.5), 10, 2, 1500), 0.5 + 0.5 / 8);
  });
});

describe('token handoff', () => {
  const env = (hash: string) => {
    const store = new Map<string, string>();
    const replaced: string[] = [];
    return {
      store, replaced,
      e: { location: { hash, pathname: '/', search: '' }, storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) }, history: { replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)) } },
    };
  };
  test('takes a 64-hex token from the fragment, keeps it for the tab and clears the address', () => {
    const tok = 'ab'.repeat(32);
    const x = env(`#token=${tok}`);
    assert.equal(takeToken(x.e), tok);
    assert.equal(x.store.get(TOKEN_STORAGE_KEY), tok);
    assert.deepEqual(x.replaced, ['/']);
  });
  test('ignores anything that is not a token and falls back to the kept one', () => {
    const x = env('#token=<script>');
    assert.equal(takeToken(x.e), undefined);
    assert.deepEqual(x.replaced, []);
    x.store.set(TOKEN_STORAGE_KEY, 'c'.repeat(64));
    assert.equal(takeToken(x.e), 'c'.repeat(64));
  });
});

test('bar.beat is shown 1-based with sixteenths', () => {
  assert.equal(barBeat(0, 0), '1.1.1');
  assert.equal(barBeat(3, 2.5), '4.3.3');
  assert.equal(barBeat(11, 3.99), '12.4.4');
});
