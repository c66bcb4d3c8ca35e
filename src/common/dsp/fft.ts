// Radix-2 FFT for real signals (forward and inverse), with tables precomputed once per size.

/**
 * A real FFT of a fixed power-of-two size N. The spectrum is N/2+1 complex bins in separate re/im
 * arrays. Internally one complex FFT of size N/2 on the even/odd packed input, then a split step.
 * Not thread-shared state: each instance owns scratch buffers, so use one instance per caller.
 */
export class RealFft {
  readonly size: number;
  readonly #half: number;
  readonly #rev: Uint32Array;
  /** Twiddles of the N/2 complex FFT: cos/sin(-2 pi k / (N/2)). */
  readonly #cosH: Float64Array;
  readonly #sinH: Float64Array;
  /** Split twiddles: cos/sin(-2 pi k / N), k < N/2. */
  readonly #cosN: Float64Array;
  readonly #sinN: Float64Array;
  readonly #zr: Float64Array;
  readonly #zi: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`FFT size ${size} must be a power of two >= 4`);
    }
    this.size = size;
    const h = size >> 1;
    this.#half = h;
    const bits = Math.log2(h);
    this.#rev = new Uint32Array(h);
    for (let i = 0; i < h; i++) {
      let r = 0;
      for (let b = 0, x = i; b < bits; b++, x >>= 1) r = (r << 1) | (x & 1);
      this.#rev[i] = r;
    }
    this.#cosH = new Float64Array(h >> 1 || 1);
    this.#sinH = new Float64Array(h >> 1 || 1);
    for (let k = 0; k < h >> 1; k++) {
      this.#cosH[k] = Math.cos((-2 * Math.PI * k) / h);
      this.#sinH[k] = Math.sin((-2 * Math.PI * k) / h);
    }
    this.#cosN = new Float64Array(h);
    this.#sinN = new Float64Array(h);
    for (let k = 0; k < h; k++) {
      this.#cosN[k] = Math.cos((-2 * Math.PI * k) / size);
      this.#sinN[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.#zr = new Float64Array(h);
    this.#zi = new Float64Array(h);
  }

  /** In-place complex FFT of size N/2 on the scratch arrays; `inverse` uses conjugate twiddles (unscaled). */
  #complex(inverse: boolean): void {
    const n = this.#half;
    const re = this.#zr;
    const im = this.#zi;
    const rev = this.#rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        let t = re[i]!; re[i] = re[j]!; re[j] = t;
        t = im[i]!; im[i] = im[j]!; im[j] = t;
      }
    }
    const cs = this.#cosH;
    const sn = this.#sinH;
    const sgn = inverse ? -1 : 1;
    for (let len = 2; len <= n; len <<= 1) {
      const halfLen = len >> 1;
      const step = n / len;
      for (let i = 0; i < n; i += len) {
        for (let k = 0; k < halfLen; k++) {
          const wr = cs[k * step]!;
          const wi = sgn * sn[k * step]!;
          const a = i + k;
          const b = a + halfLen;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a] = re[a]! + xr;
          im[a] = im[a]! + xi;
        }
      }
    }
  }

  /**
   * Forward transform of `input` (length N, read as zero beyond its end) into outRe/outIm
   * (length N/2+1 each). No scaling.
   */
  forward(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    const h = this.#half;
    const zr = this.#zr;
    const zi = this.#zi;
    const len = input.length;
    for (let i = 0; i < h; i++) {
      const a = 2 * i;
      zr[i] = a < len ? input[a]! : 0;
      zi[i] = a + 1 < len ? input[a + 1]! : 0;
    }
    this.#complex(false);
    // Split: X[k] = E[k] + W^k O[k], with E/O from Z[k] and conj(Z[h-k]).
    outRe[0] = zr[0]! + zi[0]!;
    outIm[0] = 0;
    outRe[h] = zr[0]! - zi[0]!;
    outIm[h] = 0;
    const cn = this.#cosN;
    const sn = this.#sinN;
    for (let k = 1; k < h; k++) {
      const ar = zr[k]!;
      const ai = zi[k]!;
      const br = zr[h - k]!;
      const bi = -zi[h - k]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      const or = 0.5 * (ai - bi);
      const oi = -0.5 * (ar - br);
      const wr = cn[k]!;
      const wi = sn[k]!;
      outRe[k] = er + wr * or - wi * oi;
      outIm[k] = ei + wr * oi + wi * or;
    }
  }

  /** Inverse of forward(): from N/2+1 bins to N real samples, scaled by 1/N so that inverse(forward(x)) = x. */
  inverse(inRe: Float64Array, inIm: Float64Array, output: Float64Array | Float32Array): void {
    const h = this.#half;
    const zr = this.#zr;
    const zi = this.#zi;
    const cn = this.#cosN;
    const sn = this.#sinN;
    for (let k = 0; k < h; k++) {
      const xr = inRe[k]!;
      const xi = inIm[k]!;
      const yr = inRe[h - k]!;
      const yi = -inIm[h - k]!;
      const er = 0.5 * (xr + yr);
      const ei = 0.5 * (xi + yi);
      // O = (X - conj(X[h-k])) / (2 W^k), W^k = cn + i sn, 1/W^k = conj(W^k)
      const dr = 0.5 * (xr - yr);
      const di = 0.5 * (xi - yi);
      const wr = cn[k]!;
      const wi = -sn[k]!;
      const or = dr * wr - di * wi;
      const oi = dr * wi + di * wr;
      // Z = E + i O
      zr[k] = er - oi;
      zi[k] = ei + or;
    }
    this.#complex(true);
    const scale = 1 / h;
    for (let i = 0; i < h; i++) {
      output[2 * i] = zr[i]! * scale;
      output[2 * i + 1] = zi[i]! * scale;
    }
  }
}

/** A periodic Hann window of length n (sums to a constant under 50% and 75% overlap). */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** Smallest power of two >= x (x >= 1). */
export function nextPow2(x: number): number {
  let p = 1;
  while (p < x) p <<= 1;
  return p;
}
