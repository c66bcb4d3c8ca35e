// The bar's own style: units clustered into a small alphabet, and a variable-order Markov model over the grid.
import { Pcg32 } from '../../../common/dsp/prng.js';
import type { BarAnalysis, Unit } from './analysis.js';

/** Token of a grid step on which no unit starts (the previous one rings on). */
export const HOLD = -1;
/** Longest context the prefix tree keeps. */
export const MAX_ORDER = 6;
/** Seed of the clustering's k-means++ start: fixed, so analysis never depends on the user's seed. */
const CLUSTER_SEED = 0x5eed;

export interface StyleModel {
  readonly clusters: number;
  /** Token per global source step: a cluster id or HOLD. */
  readonly tokens: Int32Array;
  /** Units of each cluster. */
  readonly members: readonly (readonly Unit[])[];
  /** Mean percussiveness of each cluster. */
  readonly clusterPerc: Float64Array;
  /** Count of each token (index 0 = HOLD, c+1 = cluster c) at each bar step, over the source bars. */
  readonly atStep: readonly Float64Array[];
  /** Same, pooled by metrical level (grid LEVEL). */
  readonly atLevel: readonly Float64Array[];
  /** Continuation counts: context key -> counts over tokens (index as in atStep). */
  readonly tree: ReadonlyMap<string, Float64Array>;
}

/** Feature vector of a unit for clustering: timbre, envelope and, for pitched units, chroma. */
function features(u: Unit): number[] {
  const d = u.desc;
  return [
    ...d.bandsDb.map((b) => b / 6),
    Math.log2(Math.max(50, d.centroidHz) / 1000),
    d.flatness * 4,
    d.percussiveness * 3,
    d.loudnessDb / 6,
    d.decayDb[0] / 8,
    d.decayDb[1] / 8,
    ...d.chroma.map((c) => c * 6 * d.tonalness),
  ];
}

/** k-means with k-means++ seeding from a fixed seed; returns a cluster id per row. */
export function kmeans(rows: number[][], k: number, iterations = 25): Int32Array {
  const n = rows.length;
  const dim = rows[0]?.length ?? 0;
  const assign = new Int32Array(n);
  if (n === 0 || k <= 1) return assign;
  const rng = new Pcg32(CLUSTER_SEED);
  const dist = (a: number[], b: number[]): number => {
    let s = 0;
    for (let i = 0; i < dim; i++) { const t = a[i]! - b[i]!; s += t * t; }
    return s;
  };
  const centres: number[][] = [rows[rng.int(n)]!.slice()];
  while (centres.length < k) {
    const w = rows.map((r) => Math.min(...centres.map((c) => dist(r, c))));
    const i = rng.weighted(w);
    if (i < 0) break; // fewer distinct rows than k
    centres.push(rows[i]!.slice());
  }
  for (let it = 0; it < iterations; it++) {
    let moved = false;
    for (let i = 0; i < n; i++) {
      let best = 0, bd = Infinity;
      for (let c = 0; c < centres.length; c++) {
        const d = dist(rows[i]!, centres[c]!);
        if (d < bd) { bd = d; best = c; }
      }
      if (assign[i] !== best || it === 0) { moved = moved || assign[i] !== best; assign[i] = best; }
    }
    const sums = centres.map(() => new Array<number>(dim).fill(0));
    const counts = new Array<number>(centres.length).fill(0);
    for (let i = 0; i < n; i++) {
      counts[assign[i]!]!++;
      for (let j = 0; j < dim; j++) sums[assign[i]!]![j]! += rows[i]![j]!;
    }
    for (let c = 0; c < centres.length; c++) if (counts[c]! > 0) centres[c] = sums[c]!.map((s) => s / counts[c]!);
    if (!moved && it > 0) break;
  }
  // renumber clusters by first appearance so ids are stable and dense
  const remap = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!remap.has(assign[i]!)) remap.set(assign[i]!, remap.size);
  for (let i = 0; i < n; i++) assign[i] = remap.get(assign[i]!)!;
  return assign;
}

/** Alphabet size for n units: about sqrt(1.5 n), at least 2 when there are 2 units, at most `max`. */
export function clusterCount(n: number, max: number): number {
  if (n <= 1) return 1;
  return Math.max(2, Math.min(max, n, Math.round(Math.sqrt(1.5 * n))));
}

const key = (ctx: readonly number[]): string => ctx.join(',');

export function buildStyleModel(a: BarAnalysis, maxClusters: number): StyleModel {
  const rows = a.units.map(features);
  // standardise each dimension so no descriptor dominates by its unit
  const dim = rows[0]?.length ?? 0;
  for (let j = 0; j < dim; j++) {
    let m = 0;
    for (const r of rows) m += r[j]!;
    m /= rows.length;
    let v = 0;
    for (const r of rows) v += (r[j]! - m) ** 2;
    const sd = Math.sqrt(v / rows.length);
    for (const r of rows) r[j] = sd > 1e-9 ? (r[j]! - m) / Math.max(sd, 0.25) : 0;
  }
  const k = clusterCount(rows.length, maxClusters);
  const assign = kmeans(rows, k);
  const clusters = rows.length ? Math.max(...assign) + 1 : 1;
  a.units.forEach((u, i) => { u.cluster = assign[i]!; });
  const members: Unit[][] = Array.from({ length: clusters }, () => []);
  for (const u of a.units) members[u.cluster]!.push(u);
  const clusterPerc = new Float64Array(clusters);
  for (let c = 0; c < clusters; c++) clusterPerc[c] = members[c]!.reduce((s, u) => s + u.desc.percussiveness, 0) / Math.max(1, members[c]!.length);

  const tokens = new Int32Array(a.totalSteps).fill(HOLD);
  for (const u of a.units) tokens[u.step] = u.cluster;
  const alphabet = clusters + 1;
  const spb = a.grid.stepsPerBar;
  const atStep = Array.from({ length: spb }, () => new Float64Array(alphabet));
  const atLevel = Array.from({ length: 5 }, () => new Float64Array(alphabet));
  for (let s = 0; s < a.totalSteps; s++) {
    const t = tokens[s]! + 1;
    atStep[s % spb]![t]! += 1;
    atLevel[a.grid.level[s % spb]!]![t]! += 1;
  }
  // Prefix tree as a map of contexts (the sequence is a loop, so contexts wrap around the bar line).
  const tree = new Map<string, Float64Array>();
  const T = a.totalSteps;
  for (let s = 0; s < T; s++) {
    const next = tokens[s]! + 1;
    for (let o = 0; o <= Math.min(MAX_ORDER, T * 2); o++) {
      const ctx: number[] = [];
      for (let j = o; j >= 1; j--) ctx.push(tokens[(((s - j) % T) + T) % T]!);
      const kk = `${o}|${key(ctx)}`;
      let counts = tree.get(kk);
      if (!counts) { counts = new Float64Array(alphabet); tree.set(kk, counts); }
      counts[next]! += 1;
    }
  }
  return { clusters, tokens, members, clusterPerc, atStep, atLevel, tree };
}

/** Continuation counts for the longest context of at most `order` tokens that the model has seen. */
export function continuation(model: StyleModel, history: readonly number[], order: number): { counts: Float64Array; order: number } {
  for (let o = Math.min(order, history.length, MAX_ORDER); o >= 0; o--) {
    const ctx = history.slice(history.length - o);
    const c = model.tree.get(`${o}|${key(ctx)}`);
    if (c) return { counts: c, order: o };
  }
  return { counts: model.tree.get('0|')!, order: 0 };
}
