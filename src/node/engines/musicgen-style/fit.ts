// Fits generated audio to exact bars: tracks its beats, time-stretches it (WSOLA) to the host tempo, and measures alignment.
import { RealFft, hannWindow } from '../../../common/dsp/fft.js';

/** Every tunable of the fit, with its default. */
export const FIT_DEFAULTS = {
  /** Onset analysis window and hop, in samples at the analysis rate. */
  fftSize: 1024,
  hop: 256,
  /** Generated beat periods searched: host beat period / maxTempoRatio .. x maxTempoRatio. */
  maxTempoRatio: 1.3,
  /** Candidate periods per onset frame of lag (finer = slower, more exact). */
  periodSubsteps: 4,
  /** WSOLA grain length and the search range for the best-matching grain, seconds. */
  wsolaWindowSeconds: 0.04,
  wsolaSearchSeconds: 0.008,
} as const;

export type FitOptions = { -readonly [K in keyof typeof FIT_DEFAULTS]: number };

export interface BeatTrack {
  /** Beat period found in the audio, seconds. */
  readonly periodSeconds: number;
  /** Time of the first beat of the grid, seconds. */
  readonly phaseSeconds: number;
  /** Beats refined to their local onset peaks, seconds. */
  readonly beats: number[];
  /** Mean onset strength on the grid over the mean strength overall (1 = no beat structure). */
  readonly salience: number;
}

/** Half-wave rectified log-magnitude spectral flux, one value per hop. */
export function onsetEnvelope(x: Float32Array, o: Pick<FitOptions, 'fftSize' | 'hop'> = FIT_DEFAULTS): Float64Array {
  const n = o.fftSize;
  const fft = new RealFft(n);
  const win = hannWindow(n);
  const bins = n / 2 + 1;
  const frames = Math.max(0, Math.floor((x.length - n) / o.hop) + 1);
  const env = new Float64Array(frames);
  const frame = new Float64Array(n);
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  let prev = new Float64Array(bins);
  let cur = new Float64Array(bins);
  for (let f = 0; f < frames; f++) {
    const off = f * o.hop;
    for (let i = 0; i < n; i++) frame[i] = x[off + i]! * win[i]!;
    fft.forward(frame, re, im);
    let flux = 0;
    for (let b = 0; b < bins; b++) {
      cur[b] = Math.log1p(1000 * Math.sqrt(re[b]! * re[b]! + im[b]! * im[b]!));
      if (f > 0) flux += Math.max(0, cur[b]! - prev[b]!);
    }
    env[f] = flux;
    [prev, cur] = [cur, prev];
  }
  return env;
}

/**
 * Where in a flux frame an onset sits: the log compression makes the flux jump as soon as the onset
 * enters the end of the window, so on average half a hop before the window's end.
 */
function onsetOffset(o: Pick<FitOptions, 'fftSize' | 'hop'>): number {
  return o.fftSize - o.hop / 2;
}

function sampleAt(env: Float64Array, t: number): number {
  const i = Math.floor(t);
  if (i < 0 || i + 1 >= env.length) return i >= 0 && i < env.length ? env[i]! : 0;
  const f = t - i;
  return env[i]! * (1 - f) + env[i + 1]! * f;
}

/**
 * Finds the beat grid of `x` (rate `sampleRate`) whose period is nearest in spirit to the host's:
 * the period (within maxTempoRatio of `hostBeatSeconds`) and phase that maximise the mean onset
 * strength on the grid, then each beat moved to its local onset peak.
 */
export function trackBeats(x: Float32Array, sampleRate: number, hostBeatSeconds: number, options: Partial<FitOptions> = {}): BeatTrack {
  const o = { ...FIT_DEFAULTS, ...options };
  const env = onsetEnvelope(x, o);
  const fps = sampleRate / o.hop;
  const mean = env.reduce((a, b) => a + b, 0) / Math.max(1, env.length);
  const hostLag = hostBeatSeconds * fps;
  let best = { score: -1, lag: hostLag, phase: 0 };
  if (env.length > 2 && mean > 0) {
    const minLag = hostLag / o.maxTempoRatio;
    const maxLag = hostLag * o.maxTempoRatio;
    for (let lag = minLag; lag <= maxLag; lag += 1 / o.periodSubsteps) {
      for (let phase = 0; phase < lag; phase += 0.5) {
        let sum = 0;
        let count = 0;
        for (let t = phase; t < env.length; t += lag) { sum += sampleAt(env, t); count++; }
        // Prefer the host's own period slightly when scores tie (a small prior, 2% at the search edges).
        const score = count > 0 ? (sum / count) * (1 - 0.02 * Math.abs(Math.log(lag / hostLag)) / Math.log(o.maxTempoRatio)) : 0;
        if (score > best.score) best = { score, lag, phase };
      }
    }
  }
  const beats: number[] = [];
  const reach = Math.max(1, Math.round(best.lag / 8));
  for (let t = best.phase; t < env.length; t += best.lag) {
    const c = Math.round(t);
    let arg = c;
    for (let i = Math.max(0, c - reach); i <= Math.min(env.length - 1, c + reach); i++) if (env[i]! > env[arg]!) arg = i;
    beats.push((arg * o.hop + onsetOffset(o)) / sampleRate);
  }
  return {
    periodSeconds: best.lag / fps,
    phaseSeconds: (best.phase * o.hop + onsetOffset(o)) / sampleRate,
    beats,
    salience: mean > 0 ? Math.max(0, best.score) / mean : 1,
  };
}

/** Mean absolute distance (ms) of each beat within [0, duration) to the nearest multiple of `gridSeconds`. */
export function beatAlignmentErrorMs(beats: readonly number[], gridSeconds: number, duration: number): number {
  const inside = beats.filter((b) => b >= 0 && b < duration);
  if (inside.length === 0) return NaN;
  let sum = 0;
  for (const b of inside) sum += Math.abs(b - Math.round(b / gridSeconds) * gridSeconds);
  return (sum / inside.length) * 1000;
}

/**
 * WSOLA time-stretch: output sample j reads the input around start + j * speed, grains overlap-added
 * with a Hann window, each grain shifted (within the search range) to continue the previous one's waveform.
 */
export function wsolaStretch(x: Float32Array, sampleRate: number, start: number, speed: number, outLength: number, options: Partial<FitOptions> = {}): Float32Array {
  const o = { ...FIT_DEFAULTS, ...options };
  const n = 2 * Math.max(16, Math.round((o.wsolaWindowSeconds * sampleRate) / 2));
  const hop = n / 2;
  const tol = Math.max(1, Math.round(o.wsolaSearchSeconds * sampleRate));
  const win = hannWindow(n);
  const acc = new Float64Array(outLength + n);
  const wsum = new Float64Array(outLength + n);
  const at = (i: number) => (i >= 0 && i < x.length ? x[i]! : 0);
  let prev = -1;
  for (let m = 0; m * hop < outLength; m++) {
    const nominal = Math.round(start + m * hop * speed);
    let pos = nominal;
    if (prev >= 0) {
      const natural = prev + hop; // where the previous grain's waveform continues
      let bestScore = -Infinity;
      for (let p = nominal - tol; p <= nominal + tol; p += 2) {
        let s = 0;
        for (let i = 0; i < hop; i += 2) s += at(p + i) * at(natural + i);
        if (s > bestScore) { bestScore = s; pos = p; }
      }
    }
    const outOff = m * hop;
    for (let i = 0; i < n; i++) {
      acc[outOff + i]! += at(pos + i) * win[i]!;
      wsum[outOff + i]! += win[i]!;
    }
    prev = pos;
  }
  const out = new Float32Array(outLength);
  for (let j = 0; j < outLength; j++) out[j] = wsum[j]! > 1e-6 ? acc[j]! / wsum[j]! : 0;
  return out;
}

export interface FitResult {
  /** The fitted audio at the analysis rate, exactly outLength samples. */
  readonly audio: Float32Array;
  readonly track: BeatTrack;
  /** Output seconds per input second (host beat period / generated beat period). */
  readonly stretch: number;
  readonly errorBeforeMs: number;
  readonly errorAfterMs: number;
}

/**
 * Fits `x` to `outLength` samples at the host tempo: its first tracked beat lands on sample 0 and its
 * beat period on the host's. The error before is measured on the raw audio placed at 0; after, on a
 * fresh beat track of the result.
 */
export function fitToBars(x: Float32Array, sampleRate: number, hostBeatSeconds: number, outLength: number, options: Partial<FitOptions> = {}): FitResult {
  const track = trackBeats(x, sampleRate, hostBeatSeconds, options);
  const duration = outLength / sampleRate;
  const errorBeforeMs = beatAlignmentErrorMs(track.beats, hostBeatSeconds, duration);
  const speed = track.periodSeconds / hostBeatSeconds;
  const audio = wsolaStretch(x, sampleRate, track.phaseSeconds * sampleRate, speed, outLength, options);
  const after = trackBeats(audio, sampleRate, hostBeatSeconds, options);
  return { audio, track, stretch: 1 / speed, errorBeforeMs, errorAfterMs: beatAlignmentErrorMs(after.beats, hostBeatSeconds, duration) };
}
