// Loudness: BS.1770-4 facts (K-weighting coefficients, sine levels, gating), true peak between samples, and agreement with libebur128.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { kWeighting, measureLoudness } from '../../src/node/audio/loudness.js';
import { StylebridgeError } from '../../src/common/errors.js';
import { sine, testSignal } from '../support/audio-tools.js';
import { ebur128Missing, ebur128Reference } from '../support/audio-ebur128.js';
import type { AudioBuffer } from '../../src/common/audio-buffer.js';

const dB = (a: number): number => 20 * Math.log10(a);

function concat(...parts: AudioBuffer[]): AudioBuffer {
  return {
    sampleRate: parts[0]!.sampleRate,
    channels: parts[0]!.channels.map((_, c) => {
      const out = new Float32Array(parts.reduce((n, p) => n + p.channels[c]!.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p.channels[c]!, at);
        at += p.channels[c]!.length;
      }
      return out;
    }),
  };
}

describe('BS.1770-4 facts', () => {
  test('the K-weighting filters at 48 kHz match the coefficients published in BS.1770-4', () => {
    const { shelf, highpass } = kWeighting(48000);
    const near = (a: readonly number[], b: number[]) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-8, `${v} vs ${b[i]}`));
    near(shelf.b, [1.53512485958697, -2.69169618940638, 1.19839281085285]);
    near(shelf.a, [1, -1.69065929318241, 0.73248077421585]);
    near(highpass.b, [1, -2, 1]);
    near(highpass.a, [1, -1.99004745483398, 0.99007225036621]);
  });

  for (const rate of [44100, 48000, 96000]) {
    test(`a stereo 997 Hz sine of amplitude A reads 20 log10(A) LUFS at ${rate} Hz (and 3.01 dB less in mono)`, () => {
      for (const amp of [1, 0.5, 10 ** (-23 / 20)]) {
        const st = measureLoudness(sine(rate, 2, 3, 997, amp));
        assert.ok(Math.abs(st.integratedLufs - dB(amp)) < 0.03, `stereo ${amp}: ${st.integratedLufs}`);
        const mono = measureLoudness(sine(rate, 1, 3, 997, amp));
        assert.ok(Math.abs(mono.integratedLufs - (dB(amp) - 3.0103)) < 0.03, `mono ${amp}: ${mono.integratedLufs}`);
        assert.ok(Math.abs(st.maxMomentaryLufs - dB(amp)) < 0.05);
      }
    });
  }

  test('gating follows the standard: a passage 20 dB quieter is dropped by the relative gate, silence by the absolute gate', () => {
    // 10 s of tone give 97 full 400 ms blocks; the 3 blocks straddling each transition hold 3/4, 1/2 and 1/4 of it.
    const loud = sine(48000, 2, 10, 997, 10 ** (-23 / 20));
    const quiet = sine(48000, 2, 10, 997, 10 ** (-43 / 20));
    const silence = { sampleRate: 48000, channels: [new Float32Array(480000), new Float32Array(480000)] };
    const q = 10 ** (-20 / 10);
    const straddling = 0.75 + 0.25 * q + 0.5 + 0.5 * q + 0.25 + 0.75 * q;
    const withQuiet = -23 + 10 * Math.log10((97 + straddling) / 100); // quiet blocks are below the relative gate
    assert.ok(Math.abs(measureLoudness(concat(loud, quiet)).integratedLufs - withQuiet) < 0.02);
    const withSilence = -23 + 10 * Math.log10((97 + 2 * 1.5) / 103); // silent blocks are below the absolute gate
    assert.ok(Math.abs(measureLoudness(concat(silence, loud, silence)).integratedLufs - withSilence) < 0.02);
    assert.ok(Math.abs(measureLoudness(quiet).integratedLufs + 43) < 0.03); // alone, the quiet tone passes both gates
  });

  test('silence and audio shorter than one 400 ms block have no integrated loudness (-Infinity)', () => {
    assert.equal(measureLoudness({ sampleRate: 48000, channels: [new Float32Array(96000)] }).integratedLufs, -Infinity);
    assert.equal(measureLoudness(sine(48000, 2, 0.3, 1000, 0.5)).integratedLufs, -Infinity);
    assert.equal(measureLoudness({ sampleRate: 48000, channels: [new Float32Array(96000)] }).truePeakDbtp, -Infinity);
  });

  test('the LFE channel of 5.1 does not count and surrounds weigh 1.41', () => {
    const s = sine(48000, 1, 3, 997, 0.5).channels[0]!;
    const z = new Float32Array(s.length);
    const lfeOnly = measureLoudness({ sampleRate: 48000, channels: [z, z, z, s, z, z] });
    assert.equal(lfeOnly.integratedLufs, -Infinity);
    const surround = measureLoudness({ sampleRate: 48000, channels: [z, z, z, z, s, z] });
    assert.ok(Math.abs(surround.integratedLufs - (dB(0.5) - 3.0103 + 10 * Math.log10(1.41))) < 0.03);
    assert.throws(() => measureLoudness(sine(48000, 2, 1, 997, 0.5), { channelWeights: [1] }), (e: unknown) => e instanceof StylebridgeError && e.code === 'AUDIO_BAD_OPTION');
  });
});

describe('true peak', () => {
  test('a full-scale fs/4 sine sampled 45 degrees off its peaks reads -3.01 dBFS sample peak but 0 dBTP', () => {
    const n = 48000;
    const ch = new Float32Array(n);
    for (let i = 0; i < n; i++) ch[i] = Math.sin((Math.PI / 2) * i + Math.PI / 4);
    const r = measureLoudness({ sampleRate: 48000, channels: [ch] });
    assert.ok(Math.abs(r.samplePeakDbfs + 3.0103) < 0.001);
    assert.ok(Math.abs(r.truePeakDbtp) < 0.1, `true peak ${r.truePeakDbtp}`);
  });

  test('true peak is never below the sample peak', () => {
    const x = testSignal(44100, 2, 20000, 5);
    const r = measureLoudness(x);
    assert.ok(r.truePeakDbtp >= r.samplePeakDbfs);
  });
});

describe('agreement with libebur128', { skip: ebur128Missing() }, () => {
  const material: [string, () => AudioBuffer][] = [
    ['test music, stereo 44.1 kHz', () => concat(testSignal(44100, 2, 44100 * 4, 1), sine(44100, 2, 3, 3000, 0.05))],
    ['test music, stereo 48 kHz', () => testSignal(48000, 2, 48000 * 6, 2)],
    ['test music, mono 22.05 kHz', () => testSignal(22050, 1, 22050 * 5, 3)],
    ['test music, stereo 96 kHz', () => testSignal(96000, 2, 96000 * 4, 4)],
    ['5.1 at 48 kHz', () => testSignal(48000, 6, 48000 * 4, 6)],
  ];
  for (const [name, make] of material) {
    test(`${name}: integrated within 0.02 LU, true peak within 0.2 dB, sample peak equal`, () => {
      const x = make();
      const ours = measureLoudness(x);
      const ref = ebur128Reference(x);
      assert.ok(Math.abs(ours.integratedLufs - ref.integrated) < 0.02, `integrated ${ours.integratedLufs} vs ${ref.integrated}`);
      assert.ok(Math.abs(ours.truePeakDbtp - dB(ref.truePeak)) < 0.2, `true peak ${ours.truePeakDbtp} vs ${dB(ref.truePeak)}`);
      assert.ok(Math.abs(ours.samplePeakDbfs - dB(ref.samplePeak)) < 1e-4);
    });
  }

  test('loudness range of a piece stepping through six levels is within 1 LU of libebur128 (which updates short-term values every 1 s, not 0.1 s)', () => {
    const levels = [-20, -30, -25, -35, -22, -28];
    const parts = levels.map((l, i) => sine(22050, 1, 5, 300 + 100 * i, 10 ** (l / 20)));
    const x = concat(...parts);
    const ours = measureLoudness(x);
    const ref = ebur128Reference(x);
    assert.ok(Math.abs(ours.integratedLufs - ref.integrated) < 0.02);
    assert.ok(Math.abs(ours.loudnessRangeLu - ref.range) < 1, `LRA ${ours.loudnessRangeLu} vs ${ref.range}`);
  });
});
