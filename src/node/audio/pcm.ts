// Float to integer PCM conversion with optional seeded TPDF dither, and the buffer checks every writer runs first.
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';

export type Dither = 'none' | 'tpdf';

/** Throws AUDIO_INVALID_BUFFER unless `buf` has >= 1 channel, equal lengths, finite samples and a whole positive rate. */
export function assertValidBuffer(buf: AudioBuffer, maxChannels = 65535): number {
  const n = buf.channels.length;
  if (n < 1 || n > maxChannels) throw new StylebridgeError('AUDIO_INVALID_BUFFER', `A buffer needs 1..${maxChannels} channels; it has ${n}.`, { channels: n });
  if (!Number.isInteger(buf.sampleRate) || buf.sampleRate < 1 || buf.sampleRate > 0xffffffff) {
    throw new StylebridgeError('AUDIO_INVALID_BUFFER', `Sample rate ${buf.sampleRate} is not a positive whole number.`, { sampleRate: buf.sampleRate });
  }
  const frames = buf.channels[0]!.length;
  buf.channels.forEach((ch, c) => {
    if (ch.length !== frames) throw new StylebridgeError('AUDIO_INVALID_BUFFER', `Channel ${c} has ${ch.length} frames, channel 0 has ${frames}.`, { channel: c });
    for (let i = 0; i < ch.length; i++) {
      if (!Number.isFinite(ch[i]!)) throw new StylebridgeError('AUDIO_INVALID_BUFFER', `Sample ${i} of channel ${c} is ${ch[i]}.`, { channel: c, frame: i });
    }
  });
  return frames;
}

/** mulberry32: a small seeded generator, so dithered output is reproducible bit for bit. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Quantizes one channel to signed integers of `bits` bits: round(x * 2^(bits-1)), clipped to
 * [-2^(bits-1), 2^(bits-1)-1]. With 'tpdf', triangular noise of +-1 LSB peak (the sum of two
 * independent uniform values of 1 LSB width) is added before rounding; `rng` makes it reproducible.
 */
export function quantize(ch: Float32Array, bits: number, dither: Dither, rng: (() => number) | undefined): Int32Array {
  const scale = 2 ** (bits - 1);
  const lo = -scale;
  const hi = scale - 1;
  const out = new Int32Array(ch.length);
  for (let i = 0; i < ch.length; i++) {
    let v = ch[i]! * scale;
    if (dither === 'tpdf') v += rng!() - rng!();
    let q = Math.round(v);
    if (q < lo) q = lo;
    else if (q > hi) q = hi;
    out[i] = q;
  }
  return out;
}

/** Quantizes every channel; the dither generator is shared across channels in channel order. */
export function quantizeBuffer(buf: AudioBuffer, bits: number, dither: Dither = 'none', ditherSeed = 1): Int32Array[] {
  if (dither !== 'none' && dither !== 'tpdf') throw new StylebridgeError('AUDIO_BAD_OPTION', `Unknown dither '${String(dither)}' (none or tpdf).`, { option: 'dither', value: dither });
  const rng = dither === 'tpdf' ? seeded(ditherSeed) : undefined;
  return buf.channels.map((ch) => quantize(ch, bits, dither, rng));
}
