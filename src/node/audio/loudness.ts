// Loudness per ITU-R BS.1770-4 (K-weighting, gated integrated LUFS, momentary/short-term maxima), EBU Tech 3342 loudness range, and 4x true peak.
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { assertValidBuffer } from './pcm.js';

export interface Biquad {
  readonly b: readonly [number, number, number];
  readonly a: readonly [number, number, number];
}

export interface LoudnessOptions {
  /** Per-channel weights G_i; default from the channel count (see defaultChannelWeights). */
  readonly channelWeights?: readonly number[];
}

export interface LoudnessResult {
  /** Gated integrated loudness (LUFS); -Infinity when no 400 ms block passes the gates (silence, or under 400 ms). */
  readonly integratedLufs: number;
  /** Highest momentary (400 ms) loudness, LUFS. */
  readonly maxMomentaryLufs: number;
  /** Highest short-term (3 s) loudness, LUFS; -Infinity when shorter than 3 s. */
  readonly maxShortTermLufs: number;
  /** Loudness range (EBU Tech 3342), LU; 0 when fewer than two short-term values pass its gates. */
  readonly loudnessRangeLu: number;
  /** Highest true peak over all channels (dBTP), from 4x oversampling below 96 kHz (2x below 192 kHz). */
  readonly truePeakDbtp: number;
  /** Highest absolute sample value, dBFS. */
  readonly samplePeakDbfs: number;
}

// Analog prototypes of the two K-weighting stages, from which BS.1770's 48 kHz coefficients follow
// by the bilinear transform; computing them per rate makes the filter right at any sample rate.
const SHELF_F0 = 1681.974450955533;
const SHELF_GAIN_DB = 3.999843853973347;
const SHELF_Q = 0.7071752369554196;
const HIGHPASS_F0 = 38.13547087602444;
const HIGHPASS_Q = 0.5003270373238773;

/** The two K-weighting biquads (pre-filter shelf, then RLB high-pass) for `sampleRate`. */
export function kWeighting(sampleRate: number): { shelf: Biquad; highpass: Biquad } {
  let k = Math.tan((Math.PI * SHELF_F0) / sampleRate);
  const vh = 10 ** (SHELF_GAIN_DB / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / SHELF_Q + k * k;
  const shelf: Biquad = {
    b: [(vh + (vb * k) / SHELF_Q + k * k) / a0, (2 * (k * k - vh)) / a0, (vh - (vb * k) / SHELF_Q + k * k) / a0],
    a: [1, (2 * (k * k - 1)) / a0, (1 - k / SHELF_Q + k * k) / a0],
  };
  k = Math.tan((Math.PI * HIGHPASS_F0) / sampleRate);
  a0 = 1 + k / HIGHPASS_Q + k * k;
  const highpass: Biquad = { b: [1, -2, 1], a: [1, (2 * (k * k - 1)) / a0, (1 - k / HIGHPASS_Q + k * k) / a0] };
  return { shelf, highpass };
}

/** BS.1770 weights: 1.0 for L, R, C; 1.41 for surrounds; 0 for LFE (5.1 in L R C LFE Ls Rs order). */
export function defaultChannelWeights(channels: number): number[] {
  if (channels === 5) return [1, 1, 1, 1.41, 1.41];
  if (channels === 6) return [1, 1, 1, 0, 1.41, 1.41];
  return Array.from({ length: channels }, () => 1);
}

function biquadInPlace(x: Float64Array, f: Biquad): void {
  const [b0, b1, b2] = f.b;
  const [, a1, a2] = f.a;
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i]!;
    const y0 = b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = y0;
    x[i] = y0;
  }
}

const toLufs = (power: number): number => (power > 0 ? -0.691 + 10 * Math.log10(power) : -Infinity);

/** Sum over channels of G_i times the K-weighted energy in each 100 ms segment (the building block of every window). */
function segmentEnergies(buf: AudioBuffer, weights: readonly number[], hop: number): Float64Array {
  const frames = buf.channels[0]!.length;
  const segments = Math.floor(frames / hop);
  const out = new Float64Array(segments);
  const { shelf, highpass } = kWeighting(buf.sampleRate);
  buf.channels.forEach((ch, c) => {
    const g = weights[c]!;
    if (g === 0) return;
    const y = Float64Array.from(ch);
    biquadInPlace(y, shelf);
    biquadInPlace(y, highpass);
    for (let s = 0; s < segments; s++) {
      let e = 0;
      for (let i = s * hop, end = i + hop; i < end; i++) e += y[i]! * y[i]!;
      out[s]! += g * e;
    }
  });
  return out;
}

/** Mean weighted power of every window of `len` segments, advancing one segment (100 ms) at a time. */
function windowPowers(seg: Float64Array, len: number, hop: number): Float64Array {
  const n = Math.max(0, seg.length - len + 1);
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < seg.length; i++) {
    sum += seg[i]!;
    if (i >= len) sum -= seg[i - len]!;
    if (i >= len - 1) out[i - len + 1] = Math.max(0, sum) / (len * hop);
  }
  return out;
}

function gatedIntegrated(blocks: Float64Array): number {
  const absGate = 10 ** ((-70 + 0.691) / 10);
  let sum = 0;
  let n = 0;
  for (const p of blocks) {
    if (p > absGate) {
      sum += p;
      n++;
    }
  }
  if (n === 0) return -Infinity;
  const relGate = (sum / n) * 10 ** (-10 / 10);
  sum = 0;
  n = 0;
  for (const p of blocks) {
    if (p > absGate && p > relGate) {
      sum += p;
      n++;
    }
  }
  return n === 0 ? -Infinity : toLufs(sum / n);
}

/** EBU Tech 3342: short-term values gated at -70 LUFS and 20 LU below their mean; range = 95th - 10th percentile. */
function loudnessRange(shortTerm: Float64Array): number {
  const absGate = 10 ** ((-70 + 0.691) / 10);
  const passed = Array.from(shortTerm).filter((p) => p > absGate);
  if (passed.length === 0) return 0;
  const relGate = (passed.reduce((a, b) => a + b, 0) / passed.length) * 10 ** (-20 / 10);
  const values = passed.filter((p) => p > relGate).map(toLufs).sort((a, b) => a - b);
  if (values.length < 2) return 0;
  const pct = (q: number): number => values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))]!;
  return pct(0.95) - pct(0.1);
}

// ----- true peak -----------------------------------------------------------------------------------

const TAPS_PER_PHASE = 24;
const filterCache = new Map<number, Float64Array[]>();

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** Polyphase interpolation filters (Kaiser-windowed sinc, cutoff at the input Nyquist) for `factor`x oversampling. */
function polyphase(factor: number): Float64Array[] {
  const cached = filterCache.get(factor);
  if (cached) return cached;
  const n = factor * TAPS_PER_PHASE;
  const beta = 8;
  const centre = (n - 1) / 2;
  const h = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = (i - centre) / factor;
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
    const r = (i - centre) / centre;
    h[i] = sinc * (besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / besselI0(beta));
  }
  const phases = Array.from({ length: factor }, (_, p) => {
    const taps = new Float64Array(TAPS_PER_PHASE);
    for (let k = 0; k < TAPS_PER_PHASE; k++) taps[k] = h[p + k * factor]!;
    const sum = taps.reduce((a, b) => a + b, 0);
    return taps.map((v) => v / sum); // unity gain at DC in every phase
  });
  filterCache.set(factor, phases);
  return phases;
}

/** Oversampling factor per BS.1770-4 Annex 2 practice: 4x below 96 kHz, 2x below 192 kHz, none above. */
export function truePeakFactor(sampleRate: number): number {
  return sampleRate < 96000 ? 4 : sampleRate < 192000 ? 2 : 1;
}

/** Highest absolute value of the oversampled signal (linear), never below the sample peak. */
export function truePeak(ch: Float32Array, sampleRate: number): number {
  let peak = 0;
  for (let i = 0; i < ch.length; i++) peak = Math.max(peak, Math.abs(ch[i]!));
  const factor = truePeakFactor(sampleRate);
  if (factor === 1) return peak;
  const phases = polyphase(factor);
  const T = TAPS_PER_PHASE;
  // Run past the end by T samples so the filter's delayed tail is examined too (zeros around the signal).
  const padded = new Float32Array(ch.length + 2 * T);
  padded.set(ch, T);
  for (let n = 0; n < ch.length + T; n++) {
    // Output for input position n uses padded[n + T - k] for k = 0..T-1.
    const base = n + T;
    for (const taps of phases) {
      let acc = 0;
      for (let k = 0; k < T; k++) acc += taps[k]! * padded[base - k]!;
      const a = acc < 0 ? -acc : acc;
      if (a > peak) peak = a;
    }
  }
  return peak;
}

/** Measures `buf`. Throws AUDIO_INVALID_BUFFER for a malformed buffer, AUDIO_BAD_OPTION for weights of the wrong count. */
export function measureLoudness(buf: AudioBuffer, options: LoudnessOptions = {}): LoudnessResult {
  assertValidBuffer(buf);
  const weights = options.channelWeights ?? defaultChannelWeights(buf.channels.length);
  if (weights.length !== buf.channels.length || weights.some((w) => !Number.isFinite(w) || w < 0)) {
    throw new StylebridgeError('AUDIO_BAD_OPTION', `channelWeights needs ${buf.channels.length} finite weights >= 0.`, { option: 'channelWeights' });
  }
  const hop = Math.round(buf.sampleRate / 10);
  const seg = segmentEnergies(buf, weights, hop);
  const momentary = windowPowers(seg, 4, hop);
  const shortTerm = windowPowers(seg, 30, hop);
  let maxM = 0;
  for (const p of momentary) maxM = Math.max(maxM, p);
  let maxS = 0;
  for (const p of shortTerm) maxS = Math.max(maxS, p);
  let tp = 0;
  let sp = 0;
  for (const ch of buf.channels) {
    for (let i = 0; i < ch.length; i++) sp = Math.max(sp, Math.abs(ch[i]!));
    tp = Math.max(tp, truePeak(ch, buf.sampleRate));
  }
  const db = (x: number): number => (x > 0 ? 20 * Math.log10(x) : -Infinity);
  return {
    integratedLufs: gatedIntegrated(momentary),
    maxMomentaryLufs: toLufs(maxM),
    maxShortTermLufs: toLufs(maxS),
    loudnessRangeLu: loudnessRange(shortTerm),
    truePeakDbtp: db(tp),
    samplePeakDbfs: db(sp),
  };
}
