// PCG32 (XSH-RR 64/32) and the per-variation streams of docs/model-package.md section 4.7.

const MASK64 = (1n << 64n) - 1n;
const MULT = 6364136223846793005n;
/** initseq of every variation stream: the ASCII bytes of "stylebrg". */
export const VARIATION_STREAM = 0x7374796c65627267n;
/** Largest request seed (seeds are exact integers in a JavaScript number). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

export class Pcg32 {
  private state = 0n;
  private readonly inc: bigint;

  constructor(initstate: bigint, initseq: bigint) {
    this.inc = ((initseq << 1n) | 1n) & MASK64;
    this.nextU32();
    this.state = (this.state + (initstate & MASK64)) & MASK64;
    this.nextU32();
  }

  nextU32(): number {
    const old = this.state;
    this.state = (old * MULT + this.inc) & MASK64;
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }

  /** Uniform double in [0, 1) from two draws: 27 high bits first, then 26. */
  uniform(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/** The generator of variation `v` of a request with `seed` (seed + v must stay <= MAX_SEED). */
export function variationRng(seed: number, variation: number): Pcg32 {
  const s = seed + variation;
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(variation) || seed < 0 || variation < 0 || s > MAX_SEED) {
    throw new RangeError(`seed ${seed} + variation ${variation} is outside 0..${MAX_SEED}`);
  }
  return new Pcg32(BigInt(s), VARIATION_STREAM);
}
