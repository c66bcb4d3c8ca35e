// PCG32 seeded random numbers: the only randomness the engines use, so a seed reproduces a take bit for bit.

const MASK64 = (1n << 64n) - 1n;
const MULT = 6364136223846793005n;

/**
 * PCG-XSH-RR 32-bit generator (O'Neill, 2014) with 64-bit state in BigInt for exactness; the hot
 * paths draw a few thousand numbers per take, so BigInt's cost is immaterial. Same seed and stream
 * give the same sequence on every platform.
 */
export class Pcg32 {
  #state = 0n;
  readonly #inc: bigint;

  constructor(seed: number | bigint, stream: number | bigint = 54) {
    this.#inc = ((BigInt(stream) << 1n) | 1n) & MASK64;
    this.#state = 0n;
    this.nextU32();
    this.#state = (this.#state + (BigInt.asUintN(64, BigInt(seed)))) & MASK64;
    this.nextU32();
  }

  /** Uniform integer in [0, 2^32). */
  nextU32(): number {
    const old = this.#state;
    this.#state = (old * MULT + this.#inc) & MASK64;
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n), n >= 1, without modulo bias. */
  int(n: number): number {
    if (n <= 1) return 0;
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Index drawn in proportion to non-negative weights; -1 when all are zero. */
  weighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += Math.max(0, weights[i]!);
    if (!(total > 0)) return -1;
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      const w = Math.max(0, weights[i]!);
      if (x < w) return i;
      x -= w;
    }
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
    return -1;
  }
}

/** Mixes a seed and an index into a new 32-bit seed (splitmix-style), for per-variation seeds. */
export function deriveSeed(seed: number, index: number): number {
  let z = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + BigInt(index + 1) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  z = z ^ (z >> 31n);
  return Number(z & 0xffffffffn);
}
