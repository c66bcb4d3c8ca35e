// Resynthesis: units placed on the output grid with the source's micro-timing, moves applied, joins declicked.
import { pitchShift } from '../../../common/dsp/pitch-shift.js';
import { resampleInto } from '../../../common/dsp/resample.js';
import type { BarAnalysis, Unit } from './analysis.js';
import type { Grid } from './grid.js';
import type { Moves, Plan } from './generate.js';

/** Units up to this long are transposed like a sampler (varispeed); longer, sustained ones by the phase vocoder. */
export const VARISPEED_MAX_SECONDS = 0.35;

/** Transposed copies of units, shared by all takes of one request (analyse once, generate N). */
export class TransposeCache {
  readonly #map = new Map<string, Float32Array[]>();
  /**
   * The unit from its start, `length` samples, shifted by `semitones`; `avail` is how much audio the
   * unit has before the next source event. Short units are read faster or slower (a sampler's
   * transposition: no smearing, the attack stays sharp); long ones keep their length through the
   * phase vocoder. Computed once per unit and shift (a longer ask recomputes).
   */
  get(a: BarAnalysis, u: Unit, semitones: number, length: number, avail: number): Float32Array[] {
    const k = `${u.index}:${semitones}`;
    let hit = this.#map.get(k);
    if (!hit || hit[0]!.length < length) {
      if (avail / a.sampleRate <= VARISPEED_MAX_SECONDS) {
        const ratio = Math.pow(2, semitones / 12);
        hit = a.channels.map((ch) => {
          const src = readLoop(ch, u.start, avail);
          const fade = Math.min(a.preroll, avail);
          for (let j = 0; j < fade; j++) src[avail - fade + j]! *= Math.cos((Math.PI / 2) * ((j + 0.5) / fade));
          const out = new Float32Array(length);
          resampleInto(src, 0, ratio, out, length, VARISPEED_HALF_TAPS);
          return out;
        });
      } else {
        hit = pitchShift(a.channels.map((ch) => readLoop(ch, u.start, length)), semitones, a.sampleRate);
      }
      this.#map.set(k, hit);
    }
    return hit;
  }
  get size(): number {
    return this.#map.size;
  }
}

const VARISPEED_HALF_TAPS = 12;

/** `count` samples of a loop from `from`, wrapping at its end (the capture is one cycle of a loop). */
function readLoop(ch: Float32Array, from: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const n = ch.length;
  for (let i = 0; i < count; i++) out[i] = ch[(from + i) % n]!;
  return out;
}

const sameShape = (a: Moves, b: Moves): boolean => a.semitones === 0 && b.semitones === 0 && !a.reverse && !b.reverse && a.stutter === 1 && b.stutter === 1;

/**
 * Renders a plan to `length` samples on `grid` (the output rate equals the analysis rate).
 * A unit followed by the unit that followed it in the source, at the same distance, plays on
 * seamlessly; every other join gets an equal-power crossfade of the pre-roll length.
 */
export function renderPlan(a: BarAnalysis, plan: Plan, grid: Grid, length: number, cache: TransposeCache): Float32Array[] {
  const C = a.channels.length;
  const out = Array.from({ length: C }, () => new Float32Array(length));
  const xf = a.preroll;
  const P = plan.placements;
  const spb = grid.stepsPerBar;
  const onsets = new Array<number>(P.length);
  const contiguousWithPrev = new Array<boolean>(P.length).fill(false);
  for (let i = 0; i < P.length; i++) {
    const p = P[i]!;
    const prev = P[i - 1];
    const total = a.totalSteps;
    const stepGap = prev ? p.step - prev.step : 0;
    const srcGap = prev ? (((p.unit.step - prev.unit.step) % total) + total) % total : 0;
    const nextInSource = prev ? (prev.unit.index + 1) % a.units.length === p.unit.index : false;
    if (prev && nextInSource && stepGap === srcGap && stepGap > 0 && sameShape(prev.moves, p.moves)) {
      contiguousWithPrev[i] = true;
      const d = (((p.unit.onset - prev.unit.onset) % a.length) + a.length) % a.length;
      onsets[i] = onsets[i - 1]! + d;
    } else {
      onsets[i] = Math.round(grid.stepExact(p.step) + a.stepOffset[p.step % spb]!);
    }
  }
  const tmp = Array.from({ length: C }, () => new Float32Array(0));
  for (let i = 0; i < P.length; i++) {
    const p = P[i]!;
    const u = p.unit;
    const pre = u.onset - u.start;
    const dstStart = onsets[i]! - pre;
    const contNext = i + 1 < P.length && contiguousWithPrev[i + 1]!;
    const nextStart = i + 1 < P.length ? onsets[i + 1]! - (P[i + 1]!.unit.onset - P[i + 1]!.unit.start) : length;
    const need = Math.max(1, nextStart - dstStart + (contNext || i + 1 >= P.length ? 0 : xf));
    // audio the unit really has before the next source event (plus the crossfade tail)
    const natural = (((u.end - u.start) % a.length) + a.length) % a.length || a.length;
    const avail = natural + xf;
    const m = p.moves;
    const body = Math.min(need, avail);
    for (let c = 0; c < C; c++) {
      if (tmp[c]!.length < need) tmp[c] = new Float32Array(need);
      tmp[c]!.fill(0, 0, need);
    }
    // source material (transposed if asked)
    if (m.semitones !== 0) {
      const shifted = cache.get(a, u, m.semitones, body, avail);
      for (let c = 0; c < C; c++) tmp[c]!.set(shifted[c]!.subarray(0, body));
    } else {
      for (let c = 0; c < C; c++) {
        const ch = a.channels[c]!;
        const t = tmp[c]!;
        for (let j = 0; j < body; j++) t[j] = ch[(u.start + j) % a.length]!;
      }
    }
    const sustain = body < need && m.stutter === 1 && !m.reverse && extendTail(tmp, C, natural, need, a.sampleRate);
    // fade out where the unit's own audio ends before its slot does
    if (!sustain && (body < need || m.stutter > 1 || m.reverse)) fadeOut(tmp, C, Math.min(body, need), Math.min(xf, body));
    if (m.stutter > 1) {
      const sub = Math.max(1, Math.floor((need - pre) / m.stutter));
      const head = Math.min(body, sub + xf);
      fadeOut(tmp, C, head, Math.min(xf, head));
      for (let c = 0; c < C; c++) {
        const t = tmp[c]!;
        const seg = t.slice(0, head);
        // each repeat starts from silence like the first one (its pre-roll fades in)
        const fin = Math.max(1, Math.min(pre, head));
        for (let j = 0; j < fin; j++) seg[j]! *= Math.sin((Math.PI / 2) * ((j + 0.5) / fin));
        t.fill(0, head, need);
        for (let r = 1; r < m.stutter; r++) {
          const g = Math.pow(0.85, r);
          const at = r * sub;
          for (let j = 0; j < head && at + j < need; j++) t[at + j]! += seg[j]! * g;
        }
      }
    }
    if (m.reverse) {
      for (let c = 0; c < C; c++) {
        const t = tmp[c]!;
        const r = Math.min(body, need);
        t.subarray(0, r).reverse();
        // the reversed swell ends just as the slot ends
        if (r < need) { t.copyWithin(need - r, 0, r); t.fill(0, 0, need - r); }
      }
      fadeIn(tmp, C, 0, Math.min(xf * 4, need));
    }
    const gain = Math.pow(10, m.gainDb / 20);
    const prevGain = i > 0 ? Math.pow(10, P[i - 1]!.moves.gainDb / 20) : gain;
    const contPrev = contiguousWithPrev[i]!;
    const fadeInLen = contPrev ? 0 : Math.min(pre, need);
    const fadeOutLen = contNext || i + 1 >= P.length ? 0 : Math.min(xf, need);
    for (let c = 0; c < C; c++) {
      const t = tmp[c]!;
      const o = out[c]!;
      for (let j = 0; j < need; j++) {
        const d = dstStart + j;
        if (d < 0 || d >= length) continue;
        let g = gain;
        if (contPrev && j < xf) g = prevGain + ((gain - prevGain) * j) / xf; // gain changes glide over the join
        if (j < fadeInLen) g *= Math.sin((Math.PI / 2) * ((j + 0.5) / fadeInLen));
        if (fadeOutLen > 0 && j >= need - fadeOutLen) g *= Math.cos((Math.PI / 2) * ((j - (need - fadeOutLen) + 0.5) / fadeOutLen));
        o[d]! += t[j]! * g;
      }
    }
  }
  return out;
}

/** Length of the looped grain that sustains a unit past its own end, and how fast the sustain decays. */
export const SUSTAIN_GRAIN_SECONDS = 0.08;
export const SUSTAIN_DECAY_SECONDS = 0.25;

/**
 * When a slot outlasts the unit's own audio (`natural` samples; after it the source's next event
 * begins), the unit rings on: its last grain repeats with equal-power crossfades under a decaying
 * envelope, as a sampler's loop would, instead of dropping to silence. False when the unit is too
 * short to loop.
 */
function extendTail(ch: Float32Array[], C: number, natural: number, need: number, sr: number): boolean {
  const L = Math.min(Math.round(SUSTAIN_GRAIN_SECONDS * sr), Math.floor(natural / 2));
  const X = Math.min(Math.round(0.01 * sr), Math.floor(L / 3));
  if (L < 64 || X < 8 || need <= natural) return false;
  const period = L - X;
  const tau = SUSTAIN_DECAY_SECONDS * sr;
  for (let c = 0; c < C; c++) {
    const t = ch[c]!;
    const grain = t.slice(natural - L, natural);
    // the unit itself fades out over the first crossfade
    for (let j = 0; j < X; j++) t[natural - X + j]! *= Math.cos((Math.PI / 2) * ((j + 0.5) / X));
    t.fill(0, natural, need);
    for (let at = natural - X; at < need; at += period) {
      for (let j = 0; j < L && at + j < need; j++) {
        let g = Math.exp(-Math.max(0, at + j - natural) / tau);
        if (j < X) g *= Math.sin((Math.PI / 2) * ((j + 0.5) / X));
        else if (j >= L - X) g *= Math.cos((Math.PI / 2) * ((j - (L - X) + 0.5) / X));
        t[at + j]! += grain[j]! * g;
      }
    }
  }
  return true;
}

function fadeOut(ch: Float32Array[], C: number, end: number, len: number): void {
  for (let c = 0; c < C; c++) {
    const t = ch[c]!;
    for (let j = 0; j < len; j++) t[end - len + j]! *= Math.cos((Math.PI / 2) * ((j + 0.5) / len));
    t.fill(0, end, t.length);
  }
}

function fadeIn(ch: Float32Array[], C: number, start: number, len: number): void {
  for (let c = 0; c < C; c++) {
    const t = ch[c]!;
    for (let j = 0; j < len; j++) t[start + j]! *= Math.sin((Math.PI / 2) * ((j + 0.5) / len));
  }
}
