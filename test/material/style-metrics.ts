// Independent measures of takes for tests and the bench: style descriptor, distance from the source, tempo agreement.
import type { AudioBuffer } from '../../src/common/audio-buffer.js';
import { toMono } from '../../src/common/audio-buffer.js';
import { RealFft, hannWindow, nextPow2 } from '../../src/common/dsp/fft.js';

const BANDS = 16;

/** Log band energies (log-spaced 40 Hz .. 16 kHz) per frame of ~43 ms, hop ~11 ms; plus an onset strength per frame. */
export function bandFrames(audio: AudioBuffer): { bands: Float64Array[]; flux: Float64Array; hopSeconds: number } {
  const x = toMono(audio);
  const sr = audio.sampleRate;
  const n = nextPow2(0.043 * sr);
  const hop = n >> 2;
  const fft = new RealFft(n);
  const win = hannWindow(n);
  const bins = (n >> 1) + 1;
  const edges = Array.from({ length: BANDS + 1 }, (_, i) => 40 * Math.pow(16000 / 40, i / BANDS));
  const bandOf = new Int16Array(bins).fill(-1);
  for (let k = 1; k < bins; k++) {
    const hz = (k * sr) / n;
    for (let b = 0; b < BANDS; b++) if (hz >= edges[b]! && hz < edges[b + 1]!) bandOf[k] = b;
  }
  const frames = Math.max(1, Math.floor((x.length - n) / hop) + 1);
  const buf = new Float64Array(n);
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  const bands: Float64Array[] = [];
  const flux = new Float64Array(frames);
  let prev: Float64Array | undefined;
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < n; i++) buf[i] = (x[f * hop + i] ?? 0) * win[i]!;
    fft.forward(buf, re, im);
    const e = new Float64Array(BANDS);
    for (let k = 1; k < bins; k++) if (bandOf[k]! >= 0) e[bandOf[k]!]! += re[k]! * re[k]! + im[k]! * im[k]!;
    for (let b = 0; b < BANDS; b++) e[b] = 10 * Math.log10(e[b]! + 1e-10);
    if (prev) { let s = 0; for (let b = 0; b < BANDS; b++) s += Math.max(0, e[b]! - prev[b]!); flux[f] = s; }
    prev = e;
    bands.push(e);
  }
  return { bands, flux, hopSeconds: hop / sr };
}

/**
 * A clip's style descriptor: its long-term average spectrum shape (band powers averaged in linear
 * power, then in dB relative to the total, so gain and silent stretches do not move it) and how
 * much each band moves from frame to frame (its rhythmic texture).
 */
export function styleDescriptor(audio: AudioBuffer): number[] {
  const { bands } = bandFrames(audio);
  const power = new Array<number>(BANDS).fill(0);
  const motion = new Array<number>(BANDS).fill(0);
  for (let f = 0; f < bands.length; f++) {
    const e = bands[f]!;
    for (let b = 0; b < BANDS; b++) {
      power[b]! += Math.pow(10, e[b]! / 10) / bands.length;
      if (f > 0) motion[b]! += Math.abs(Math.max(-60, e[b]!) - Math.max(-60, bands[f - 1]![b]!)) / bands.length;
    }
  }
  const total = power.reduce((x, y) => x + y, 0) + 1e-12;
  return [...power.map((p) => (10 * Math.log10(p / total + 1e-9)) / 3), ...motion.map((m) => m / 6)];
}

export function euclid(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/**
 * Mean absolute band-energy difference (dB) between a take and its source played as a loop, frame
 * by frame over the take's length. 0 for an exact copy.
 */
export function spectralDistance(take: AudioBuffer, source: AudioBuffer): number {
  const t = bandFrames(take).bands;
  const looped: Float32Array[] = source.channels.map((ch) => {
    const n = take.channels[0]!.length;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = ch[i % ch.length]!;
    return out;
  });
  const s = bandFrames({ sampleRate: source.sampleRate, channels: looped }).bands;
  let d = 0;
  let count = 0;
  for (let f = 0; f < Math.min(t.length, s.length); f++) {
    for (let b = 0; b < BANDS; b++) { d += Math.min(40, Math.abs(Math.max(-80, t[f]![b]!) - Math.max(-80, s[f]![b]!))); count++; }
  }
  return count ? d / count : 0;
}

/** Onset times (seconds) from band flux peaks above an adaptive threshold: a detector independent of the engine's. */
export function detectOnsets(audio: AudioBuffer): number[] {
  const { flux, hopSeconds } = bandFrames(audio);
  let max = 0;
  for (const v of flux) max = Math.max(max, v);
  const out: number[] = [];
  const w = 4;
  for (let f = 1; f < flux.length - 1; f++) {
    const v = flux[f]!;
    let local = 0, cnt = 0;
    for (let j = Math.max(0, f - 10); j <= Math.min(flux.length - 1, f + 10); j++) { local += flux[j]!; cnt++; }
    let peak = true;
    for (let j = Math.max(0, f - w); j <= Math.min(flux.length - 1, f + w); j++) if (flux[j]! > v) peak = false;
    if (peak && v > 0.15 * max && v > 1.3 * (local / cnt)) out.push(f * hopSeconds);
  }
  return out;
}

/**
 * How well onsets sit on a beat grid at `bpm`: the mean resultant of their phases on a grid of
 * sixteenths or of triplet eighths, whichever fits better (1 = all on the grid, about 0 =
 * unrelated). The detector's latency drops out because the resultant's direction is free.
 */
export function gridAgreement(onsets: readonly number[], bpm: number): number {
  if (onsets.length === 0) return 0;
  let best = 0;
  for (const perQuarter of [4, 3]) {
    const step = 60 / bpm / perQuarter;
    let c = 0, s = 0;
    for (const t of onsets) {
      const ph = (2 * Math.PI * t) / step;
      c += Math.cos(ph);
      s += Math.sin(ph);
    }
    best = Math.max(best, Math.hypot(c, s) / onsets.length);
  }
  return best;
}
