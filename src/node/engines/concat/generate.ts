// Generation of a take's plan: a new grid sequence from the style model, a unit per event, and per-unit moves.
import { Pcg32 } from '../../../common/dsp/prng.js';
import type { BarAnalysis, Unit } from './analysis.js';
import { LEVEL, type Grid } from './grid.js';
import type { StrengthProfile } from './strength.js';
import { HOLD, continuation, type StyleModel } from './style-model.js';

export interface Moves {
  /** Semitones, 0 = none. */
  readonly semitones: number;
  readonly reverse: boolean;
  /** Repeats of the unit's head across its slot, 1 = none. */
  readonly stutter: number;
  readonly gainDb: number;
}

export interface Placement {
  /** Global output step. */
  readonly step: number;
  readonly unit: Unit;
  readonly moves: Moves;
  /** Part of the last bar's fill. */
  readonly fill: boolean;
}

export interface Plan {
  readonly placements: readonly Placement[];
  /** Output tokens per step (cluster or HOLD). */
  readonly tokens: Int32Array;
  /** Steps whose token differs from the source's. */
  readonly changedSteps: number;
  readonly bars: number;
}

/** Tonalness a unit needs before it may be transposed. */
export const TONAL_MIN = 0.45;

const NO_MOVES: Moves = { semitones: 0, reverse: false, stutter: 1, gainDb: 0 };

/** Where a bar step may not change its kind of event: the downbeat, strong beats, and (if asked) every beat. */
function isProtected(grid: Grid, barStep: number, keepBeats: boolean): boolean {
  const lv = grid.level[barStep]!;
  return lv === LEVEL.downbeat || lv === LEVEL.strong || (keepBeats && lv === LEVEL.beat);
}

/** The source's token at output step s (output bar b reads source bar b mod sourceBars). */
function sourceToken(model: StyleModel, a: BarAnalysis, s: number): number {
  return model.tokens[s % a.totalSteps]!;
}

function affinity(model: StyleModel, grid: Grid, barStep: number, weight: number): Float64Array {
  const st = model.atStep[barStep]!;
  const lv = model.atLevel[grid.level[barStep]!]!;
  const out = new Float64Array(st.length);
  for (let t = 0; t < st.length; t++) out[t] = weight * st[t]! + lv[t]! + 0.05;
  return out;
}

/** Draws the token sequence for `bars` output bars. */
function drawTokens(a: BarAnalysis, model: StyleModel, p: StrengthProfile, bars: number, rng: Pcg32): Int32Array {
  const grid = a.grid;
  const spb = grid.stepsPerBar;
  const total = spb * bars;
  const out = new Int32Array(total);
  // history starts with the end of the source loop, as if the take followed the captured bar
  const history: number[] = [];
  for (let j = Math.min(a.totalSteps, 8); j >= 1; j--) history.push(model.tokens[a.totalSteps - j]!);
  const fillFrom = bars > 1 ? total - Math.min(spb, p.fillBeats * grid.stepsPerBeat * (grid.meter.denominator >= 8 && grid.meter.numerator % 3 === 0 ? 3 : 1)) : total;
  for (let s = 0; s < total; s++) {
    const bs = s % spb;
    let tok: number;
    if (isProtected(grid, bs, p.keepBeats)) {
      tok = sourceToken(model, a, s);
    } else if (s >= fillFrom) {
      // fill: an event on every step, drawn from the more percussive kinds
      const w = affinity(model, grid, bs, 1);
      w[0] = 0;
      const median = [...model.clusterPerc].sort((x, y) => x - y)[model.clusters >> 1] ?? 0;
      for (let c = 0; c < model.clusters; c++) if (model.clusterPerc[c]! < median) w[c + 1]! *= 0.2;
      tok = rng.weighted(w) - 1;
      if (tok < HOLD) tok = sourceToken(model, a, s);
    } else {
      const order = rng.chance(p.stray) ? rng.int(2) : p.order;
      const { counts } = continuation(model, history, order);
      const aff = affinity(model, grid, bs, p.positionAffinity);
      const w = new Float64Array(counts.length);
      let sum = 0;
      for (let t = 0; t < w.length; t++) { w[t] = counts[t]! * aff[t]!; sum += w[t]!; }
      tok = (sum > 0 ? rng.weighted(w) : rng.weighted(aff)) - 1;
    }
    out[s] = tok;
    history.push(tok);
  }
  return out;
}

function countChanges(model: StyleModel, a: BarAnalysis, tokens: Int32Array): number {
  let n = 0;
  for (let s = 0; s < tokens.length; s++) if (tokens[s] !== sourceToken(model, a, s)) n++;
  return n;
}

/** Brings the number of changed steps into [lo, hi] by changing or restoring unprotected steps. */
function enforceChanges(a: BarAnalysis, model: StyleModel, p: StrengthProfile, tokens: Int32Array, lo: number, hi: number, rng: Pcg32): void {
  const grid = a.grid;
  const spb = grid.stepsPerBar;
  const free: number[] = [];
  for (let s = 0; s < tokens.length; s++) if (!isProtected(grid, s % spb, p.keepBeats)) free.push(s);
  let changes = countChanges(model, a, tokens);
  for (let guard = 0; changes < lo && guard < 4 * free.length; guard++) {
    const s = free[rng.int(free.length)]!;
    const src = sourceToken(model, a, s);
    if (tokens[s] !== src) continue;
    const w = affinity(model, grid, s % spb, p.positionAffinity);
    w[src + 1] = 0;
    // always allow a new event of a kind seen at this level, or a rest where the source has an event
    let t = rng.weighted(w) - 1;
    if (t < HOLD) t = src === HOLD ? rng.int(model.clusters) : HOLD;
    tokens[s] = t;
    changes++;
  }
  for (let guard = 0; changes > hi && guard < 4 * free.length; guard++) {
    const s = free[rng.int(free.length)]!;
    const src = sourceToken(model, a, s);
    if (tokens[s] === src) continue;
    tokens[s] = src;
    changes--;
  }
}

/** Picks a unit of kind `cluster` for output step s: same bar position first, then continuity with the previous unit. */
function chooseUnit(a: BarAnalysis, model: StyleModel, p: StrengthProfile, cluster: number, s: number, prev: Placement | undefined, rng: Pcg32): Unit {
  const members = model.members[cluster]!;
  if (members.length === 1) return members[0]!;
  const bs = s % a.grid.stepsPerBar;
  const lv = a.grid.level[bs]!;
  const w = members.map((u) => {
    let x = 1;
    if (u.barStep === bs) x += p.positionAffinity;
    if (a.grid.level[u.barStep] === lv) x += 1;
    if (prev && prev.unit.index + 1 === u.index && u.step - prev.unit.step === s - prev.step) x *= 3;
    return x;
  });
  return members[Math.max(0, rng.weighted(w))]!;
}

function transposition(a: BarAnalysis, u: Unit, rng: Pcg32): number {
  const pc = u.desc.pitchClass;
  // only clearly pitched, not mainly percussive units move in key (a drum hit has no scale degree)
  if (pc < 0 || a.key.confidence < 0.5 || u.desc.tonalness < TONAL_MIN || u.desc.percussiveness > 0.5) return 0;
  // Three moves in key, as a player would: a third up, a third down, a fifth (or fourth) up. Few
  // distinct shifts per unit also let all takes of a request share the shifted audio.
  const inKey = (t: number): boolean => a.key.scale.includes((((pc + t) % 12) + 12) % 12);
  const options: number[] = [];
  const up = [3, 4].find(inKey);
  const down = [-3, -4].find(inKey);
  const fifth = [7, 5].find(inKey);
  for (const t of [up, down, fifth]) if (t !== undefined && !options.includes(t)) options.push(t);
  return options.length ? options[rng.int(options.length)]! : 0;
}

function drawMoves(a: BarAnalysis, p: StrengthProfile, u: Unit, s: number, slotSteps: number, fill: boolean, fillPos: number, rng: Pcg32): Moves {
  const bs = s % a.grid.stepsPerBar;
  const lv = a.grid.level[bs]!;
  if (lv === LEVEL.downbeat) return NO_MOVES; // the downbeat keeps its weight
  const semitones = rng.chance(p.transpose) ? transposition(a, u, rng) : 0;
  const reverse = lv >= LEVEL.half && slotSteps >= 2 && rng.chance(p.reverse);
  const stepSec = a.grid.stepExact(1) / a.sampleRate;
  const maxStutter = Math.floor((slotSteps * stepSec) / 0.04);
  let stutter = 1;
  if (!reverse && maxStutter >= 2 && rng.chance(fill ? 0.35 + p.stutter : p.stutter)) stutter = Math.min(maxStutter, 2 + rng.int(2));
  let gainDb = p.gainDb > 0 ? rng.range(-p.gainDb, p.gainDb * 0.5) : 0;
  if (lv === LEVEL.strong) gainDb = Math.max(-1, gainDb);
  if (fill) gainDb = Math.min(gainDb, 0) - 4 * (1 - fillPos);
  return { semitones, reverse, stutter, gainDb };
}

/** Makes the plan of one take from its own seed: same analysis, profile, bars and seed give the same plan. */
export function planTake(a: BarAnalysis, model: StyleModel, p: StrengthProfile, bars: number, seed: number): Plan {
  const rng = new Pcg32(seed);
  const spb = a.grid.stepsPerBar;
  const total = spb * bars;
  let free = 0;
  for (let s = 0; s < total; s++) if (!isProtected(a.grid, s % spb, p.keepBeats)) free++;
  const lo = Math.min(free, Math.max(1, Math.round((p.minChanges * spb * bars) / 16)));
  const hi = Math.max(lo, Math.floor(p.maxChangeShare * total));
  let tokens = drawTokens(a, model, p, bars, rng);
  for (let attempt = 0; attempt < 12; attempt++) {
    const c = countChanges(model, a, tokens);
    if (c >= lo && c <= hi) break;
    tokens = drawTokens(a, model, p, bars, rng);
  }
  enforceChanges(a, model, p, tokens, lo, hi, rng);
  // the step 0 must start an event: the take begins on a bar line with nothing ringing before it
  if (tokens[0] === HOLD) tokens[0] = model.tokens[0]! === HOLD ? 0 : model.tokens[0]!;

  const fillFrom = bars > 1 ? total - Math.min(spb, p.fillBeats * a.grid.stepsPerBeat * (a.grid.meter.denominator >= 8 && a.grid.meter.numerator % 3 === 0 ? 3 : 1)) : total;
  const placements: Placement[] = [];
  for (let s = 0; s < total; s++) {
    const tok = tokens[s]!;
    if (tok === HOLD) continue;
    let next = s + 1;
    while (next < total && tokens[next] === HOLD) next++;
    const prev = placements[placements.length - 1];
    const unit = chooseUnit(a, model, p, tok, s, prev, rng);
    const fill = s >= fillFrom;
    const moves = drawMoves(a, p, unit, s, next - s, fill, fill ? (s - fillFrom) / Math.max(1, total - fillFrom) : 0, rng);
    placements.push({ step: s, unit, moves, fill });
  }
  return { placements, tokens, changedSteps: countChanges(model, a, tokens), bars };
}

/** A string that is equal for two plans exactly when they would render the same audio. */
export function planSignature(plan: Plan): string {
  return plan.placements.map((x) => `${x.step}:${x.unit.index}:${x.moves.semitones}:${x.moves.reverse ? 1 : 0}:${x.moves.stutter}:${x.moves.gainDb.toFixed(3)}`).join(' ');
}
