// The musicgen-style engine on the tiny package: exact bar lengths, native and JavaScript paths agree, errors and limits.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RenderRequest } from '../../src/common/engine.js';
import { barsLengthSamples } from '../../src/common/timing.js';
import { MUSICGEN_STYLE_LIMITS, MusicgenStyleEngine, registerMusicgenStyleEngine } from '../../src/node/engines/musicgen-style/index.js';
import { getEngine } from '../../src/node/engines/index.js';
import { nativeAddonStatus } from '../../src/node/native/index.js';
import { TINY_PACKAGE_DIR } from '../support/model-fixtures.js';

const native = nativeAddonStatus();

function source(rate: number, seconds: number): { sampleRate: number; channels: Float32Array[] } {
  const n = Math.round(rate * seconds);
  const ch = new Float32Array(n);
  let s = 7;
  for (let t = 0; t < seconds; t += 0.5) {
    const i0 = Math.round(t * rate);
    for (let i = 0; i < 3000 && i0 + i < n; i++) ch[i0 + i] = 0.6 * (((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1) * Math.exp(-i / 500);
  }
  return { sampleRate: rate, channels: [ch, ch.slice()] };
}

function request(over: Partial<RenderRequest> = {}): RenderRequest {
  return {
    source: source(44100, 2), bpm: 120, meter: { numerator: 4, denominator: 4 }, sourceBars: 1, bars: 1, variations: 2,
    strength: 3, seed: 42, sampleRate: 48000, channels: 2, prompt: 'warm jazz piano', model: TINY_PACKAGE_DIR, ...over,
  };
}

describe('musicgen-style engine', () => {
  test('the JavaScript fallback renders takes of exactly the bars asked for, and says it is the fallback', async () => {
    const engine = new MusicgenStyleEngine({ forceJs: true, intraOpThreads: 1 });
    try {
      assert.equal(engine.capabilities().device, 'cpu (js fallback)');
      const req = request({ variations: 1, meter: { numerator: 7, denominator: 8 }, bpm: 97 });
      const takes = await engine.render(req);
      assert.equal(takes.length, 1);
      const len = barsLengthSamples(1, 97, req.meter, 48000);
      assert.equal(takes[0]!.audio.channels.length, 2);
      assert.equal(takes[0]!.audio.channels[0]!.length, len);
      assert.equal(takes[0]!.info.device, 'cpu (js fallback)');
      assert.equal(engine.backendInfo?.kind, 'js');
    } finally {
      await engine.close();
    }
  });

  test('the native path renders the same takes as the JavaScript loop, reports progress and its device', { skip: native.available ? false : `native addon unavailable: ${native.reason}` }, async () => {
    const nat = new MusicgenStyleEngine({ provider: 'cpu', intraOpThreads: 1 });
    const js = new MusicgenStyleEngine({ forceJs: true, intraOpThreads: 1 });
    try {
      assert.equal(nat.capabilities().device, 'cpu (native)');
      const fractions: number[] = [];
      const early: number[] = [];
      const a = await nat.render(request(), { onProgress: (p) => fractions.push(p.fraction), onTake: (t) => early.push(t.index) });
      const b = await js.render(request());
      assert.deepEqual(early, [0, 1]);
      assert.equal(a.length, 2);
      assert.ok(fractions.length > 10 && fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!));
      for (let v = 0; v < 2; v++) {
        assert.equal(a[v]!.seed, 42 + v);
        assert.equal(a[v]!.info.device, 'cpu (native)');
        assert.equal(a[v]!.audio.channels[0]!.length, barsLengthSamples(1, 120, { numerator: 4, denominator: 4 }, 48000));
        let diff = 0;
        const x = a[v]!.audio.channels[0]!, y = b[v]!.audio.channels[0]!;
        for (let i = 0; i < x.length; i++) diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
        assert.ok(diff < 1e-3, `variation ${v} differs by ${diff}`);
        for (const k of ['beatErrorBeforeMs', 'beatErrorAfterMs', 'stretch', 'generatedTempoBpm']) assert.equal(typeof a[v]!.info[k], 'number', k);
      }
      assert.notDeepEqual(Array.from(a[0]!.audio.channels[0]!.subarray(0, 2000)), Array.from(a[1]!.audio.channels[0]!.subarray(0, 2000)));
    } finally {
      await nat.close();
      await js.close();
    }
  });

  test('an AbortSignal cancels a render with CANCELLED', async () => {
    const engine = new MusicgenStyleEngine({ intraOpThreads: 1 });
    try {
      const ac = new AbortController();
      const run = engine.render(request({ bars: 4 }), { signal: ac.signal, onProgress: (p) => { if (p.fraction > 0.1) ac.abort(); } });
      await assert.rejects(run, (e: { code: string }) => e.code === 'CANCELLED');
    } finally {
      await engine.close();
    }
  });

  test('without a model it says so with ENGINE_MODEL_MISSING, and it is not registered', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sb-models-'));
    const saved = process.env.STYLEBRIDGE_MODELS_DIR;
    process.env.STYLEBRIDGE_MODELS_DIR = empty;
    try {
      const engine = new MusicgenStyleEngine();
      await assert.rejects(engine.render(request({ model: undefined })), (e: { code: string }) => e.code === 'ENGINE_MODEL_MISSING');
      assert.equal(await registerMusicgenStyleEngine(), false);
      assert.equal(await registerMusicgenStyleEngine({ model: TINY_PACKAGE_DIR }), true);
      assert.equal(getEngine('musicgen-style').capabilities().family, 'musicgen-style');
    } finally {
      if (saved === undefined) delete process.env.STYLEBRIDGE_MODELS_DIR; else process.env.STYLEBRIDGE_MODELS_DIR = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('refuses requests outside its limits with the engine codes', async () => {
    const engine = new MusicgenStyleEngine({ forceJs: true });
    const bad: Array<[Partial<RenderRequest>, string]> = [
      [{ variations: MUSICGEN_STYLE_LIMITS.maxVariations + 1 }, 'ENGINE_BAD_VARIATIONS'],
      [{ bars: MUSICGEN_STYLE_LIMITS.maxBars + 1 }, 'ENGINE_BAD_BARS'],
      [{ bars: 16, bpm: 40 }, 'ENGINE_BAD_BARS'], // beyond the tiny model's 1024 positions
      [{ strength: 7 }, 'ENGINE_BAD_STRENGTH'],
      [{ seed: 2 ** 32 }, 'ENGINE_BAD_SEED'],
      [{ channels: 3 }, 'ENGINE_BAD_CHANNELS'],
      [{ sampleRate: 8000 }, 'ENGINE_BAD_SAMPLE_RATE'],
      [{ source: { sampleRate: 44100, channels: [new Float32Array(1000)] } }, 'ENGINE_SOURCE_SILENT'],
      [{ source: { sampleRate: 44100, channels: [Float32Array.of(0.1, NaN)] } }, 'ENGINE_SOURCE_NOT_FINITE'],
      [{ model: join(tmpdir(), 'sb-no-model-here') }, 'MODEL_MANIFEST_MISSING'],
    ];
    try {
      for (const [over, code] of bad) await assert.rejects(engine.render(request(over)), (e: { code: string }) => e.code === code, code);
    } finally {
      await engine.close();
    }
  });
});
