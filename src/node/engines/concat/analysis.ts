// Analysis of a captured bar: onsets (spectral flux with a beat-grid prior), units snapped to the grid, descriptors.
import { RealFft, hannWindow, nextPow2 } from '../../../common/dsp/fft.js';
import { LEVEL, type Grid } from './grid.js';

/** Tunables of the analysis, with their defaults. */
export const ANALYSIS_DEFAULTS = {
  /** STFT window for onset detection, in seconds (rounded up to a power of two in samples). */
  onsetWindowSeconds: 0.02,
  /** Window for pitch and chroma of a unit, in seconds (power of two). */
  chromaWindowSeconds: 0.08,
  /** Adaptive threshold: local mean over +-this many seconds, times `thresholdRatio`, plus `thresholdOffset`. */
  thresholdSpanSeconds: 0.1,
  thresholdRatio: 1.4,
  thresholdOffset: 0.05,
  /** How much harder an onset far from every grid step must be (0 = no grid prior). */
  gridPrior: 0.8,
  /** Width of the grid prior around each step, as a fraction of a step. */
  gridPriorWidth: 0.18,
  /** Onsets closer than this are one event. */
  minInterOnsetSeconds: 0.035,
  /** Audio kept before each onset so attacks stay whole; also the crossfade length at joins. */
  prerollSeconds: 0.004,
  /** Most clusters in the alphabet. */
  maxClusters: 8,
} as const;

export type AnalysisOptions = typeof ANALYSIS_DEFAULTS;

export interface UnitDescriptor {
  /** RMS level of the first 100 ms, dBFS. */
  readonly loudnessDb: number;
  /** Level of 15-60 ms and 60-150 ms after the onset relative to the first 15 ms, dB (the envelope). */
  readonly decayDb: readonly [number, number];
  readonly centroidHz: number;
  readonly flatness: number;
  /** Share of energy in bands split at 150, 400, 1000, 2500 and 6000 Hz, dB. */
  readonly bandsDb: readonly number[];
  /** 12 pitch classes (C = 0), summing to 1. */
  readonly chroma: readonly number[];
  /** 0..1, how clearly pitched the unit is. */
  readonly tonalness: number;
  /** Strongest pitch class when tonal, else -1. */
  readonly pitchClass: number;
  /** 0..1, sharp attack and fast decay. */
  readonly percussiveness: number;
}

export interface Unit {
  readonly index: number;
  /** Global grid step (bar * stepsPerBar + step) the unit starts on. */
  readonly step: number;
  /** Step within its bar. */
  readonly barStep: number;
  /** Onset sample in the source; `start` = onset minus the pre-roll, `end` = the next unit's start. */
  readonly onset: number;
  readonly start: number;
  end: number;
  /** Micro-timing: onset minus the grid step's sample. */
  readonly offset: number;
  /** Onset detection strength, 0..1 (0 for the bar's opening tail). */
  readonly salience: number;
  desc: UnitDescriptor;
  cluster: number;
}

export interface KeyEstimate {
  readonly tonic: number;
  readonly mode: 'major' | 'minor';
  /** Pitch classes of the scale. */
  readonly scale: readonly number[];
  /** Correlation with the best key profile, -1..1. */
  readonly confidence: number;
}

export interface BarAnalysis {
  readonly sampleRate: number;
  readonly grid: Grid;
  readonly sourceBars: number;
  readonly totalSteps: number;
  readonly length: number;
  readonly channels: readonly Float32Array[];
  readonly units: Unit[];
  /** Unit starting at each global step, or -1. */
  readonly unitAtStep: Int32Array;
  /** Micro-timing for each step of a bar, in samples (measured where the bar has an onset, else inferred). */
  readonly stepOffset: Float64Array;
  readonly key: KeyEstimate;
  readonly preroll: number;
  /** Frames and onset function, kept for inspection and tests. */
  readonly onsetSamples: readonly number[];
}

const BAND_EDGES = [150, 400, 1000, 2500, 6000];
const ODF_BANDS: readonly (readonly [number, number])[] = [[30, 160], [160, 600], [600, 2500], [2500, 7000], [7000, 16000]];

/** Krumhansl-Kessler key profiles. */
const MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

function correlate(a: readonly number[], b: readonly number[], rot: number): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < 12; i++) { ma += a[i]!; mb += b[i]!; }
  ma /= 12; mb /= 12;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < 12; i++) {
    const x = a[(i + rot) % 12]! - ma;
    const y = b[i]! - mb;
    num += x * y; da += x * x; db += y * y;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

export function estimateKey(chroma: readonly number[]): KeyEstimate {
  let best: KeyEstimate = { tonic: 0, mode: 'major', scale: [0, 2, 4, 5, 7, 9, 11], confidence: -1 };
  for (let t = 0; t < 12; t++) {
    for (const mode of ['major', 'minor'] as const) {
      const c = correlate(chroma, mode === 'major' ? MAJOR : MINOR, t);
      if (c > best.confidence) {
        const steps = mode === 'major' ? [0, 2, 4, 5, 7, 9, 11] : [0, 2, 3, 5, 7, 8, 10];
        best = { tonic: t, mode, scale: steps.map((s) => (s + t) % 12), confidence: c };
      }
    }
  }
  return best;
}

/** Analyses `sourceBars` bars of audio at the grid's tempo and rate. `channels` are at grid.sampleRate. */
export function analyseBar(channels: readonly Float32Array[], grid: Grid, sourceBars: number, opts: AnalysisOptions = ANALYSIS_DEFAULTS): BarAnalysis {
  const sr = grid.sampleRate;
  const len = channels[0]!.length;
  const mono = new Float32Array(len);
  for (const ch of channels) for (let i = 0; i < len; i++) mono[i]! += ch[i]!;
  if (channels.length > 1) for (let i = 0; i < len; i++) mono[i]! /= channels.length;

  // --- onset detection function: log-magnitude spectral flux -------------------------------------
  const n = nextPow2(opts.onsetWindowSeconds * sr);
  const hop = n >> 1;
  const bins = (n >> 1) + 1;
  const fft = new RealFft(n);
  const win = hannWindow(n);
  const frames = Math.ceil(len / hop) + 1;
  const frameBuf = new Float64Array(n);
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  const mag = new Float32Array(frames * bins);
  // Multi-band flux: each band normalised by its own peak, so a kick counts as much as a hi-hat.
  const bandOfBin = new Int8Array(bins).fill(-1);
  for (let k = 1; k < bins; k++) {
    const hz = (k * sr) / n;
    let b = -1;
    for (let i = 0; i < ODF_BANDS.length; i++) if (hz >= ODF_BANDS[i]![0] && hz < ODF_BANDS[i]![1]) b = i;
    bandOfBin[k] = b;
  }
  const nb = ODF_BANDS.length;
  const bandFlux = new Float64Array(frames * nb);
  const bandCount = new Float64Array(nb);
  for (let k = 0; k < bins; k++) if (bandOfBin[k]! >= 0) bandCount[bandOfBin[k]!]! += 1;
  let prevLog = new Float64Array(bins);
  let curLog = new Float64Array(bins);
  // The capture is a loop: frame -1 (the bar's end) precedes frame 0, so a downbeat is detected too.
  for (let f = -1; f < frames; f++) {
    const startAt = f * hop - (n >> 1);
    for (let i = 0; i < n; i++) {
      let j = startAt + i;
      if (j < 0) j += len;
      frameBuf[i] = j >= 0 && j < len ? mono[j]! * win[i]! : 0;
    }
    fft.forward(frameBuf, re, im);
    const base = f * bins;
    const fb = f * nb;
    for (let k = 0; k < bins; k++) {
      const m = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
      if (f >= 0) mag[base + k] = m;
      const l = Math.log(1 + 1000 * m);
      curLog[k] = l;
      const b = bandOfBin[k]!;
      if (f >= 0 && b >= 0) {
        const d = l - prevLog[k]!;
        if (d > 0) bandFlux[fb + b]! += d;
      }
    }
    const t = prevLog; prevLog = curLog; curLog = t;
  }
  const bandMax = new Float64Array(nb);
  for (let f = 0; f < frames; f++) for (let b = 0; b < nb; b++) bandMax[b] = Math.max(bandMax[b]!, bandFlux[f * nb + b]!);
  let allMax = 0;
  for (let b = 0; b < nb; b++) allMax = Math.max(allMax, bandMax[b]! / Math.max(1, bandCount[b]!));
  const odf = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let v = 0;
    for (let b = 0; b < nb; b++) {
      // a band that is nearly empty all bar long is not amplified into noise
      const floor = 0.25 * allMax * Math.max(1, bandCount[b]!);
      v += bandFlux[f * nb + b]! / Math.max(bandMax[b]!, floor, 1e-9);
    }
    odf[f] = v;
  }
  let odfMax = 0;
  for (let f = 0; f < frames; f++) odfMax = Math.max(odfMax, odf[f]!);
  if (odfMax > 0) for (let f = 0; f < frames; f++) odf[f]! /= odfMax;

  // --- peak picking with an adaptive threshold and the grid as a prior ----------------------------
  const span = Math.max(1, Math.round((opts.thresholdSpanSeconds * sr) / hop));
  const pick = Math.max(1, Math.round((0.03 * sr) / hop));
  const stepLen = grid.stepExact(1);
  const totalSteps = grid.stepsPerBar * sourceBars;
  const sigma = opts.gridPriorWidth * stepLen;
  const prefix = new Float64Array(frames + 1);
  for (let f = 0; f < frames; f++) prefix[f + 1] = prefix[f]! + odf[f]!;
  const candidates: { frame: number; value: number }[] = [];
  for (let f = 0; f < frames - 1; f++) {
    const v = odf[f]!;
    let isPeak = true;
    for (let j = 1; j <= pick && isPeak; j++) {
      if ((f - j >= 0 && odf[f - j]! > v) || (f + j < frames && odf[f + j]! >= v)) isPeak = false;
    }
    if (!isPeak) continue;
    const lo = Math.max(0, f - span);
    const hi = Math.min(frames, f + span + 1);
    const mean = (prefix[hi]! - prefix[lo]!) / (hi - lo);
    const centre = f * hop;
    const s = Math.round(centre / stepLen);
    const d = centre - grid.stepExact(Math.min(totalSteps, Math.max(0, s)));
    const g = Math.exp(-0.5 * (d / sigma) * (d / sigma));
    const threshold = (mean * opts.thresholdRatio + opts.thresholdOffset) * (1 + opts.gridPrior * (1 - g));
    if (v > threshold) candidates.push({ frame: f, value: v });
  }

  // --- onset refinement on fine envelopes: the steepest rise of the high-passed level near the peak --
  const block = Math.max(8, nextPow2(sr / 1500));
  const blocks = Math.ceil(len / block);
  const env = new Float64Array(blocks); // level in dB, for descriptors
  const hf = new Float64Array(blocks); // level of the first difference in dB, smoothed, for attacks
  for (let b = 0; b < blocks; b++) {
    let e = 0;
    let d2 = 0;
    const end = Math.min(len, (b + 1) * block);
    for (let i = b * block; i < end; i++) {
      const x = mono[i]!;
      const d = i > 0 ? x - mono[i - 1]! : x;
      e += x * x;
      d2 += d * d;
    }
    env[b] = 10 * Math.log10(e / block + 1e-12);
    hf[b] = d2 / block;
  }
  const hfDb = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) hfDb[b] = 10 * Math.log10((hf[Math.max(0, b - 1)]! + hf[b]! + hf[Math.min(blocks - 1, b + 1)]!) / 3 + 1e-12);
  const minGap = opts.minInterOnsetSeconds * sr;
  const onsets: { sample: number; value: number }[] = [];
  for (const c of candidates) {
    const centre = c.frame * hop;
    const b0 = Math.max(0, Math.floor((centre - (n >> 1)) / block));
    const b1 = Math.min(blocks - 1, Math.ceil((centre + (n >> 1)) / block));
    let top = -Infinity;
    for (let b = b0; b <= b1; b++) top = Math.max(top, hfDb[b]!);
    let best = b0;
    let bestRise = -Infinity;
    for (let b = b0; b <= b1; b++) {
      if (hfDb[b]! < top - 20) continue;
      const rise = hfDb[b]! - hfDb[(b - 2 + blocks) % blocks]!; // the loop wraps: before block 0 is the bar's end
      if (rise > bestRise) { bestRise = rise; best = Math.max(0, b - 1); }
    }
    const sample = best * block;
    const last = onsets[onsets.length - 1];
    if (last && sample - last.sample < minGap) {
      if (c.value > last.value) { last.sample = sample; last.value = c.value; }
      continue;
    }
    onsets.push({ sample, value: c.value });
  }

  // --- segmentation: one unit per grid step, the strongest onset wins -----------------------------
  const preroll = Math.max(1, Math.round(opts.prerollSeconds * sr));
  const byStep = new Map<number, { sample: number; value: number }>();
  for (const o of onsets) {
    const s = Math.round(o.sample / stepLen);
    if (s >= totalSteps) continue; // an early downbeat of the next bar: it belongs to the loop's start
    const prev = byStep.get(s);
    if (!prev || o.value > prev.value) byStep.set(s, o);
  }
  if (!byStep.has(0)) byStep.set(0, { sample: 0, value: 0 });
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  const units: Unit[] = [];
  const unitAtStep = new Int32Array(totalSteps).fill(-1);
  for (const s of steps) {
    const o = byStep.get(s)!;
    const onset = Math.max(0, Math.min(len - 1, o.sample));
    units.push({
      index: units.length, step: s, barStep: s % grid.stepsPerBar,
      onset, start: Math.max(0, onset - preroll), end: len,
      offset: onset - grid.stepExact(s), salience: o.value,
      desc: undefined as unknown as UnitDescriptor, cluster: 0,
    });
    unitAtStep[s] = units.length - 1;
  }
  for (let i = 0; i + 1 < units.length; i++) units[i]!.end = units[i + 1]!.start;

  // --- descriptors ----------------------------------------------------------------------------------
  const cn = nextPow2(opts.chromaWindowSeconds * sr);
  const cfft = new RealFft(cn);
  const cwin = hannWindow(cn);
  const cbuf = new Float64Array(cn);
  const cre = new Float64Array((cn >> 1) + 1);
  const cim = new Float64Array((cn >> 1) + 1);
  const pcOfBin = new Int8Array((cn >> 1) + 1).fill(-1);
  for (let k = 1; k <= cn >> 1; k++) {
    const hz = (k * sr) / cn;
    if (hz >= 50 && hz <= 5000) pcOfBin[k] = ((Math.round(12 * Math.log2(hz / 440)) + 69) % 12 + 12) % 12;
  }
  const keyChroma = new Array<number>(12).fill(0);
  const levelDb = (from: number, to: number): number => {
    const a = Math.max(0, Math.floor(from / block));
    const b = Math.min(blocks, Math.max(a + 1, Math.ceil(to / block)));
    let e = 0;
    for (let i = a; i < b; i++) e += Math.pow(10, env[i]! / 10);
    return 10 * Math.log10(e / (b - a) + 1e-12);
  };
  const ms = (x: number): number => Math.round((x * sr) / 1000);
  for (const u of units) {
    const uEnd = Math.max(u.onset + ms(20), u.end);
    // spectrum over the first 60 ms of frames
    const f0 = Math.min(frames - 1, Math.max(0, Math.round((u.onset + (n >> 2)) / hop)));
    const f1 = Math.min(frames - 1, Math.max(f0, Math.round((Math.min(uEnd, u.onset + ms(60)) + (n >> 2)) / hop)));
    const power = new Float64Array(bins);
    for (let f = f0; f <= f1; f++) {
      const base = f * bins;
      for (let k = 0; k < bins; k++) { const m = mag[base + k]!; power[k]! += m * m; }
    }
    let total = 0, weighted = 0, logSum = 0, linSum = 0, flatCount = 0;
    const bands = new Array<number>(BAND_EDGES.length + 1).fill(0);
    for (let k = 1; k < bins; k++) {
      const hz = (k * sr) / n;
      const p = power[k]!;
      total += p;
      weighted += p * hz;
      let b = 0;
      while (b < BAND_EDGES.length && hz >= BAND_EDGES[b]!) b++;
      bands[b]! += p;
      if (hz >= 100 && hz <= 8000) { logSum += Math.log(p + 1e-12); linSum += p; flatCount++; }
    }
    const centroidHz = total > 0 ? weighted / total : 0;
    const flatness = flatCount > 0 && linSum > 0 ? Math.exp(logSum / flatCount) / (linSum / flatCount) : 1;
    const bandsDb = bands.map((b) => 10 * Math.log10(b / (total + 1e-20) + 1e-6));
    // chroma from a longer window just after the attack
    const cs = u.onset + ms(5);
    for (let i = 0; i < cn; i++) {
      const j = cs + i;
      cbuf[i] = j < uEnd + ms(20) && j < len ? mono[j]! * cwin[i]! : 0;
    }
    cfft.forward(cbuf, cre, cim);
    const chroma = new Array<number>(12).fill(0);
    let csum = 0;
    for (let k = 1; k <= cn >> 1; k++) {
      const pc = pcOfBin[k]!;
      if (pc < 0) continue;
      const p = cre[k]! * cre[k]! + cim[k]! * cim[k]!;
      chroma[pc]! += p;
      csum += p;
    }
    for (let i = 0; i < 12; i++) chroma[i] = csum > 0 ? chroma[i]! / csum : 1 / 12;
    let peak = 0, pc = 0;
    for (let i = 0; i < 12; i++) if (chroma[i]! > peak) { peak = chroma[i]!; pc = i; }
    const tonalness = Math.max(0, Math.min(1, 1 - flatness * 4)) * Math.max(0, Math.min(1, (peak - 0.12) / 0.25));
    const d0 = levelDb(u.onset, u.onset + ms(15));
    const d1 = levelDb(u.onset + ms(15), Math.min(uEnd, u.onset + ms(60))) - d0;
    const d2 = uEnd > u.onset + ms(60) ? levelDb(u.onset + ms(60), Math.min(uEnd, u.onset + ms(150))) - d0 : d1 - 6;
    const loudnessDb = levelDb(u.onset, Math.min(uEnd, u.onset + ms(100)));
    const attack = u.onset >= ms(15) ? d0 - levelDb(u.onset - ms(15), u.onset) : 12;
    const percussiveness = Math.max(0, Math.min(1, 0.4 * Math.min(1, Math.max(0, -d2 / 24)) + 0.3 * Math.min(1, Math.max(0, attack / 18)) + 0.3 * Math.min(1, flatness * 3)));
    const w = Math.pow(10, loudnessDb / 10) * tonalness;
    for (let i = 0; i < 12; i++) keyChroma[i]! += chroma[i]! * w;
    u.desc = {
      loudnessDb, decayDb: [d1, d2], centroidHz, flatness, bandsDb, chroma, tonalness,
      pitchClass: tonalness >= 0.3 ? pc : -1, percussiveness,
    };
  }

  // --- micro-timing per bar step: measured where an onset is, else the mean of its beat position ---
  const spb = grid.stepsPerBar;
  const stepOffset = new Float64Array(spb);
  const measured = new Array<number[]>(spb).fill(undefined as unknown as number[]).map(() => [] as number[]);
  for (const u of units) if (u.salience > 0) measured[u.barStep]!.push(u.offset);
  const byPhase = new Array<number[]>(grid.stepsPerBeat).fill(undefined as unknown as number[]).map(() => [] as number[]);
  for (let s = 0; s < spb; s++) for (const o of measured[s]!) byPhase[s % grid.stepsPerBeat]!.push(o);
  const mean = (a: number[]): number => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0);
  for (let s = 0; s < spb; s++) {
    stepOffset[s] = measured[s]!.length ? mean(measured[s]!) : mean(byPhase[s % grid.stepsPerBeat]!);
  }
  if (grid.level[0] === LEVEL.downbeat) stepOffset[0] = Math.max(0, stepOffset[0]!);

  return {
    sampleRate: sr, grid, sourceBars, totalSteps, length: len, channels, units, unitAtStep, stepOffset,
    key: estimateKey(keyChroma), preroll, onsetSamples: onsets.map((o) => o.sample),
  };
}
