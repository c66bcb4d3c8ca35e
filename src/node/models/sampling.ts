// Guidance combination and token picking of docs/model-package.md sections 4.3 and 4.5 (float64 throughout).
import type { Pcg32 } from './pcg32.js';

export type GuidanceMode = 'none' | 'single' | 'double';

export interface PickOptions {
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly greedy: boolean;
}

/**
 * Combines the guidance rows of one codebook into float64 logits.
 * `rows[r]` is row r's float32 logits (length card); `out` receives the result.
 */
export function combineGuidance(rows: readonly Float32Array[], mode: GuidanceMode, a: number, b: number, out: Float64Array): Float64Array {
  const l0 = rows[0]!;
  const n = out.length;
  if (mode === 'none') {
    for (let j = 0; j < n; j++) out[j] = l0[j]!;
  } else if (mode === 'single') {
    const l1 = rows[1]!;
    for (let j = 0; j < n; j++) out[j] = l1[j]! + a * (l0[j]! - l1[j]!);
  } else {
    const l1 = rows[1]!;
    const l2 = rows[2]!;
    for (let j = 0; j < n; j++) out[j] = l2[j]! + a * ((l1[j]! + b * (l0[j]! - l1[j]!)) - l2[j]!);
  }
  return out;
}

/** Index of the first maximum. */
export function argmax(l: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < l.length; j++) if (l[j]! > l[best]!) best = j;
  return best;
}

/** Picks one token from combined logits; draws one uniform from `rng` unless greedy. */
export function pickToken(l: Float64Array, rng: Pcg32, o: PickOptions): number {
  if (o.greedy || o.temperature === 0) return argmax(l);
  const n = l.length;
  const z = new Float64Array(n);
  for (let j = 0; j < n; j++) z[j] = l[j]! / o.temperature;
  const order = Array.from({ length: n }, (_, j) => j);
  order.sort((x, y) => (z[y]! - z[x]!) || (x - y));
  const z0 = z[order[0]!]!;
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = Math.exp(z[order[i]!]! - z0);
  let kept: number;
  if (o.topP > 0) {
    let sAll = 0;
    for (let i = 0; i < n; i++) sAll += w[i]!;
    let c = 0;
    kept = 0;
    for (let i = 0; i < n; i++) {
      if (c > o.topP) break;
      kept = i + 1;
      c += w[i]! / sAll;
    }
  } else if (o.topK > 0) {
    kept = Math.min(o.topK, n);
  } else {
    kept = n;
  }
  let total = 0;
  for (let i = 0; i < kept; i++) total += w[i]!;
  const x = rng.uniform() * total;
  let acc = 0;
  for (let i = 0; i < kept; i++) {
    acc += w[i]!;
    if (x < acc) return order[i]!;
  }
  return order[kept - 1]!;
}
