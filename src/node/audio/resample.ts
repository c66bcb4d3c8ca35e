// High-quality sample-rate conversion (libsamplerate's best sinc converter) with an exact, documented output length; and fitLength.
import LibSampleRate from '@alexanderolsen/libsamplerate-js';
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { frameCount } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { assertValidBuffer } from './pcm.js';

export type ResampleQuality = 'best' | 'medium' | 'fastest';

export interface ResampleOptions {
  /** libsamplerate converter: SRC_SINC_BEST_QUALITY (default), SRC_SINC_MEDIUM_QUALITY or SRC_SINC_FASTEST. */
  readonly quality?: ResampleQuality;
}

/** Rates accepted by resample(), in Hz. libsamplerate also needs the ratio within 1/256..256. */
export const RESAMPLE_LIMITS = Object.freeze({ minRate: 1000, maxRate: 768000 });

/** Interleaved samples handed to the converter per call; the wasm build holds 1,008,000 samples per buffer. */
const MAX_CALL_SAMPLES = 500_000;

/**
 * The output length rule: round(frames x to / from), halves rounded up, computed in exact integer
 * arithmetic. So 44100 frames at 44.1 kHz become exactly 48000 at 48 kHz, and a take of N bars keeps
 * N bars (to within half a sample, which fitLength() then settles against the timing module's value).
 */
export function resampledLength(frames: number, from: number, to: number): number {
  return Math.floor((2 * frames * to + from) / (2 * from));
}

function checkRate(rate: number, what: string): void {
  if (!Number.isInteger(rate) || rate < RESAMPLE_LIMITS.minRate || rate > RESAMPLE_LIMITS.maxRate) {
    throw new StylebridgeError('AUDIO_BAD_SAMPLE_RATE', `${what} sample rate ${rate} is not a whole number in ${RESAMPLE_LIMITS.minRate}..${RESAMPLE_LIMITS.maxRate}.`, {
      sampleRate: rate,
    });
  }
}

/**
 * Converts `buf` to `targetRate`. Output has exactly resampledLength(frames, from, to) frames and is
 * time-aligned with the input (sample 0 of the output is time 0 of the input): the converter's tail
 * is flushed with silence rather than cut. Same rate: a copy.
 */
export async function resample(buf: AudioBuffer, targetRate: number, options: ResampleOptions = {}): Promise<AudioBuffer> {
  const frames = assertValidBuffer(buf);
  checkRate(buf.sampleRate, 'Source');
  checkRate(targetRate, 'Target');
  const ratio = targetRate / buf.sampleRate;
  if (ratio > 256 || ratio < 1 / 256) {
    throw new StylebridgeError('AUDIO_BAD_SAMPLE_RATE', `Converting ${buf.sampleRate} Hz to ${targetRate} Hz exceeds the 256:1 ratio limit.`, { from: buf.sampleRate, to: targetRate });
  }
  if (targetRate === buf.sampleRate) return { sampleRate: targetRate, channels: buf.channels.map((c) => c.slice()) };
  const quality = options.quality ?? 'best';
  const { ConverterType } = LibSampleRate;
  const converterType = quality === 'best' ? ConverterType.SRC_SINC_BEST_QUALITY : quality === 'medium' ? ConverterType.SRC_SINC_MEDIUM_QUALITY : ConverterType.SRC_SINC_FASTEST;
  const n = buf.channels.length;
  const want = resampledLength(frames, buf.sampleRate, targetRate);
  const out = Array.from({ length: n }, () => new Float32Array(want));
  const src = await LibSampleRate.create(n, buf.sampleRate, targetRate, { converterType });
  try {
    const chunkFrames = Math.max(1, Math.floor(MAX_CALL_SAMPLES / n / Math.max(1, ratio)));
    const interleaved = new Float32Array(chunkFrames * n);
    let written = 0;
    let consumed = 0;
    // Input, then silence until the converter has delivered every output frame the rule asks for.
    for (let guard = 0; written < want; guard++) {
      if (guard > 4 + Math.ceil((frames + 1e6) / chunkFrames)) throw new StylebridgeError('INTERNAL', 'The resampler stopped producing output.');
      const take = Math.min(chunkFrames, Math.max(0, frames - consumed));
      const len = consumed < frames ? take : chunkFrames;
      const block = interleaved.subarray(0, len * n);
      block.fill(0);
      for (let c = 0; c < n; c++) {
        const ch = buf.channels[c]!;
        for (let i = 0; i < take; i++) block[i * n + c] = ch[consumed + i]!;
      }
      consumed += take;
      const produced = src.full(block);
      const got = produced.length / n;
      const use = Math.min(got, want - written);
      for (let c = 0; c < n; c++) {
        const o = out[c]!;
        for (let i = 0; i < use; i++) o[written + i] = produced[i * n + c]!;
      }
      written += use;
    }
  } finally {
    src.destroy();
  }
  return { sampleRate: targetRate, channels: out };
}

/** Exactly `frames` frames: cut at the end, or padded with silence. Sample-exact, no fades. */
export function fitLength(buf: AudioBuffer, frames: number): AudioBuffer {
  if (!Number.isInteger(frames) || frames < 0) throw new StylebridgeError('AUDIO_BAD_OPTION', `fitLength needs a whole frame count >= 0, not ${frames}.`, { option: 'frames', value: frames });
  const have = frameCount(buf);
  return {
    sampleRate: buf.sampleRate,
    channels: buf.channels.map((ch) => {
      if (have === frames) return ch.slice();
      const o = new Float32Array(frames);
      o.set(have > frames ? ch.subarray(0, frames) : ch);
      return o;
    }),
  };
}
