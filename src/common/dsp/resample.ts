// Band-limited resampling by any ratio (windowed sinc, tabulated kernel): rate conversion and pitch shifting.

/** Zero crossings on each side of the kernel; 16 keeps aliasing and passband ripple well below -70 dB. */
export const RESAMPLE_HALF_TAPS = 16;
const TABLE_RES = 256;

const kernels = new Map<number, Float64Array>();

/** Blackman-Harris-windowed sinc, sampled TABLE_RES times per zero crossing over [0, halfTaps]. */
function kernel(halfTaps: number): Float64Array {
  const hit = kernels.get(halfTaps);
  if (hit) return hit;
  const n = halfTaps * TABLE_RES + 2;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = i / TABLE_RES;
    if (x >= halfTaps) { t[i] = 0; continue; }
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const p = 0.5 + (0.5 * x) / halfTaps; // window position 0.5..1 for x 0..halfTaps
    const a = 2 * Math.PI * p;
    const w = 0.35875 - 0.48829 * Math.cos(a) + 0.14128 * Math.cos(2 * a) - 0.01168 * Math.cos(3 * a);
    t[i] = sinc * w;
  }
  kernels.set(halfTaps, t);
  return t;
}

/**
 * Reads `input` at fractional positions start, start+step, ... and writes `outLength` samples.
 * step > 1 reads faster (downsampling / pitch up) and the kernel widens to stay anti-aliased.
 * Samples outside the input read as zero.
 */
export function resampleInto(input: Float32Array, start: number, step: number, output: Float32Array, outLength = output.length, halfTaps = RESAMPLE_HALF_TAPS): void {
  const tab = kernel(halfTaps);
  const scale = step > 1 ? 1 / step : 1; // cutoff relative to the input's Nyquist
  const half = Math.ceil(halfTaps / scale);
  const n = input.length;
  const tabScale = TABLE_RES * scale;
  const limit = halfTaps * TABLE_RES;
  for (let j = 0; j < outLength; j++) {
    const t = start + j * step;
    const c = Math.floor(t);
    const lo = Math.max(0, c - half + 1);
    const hi = Math.min(n - 1, c + half);
    let acc = 0;
    for (let k = lo; k <= hi; k++) {
      const d = Math.abs(t - k) * tabScale;
      if (d >= limit) continue;
      const i = d | 0;
      const f = d - i;
      acc += input[k]! * (tab[i]! + f * (tab[i + 1]! - tab[i]!));
    }
    output[j] = acc * scale;
  }
}

/** Converts a channel from one sample rate to another; the result has round(len * to / from) samples. */
export function resampleChannel(input: Float32Array, fromRate: number, toRate: number, outLength?: number): Float32Array {
  const len = outLength ?? Math.round((input.length * toRate) / fromRate);
  const out = new Float32Array(len);
  if (fromRate === toRate) {
    out.set(input.subarray(0, Math.min(len, input.length)));
    return out;
  }
  resampleInto(input, 0, fromRate / toRate, out, len);
  return out;
}
