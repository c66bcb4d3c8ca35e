// Resampling: exact output length, time alignment against the analytic signal, anti-aliasing, agreement with sox's resampler; fitLength.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { fitLength, resample, resampledLength } from '../../src/node/audio/resample.js';
import { encodeWav } from '../../src/node/audio/wav-write.js';
import { writeFileAtomic } from '../../src/node/fs-atomic.js';
import { StylebridgeError } from '../../src/common/errors.js';
import { barsLengthSamples } from '../../src/common/timing.js';
import { missing, run, scratch, sine, soxDecode, testSignal } from '../support/audio-tools.js';

const tmp = scratch();
after(() => tmp.cleanup());

function maxErrAgainstSine(x: Float32Array, rate: number, freq: number, amp: number, from: number, to: number): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(x[i]! - amp * Math.sin((2 * Math.PI * freq * i) / rate)));
  return m;
}

describe('resample', () => {
  test('44.1 kHz to 48 kHz keeps a 1 kHz sine in phase to within 1e-5 away from the edges', async () => {
    const out = await resample(sine(44100, 2, 1, 1000, 0.5), 48000);
    assert.equal(out.sampleRate, 48000);
    assert.equal(out.channels[0]!.length, 48000);
    assert.ok(maxErrAgainstSine(out.channels[0]!, 48000, 1000, 0.5, 1000, 47000) < 1e-5);
    assert.deepEqual(out.channels[0], out.channels[1]);
  });

  test('48 kHz to 44.1 kHz removes a 23 kHz tone (above the new Nyquist) by more than 90 dB', async () => {
    const out = await resample(sine(48000, 1, 0.5, 23000, 0.9), 44100);
    let peak = 0;
    for (let i = 2000; i < out.channels[0]!.length - 2000; i++) peak = Math.max(peak, Math.abs(out.channels[0]![i]!));
    assert.ok(20 * Math.log10(peak / 0.9) < -90, `alias at ${(20 * Math.log10(peak / 0.9)).toFixed(1)} dB`);
  });

  test('the output length is round(frames x to / from) for awkward lengths and rate pairs', async () => {
    for (const [frames, from, to] of [[1001, 44100, 48000], [7, 48000, 22050], [12345, 96000, 44100], [1, 22050, 192000]] as const) {
      assert.equal(resampledLength(frames, from, to), Math.round((frames * to) / from));
      const out = await resample(testSignal(from, 1, frames), to, { quality: 'fastest' });
      assert.equal(out.channels[0]!.length, Math.round((frames * to) / from), `${frames} @ ${from} -> ${to}`);
    }
    assert.equal(resampledLength(1, 2, 1), 1); // 0.5 rounds up
  });

  test('an input longer than one converter call stays continuous and in phase across calls', async () => {
    const out = await resample(sine(22050, 1, 15, 440, 0.5), 48000, { quality: 'medium' });
    assert.equal(out.channels[0]!.length, 15 * 48000);
    assert.ok(maxErrAgainstSine(out.channels[0]!, 48000, 440, 0.5, 2000, 15 * 48000 - 2000) < 1e-3);
  });

  test('a take of N bars resampled then fitted has exactly the timing module\'s length at the new rate', async () => {
    const meter = { numerator: 7, denominator: 8 };
    const src = testSignal(44100, 2, barsLengthSamples(2, 97, meter, 44100));
    const out = fitLength(await resample(src, 48000, { quality: 'fastest' }), barsLengthSamples(2, 97, meter, 48000));
    assert.equal(out.channels[1]!.length, barsLengthSamples(2, 97, meter, 48000));
  });

  test('the same rate returns an equal copy', async () => {
    const x = testSignal(48000, 2, 100);
    const y = await resample(x, 48000);
    assert.deepEqual(y.channels, x.channels);
    assert.notEqual(y.channels[0], x.channels[0]);
  });

  test('unsupported rates are AUDIO_BAD_SAMPLE_RATE', async () => {
    const x = testSignal(48000, 1, 100);
    const bad = (e: unknown) => e instanceof StylebridgeError && e.code === 'AUDIO_BAD_SAMPLE_RATE';
    await assert.rejects(resample(x, 44100.5), bad);
    await assert.rejects(resample(x, 0), bad);
    await assert.rejects(resample({ sampleRate: 1000, channels: [new Float32Array(10)] }, 768000), bad);
  });

  test('agrees with sox\'s very-high-quality resampler to within -60 dB on a band-limited chord', { skip: missing('sox') }, async () => {
    // Both converters are near-ideal below 18 kHz; above it their transition bands differ by design.
    const x = sine(44100, 1, 1, 220, 0.3);
    for (const [f, a] of [[1234, 0.2], [5000, 0.2], [12000, 0.1]] as const) {
      for (let i = 0; i < 44100; i++) x.channels[0]![i]! += a * Math.sin((2 * Math.PI * f * i) / 44100 + f);
    }
    const path = tmp.path('in.wav');
    writeFileAtomic(path, encodeWav(x, { encoding: 'float32' }));
    run('sox', [path, '-e', 'floating-point', '-b', '32', tmp.path('out.wav'), 'rate', '-v', '48000']);
    const ref = soxDecode(tmp.path('out.wav')).channels[0]!;
    const ours = (await resample(x, 48000)).channels[0]!;
    assert.equal(ours.length, ref.length);
    let err = 0;
    let sig = 0;
    for (let i = 1000; i < ours.length - 1000; i++) {
      err += (ours[i]! - ref[i]!) ** 2;
      sig += ref[i]! ** 2;
    }
    assert.ok(10 * Math.log10(err / sig) < -60, `difference ${(10 * Math.log10(err / sig)).toFixed(1)} dB`);
  });
});

describe('fitLength', () => {
  test('cuts or pads with silence to exactly the frame count', () => {
    const x = testSignal(48000, 2, 100);
    const cut = fitLength(x, 60);
    assert.deepEqual(cut.channels[0], x.channels[0]!.slice(0, 60));
    const pad = fitLength(x, 130);
    assert.equal(pad.channels[1]!.length, 130);
    assert.deepEqual(pad.channels[1]!.slice(0, 100), x.channels[1]);
    assert.ok(pad.channels[1]!.slice(100).every((v) => v === 0));
    assert.equal(fitLength(x, 0).channels[0]!.length, 0);
  });

  test('a negative or fractional length is AUDIO_BAD_OPTION', () => {
    assert.throws(() => fitLength(testSignal(48000, 1, 10), 2.5), (e: unknown) => e instanceof StylebridgeError && e.code === 'AUDIO_BAD_OPTION');
  });
});
