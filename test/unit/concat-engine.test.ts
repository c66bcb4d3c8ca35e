// Unit tests of the concat engine's contract: lengths, seeds, distinct takes, errors with stable codes, registry.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { RenderRequest } from '../../src/common/engine.js';
import { StylebridgeError, hasCode } from '../../src/common/errors.js';
import { barsLengthSamples } from '../../src/common/timing.js';
import { ConcatEngine, CONCAT_LIMITS, DEFAULT_ENGINE_ID, getEngine, listEngines, registerEngine } from '../../src/node/engines/index.js';
import { synthGroove } from './concat-synth.js';

const groove = synthGroove({ bpm: 120, swingMs: 15 });
const base: RenderRequest = {
  source: groove.audio, bpm: groove.bpm, meter: groove.meter, sourceBars: 1, bars: 1, variations: 4,
  strength: 3, seed: 42, sampleRate: groove.audio.sampleRate, channels: 2,
};

const sameAudio = (a: Float32Array[], b: Float32Array[]): boolean => a.length === b.length && a.every((ch, c) => ch.length === b[c]!.length && ch.every((v, i) => Object.is(v, b[c]![i])));

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StylebridgeError, `a StylebridgeError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

describe('concat engine output', () => {
  test('every take is exactly bars x bar length samples at the requested rate, for any meter', async () => {
    const eng = new ConcatEngine();
    for (const [meter, bpm, bars] of [[{ numerator: 4, denominator: 4 }, 120, 1], [{ numerator: 7, denominator: 8 }, 137, 3], [{ numerator: 6, denominator: 8 }, 91.5, 4]] as const) {
      const g = synthGroove({ bpm, meter, sampleRate: 44100 });
      const takes = await eng.render({ ...base, source: g.audio, bpm, meter, bars, sampleRate: 44100, variations: 2 });
      for (const t of takes) {
        assert.equal(t.audio.sampleRate, 44100);
        assert.equal(t.audio.channels.length, 2);
        for (const ch of t.audio.channels) assert.equal(ch.length, barsLengthSamples(bars, bpm, meter, 44100));
      }
    }
  });

  test('a source at another rate is resampled and the takes come out at the requested rate and length', async () => {
    const g = synthGroove({ bpm: 100, sampleRate: 44100, channels: 1 });
    const takes = await new ConcatEngine().render({ ...base, source: g.audio, bpm: 100, sampleRate: 48000, channels: 1, variations: 2, bars: 2 });
    for (const t of takes) {
      assert.equal(t.audio.channels.length, 1);
      assert.equal(t.audio.channels[0]!.length, barsLengthSamples(2, 100, g.meter, 48000));
    }
  });

  test('the same request and seed give bit-identical takes, also from a fresh engine', async () => {
    const a = await new ConcatEngine().render(base);
    const b = await new ConcatEngine().render(base);
    for (let i = 0; i < a.length; i++) assert.ok(sameAudio([...a[i]!.audio.channels], [...b[i]!.audio.channels]), `take ${i}`);
  });

  test('a take\'s reported seed regenerates exactly that take as a single variation', async () => {
    const eng = new ConcatEngine();
    const takes = await eng.render(base);
    const again = await eng.render({ ...base, variations: 1, seed: takes[3]!.seed });
    assert.ok(sameAudio([...again[0]!.audio.channels], [...takes[3]!.audio.channels]));
  });

  test('all variations of a request are distinct and none is a copy of the source', async () => {
    for (const strength of [1, 6]) {
      const takes = await new ConcatEngine().render({ ...base, strength, variations: 8 });
      for (let i = 0; i < takes.length; i++) {
        assert.ok(!sameAudio([...takes[i]!.audio.channels], [...groove.audio.channels]), `take ${i} differs from the source`);
        assert.ok(Number(takes[i]!.info.changedSteps) >= 1);
        for (let j = 0; j < i; j++) assert.ok(!sameAudio([...takes[i]!.audio.channels], [...takes[j]!.audio.channels]), `takes ${i} and ${j} differ`);
      }
    }
  });

  test('no take peaks above its source', async () => {
    let srcPeak = 0;
    for (const ch of groove.audio.channels) for (const v of ch) srcPeak = Math.max(srcPeak, Math.abs(v));
    for (const strength of [1, 2]) {
      for (const t of await new ConcatEngine().render({ ...base, strength, variations: 6, bars: 2 })) {
        for (const ch of t.audio.channels) for (const v of ch) assert.ok(Math.abs(v) <= srcPeak + 1e-6);
      }
    }
  });

  test('different seeds give different takes', async () => {
    const a = await new ConcatEngine().render({ ...base, variations: 1, seed: 1 });
    const b = await new ConcatEngine().render({ ...base, variations: 1, seed: 2 });
    assert.ok(!sameAudio([...a[0]!.audio.channels], [...b[0]!.audio.channels]));
  });

  test('takes stream through onTake before render resolves, with progress up to 1', async () => {
    const seen: number[] = [];
    const fractions: number[] = [];
    const takes = await new ConcatEngine().render(base, { onTake: (t) => seen.push(t.index), onProgress: (p) => fractions.push(p.fraction) });
    assert.deepEqual(seen, takes.map((t) => t.index));
    assert.equal(fractions[fractions.length - 1], 1);
  });

  test('an aborted signal cancels the render with CANCELLED', async () => {
    const ac = new AbortController();
    const p = new ConcatEngine().render({ ...base, variations: 16 }, { signal: ac.signal, onTake: () => ac.abort() });
    await rejectsWith(p, 'CANCELLED');
  });
});

describe('concat engine errors', () => {
  const eng = new ConcatEngine();
  const cases: [string, Partial<RenderRequest>, string][] = [
    ['a silent source', { source: { sampleRate: 48000, channels: [new Float32Array(96000)] } }, 'ENGINE_SOURCE_SILENT'],
    ['a source with a NaN', { source: { sampleRate: 48000, channels: [Float32Array.from(groove.audio.channels[0]!, (v, i) => (i === 5000 ? NaN : v))] } }, 'ENGINE_SOURCE_NOT_FINITE'],
    ['a source with an Infinity', { source: { sampleRate: 48000, channels: [Float32Array.from(groove.audio.channels[0]!, (v, i) => (i === 7 ? Infinity : v))] } }, 'ENGINE_SOURCE_NOT_FINITE'],
    ['a source with no channels', { source: { sampleRate: 48000, channels: [] } }, 'ENGINE_SOURCE_EMPTY'],
    ['three source channels (more than maxChannels)', { source: { sampleRate: 48000, channels: [groove.audio.channels[0]!, groove.audio.channels[0]!, groove.audio.channels[0]!] } }, 'ENGINE_SOURCE_EMPTY'],
    ['a bar shorter than 0.25 s', { bpm: 999, meter: { numerator: 1, denominator: 4 } }, 'ENGINE_BAR_TOO_SHORT'],
    ['a bar longer than 30 s', { bpm: 20, meter: { numerator: 12, denominator: 4 } }, 'ENGINE_BAR_TOO_LONG'],
    ['a source rate below 22050 Hz', { source: { sampleRate: 16000, channels: groove.audio.channels } }, 'ENGINE_BAD_SAMPLE_RATE'],
    ['an output rate above 192 kHz', { sampleRate: 384000 }, 'ENGINE_BAD_SAMPLE_RATE'],
    ['a fractional output rate', { sampleRate: 44100.5 }, 'ENGINE_BAD_SAMPLE_RATE'],
    ['zero bars', { bars: 0 }, 'ENGINE_BAD_BARS'],
    ['more bars than maxBars', { bars: CONCAT_LIMITS.maxBars + 1 }, 'ENGINE_BAD_BARS'],
    ['more source bars than maxSourceBars', { sourceBars: CONCAT_LIMITS.maxSourceBars + 1 }, 'ENGINE_BAD_BARS'],
    ['zero variations', { variations: 0 }, 'ENGINE_BAD_VARIATIONS'],
    ['more variations than maxVariations', { variations: CONCAT_LIMITS.maxVariations + 1 }, 'ENGINE_BAD_VARIATIONS'],
    ['strength 7', { strength: 7 }, 'ENGINE_BAD_STRENGTH'],
    ['strength 2.5', { strength: 2.5 }, 'ENGINE_BAD_STRENGTH'],
    ['a negative seed', { seed: -1 }, 'ENGINE_BAD_SEED'],
    ['three output channels', { channels: 3 }, 'ENGINE_BAD_CHANNELS'],
    ['a text prompt', { prompt: 'jazzy drums' }, 'ENGINE_PROMPT_UNSUPPORTED'],
    ['a source two bars long declared as one', { source: { sampleRate: 48000, channels: [new Float32Array(192000).fill(0.1)] } }, 'ENGINE_SOURCE_LENGTH'],
    ['a tempo out of range', { bpm: 0 }, 'TIMING_BAD_TEMPO'],
    ['a bad meter', { meter: { numerator: 4, denominator: 3 } }, 'TIMING_BAD_METER'],
  ];
  for (const [what, patch, code] of cases) {
    test(`refuses ${what} with ${code}`, async () => {
      await rejectsWith(eng.render({ ...base, ...patch }), code);
    });
  }

  test('refuses takes larger than maxOutputBytes and sources longer than maxSourceSeconds with ENGINE_TOO_LARGE', async () => {
    await rejectsWith(eng.render({ ...base, bars: 64, variations: 32, sampleRate: 192000 }), 'ENGINE_TOO_LARGE');
    await rejectsWith(new ConcatEngine({ limits: { maxSourceSeconds: 1 } }).render(base), 'ENGINE_TOO_LARGE');
  });

  test('limits are options: a lowered maxVariations refuses what the default accepts', async () => {
    await rejectsWith(new ConcatEngine({ limits: { maxVariations: 2 } }).render({ ...base, variations: 3 }), 'ENGINE_BAD_VARIATIONS');
  });

  test('a source within lengthTolerance of whole bars is accepted and fitted', async () => {
    const n = groove.audio.channels[0]!.length;
    const src = { sampleRate: 48000, channels: groove.audio.channels.map((c) => c.slice(0, n - Math.floor(n * CONCAT_LIMITS.lengthTolerance * 0.5))) };
    const takes = await eng.render({ ...base, source: src, variations: 1 });
    assert.equal(takes[0]!.audio.channels[0]!.length, n);
  });
});

describe('engine registry', () => {
  test('the default engine is concat and says it does not understand text prompts', () => {
    assert.equal(DEFAULT_ENGINE_ID, 'concat');
    const caps = getEngine().capabilities();
    assert.equal(caps.id, 'concat');
    assert.equal(caps.textPrompt.supported, false);
    assert.match(caps.textPrompt.reason ?? '', /does not understand text prompts/);
    assert.equal(caps.strength.min, 1);
    assert.equal(caps.strength.max, 6);
    assert.equal(listEngines()[0]!.id, 'concat');
  });

  test('an unknown engine id is refused with ENGINE_UNKNOWN', () => {
    assert.throws(() => getEngine('no-such-engine'), (e: unknown) => hasCode(e, 'ENGINE_UNKNOWN'));
  });

  test('a registered engine is listed after the default one', () => {
    registerEngine('zz-test', () => new ConcatEngine());
    assert.deepEqual(listEngines().map((c) => c.id).slice(0, 1), ['concat']);
    assert.ok(getEngine('zz-test') instanceof ConcatEngine);
  });
});
