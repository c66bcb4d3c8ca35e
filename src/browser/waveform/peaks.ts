// Downsampled waveform peaks (min/max per column) so a canvas draws 200 takes without touching raw audio again.

export interface Peaks {
  /** Columns of the overview. */
  readonly length: number;
  readonly min: Float32Array;
  readonly max: Float32Array;
  /** Frames of the source audio. */
  readonly frames: number;
}

/** Default columns per waveform: enough for a wide card at 2x pixel density. */
export const DEFAULT_PEAK_COLUMNS = 1024;

/** Min and max over all channels for each of `columns` equal slices of the audio. */
export function computePeaks(channels: readonly Float32Array[], columns = DEFAULT_PEAK_COLUMNS): Peaks {
  const frames = channels[0]?.length ?? 0;
  const n = Math.max(1, Math.min(columns, Math.max(1, frames)));
  const min = new Float32Array(n);
  const max = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const from = Math.floor((c * frames) / n);
    const to = Math.max(from + 1, Math.floor(((c + 1) * frames) / n));
    let lo = 0;
    let hi = 0;
    for (const ch of channels) {
      for (let i = from; i < to && i < frames; i++) {
        const v = ch[i] ?? 0;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    min[c] = lo;
    max[c] = hi;
  }
  return { length: n, min, max, frames };
}

/** Resamples peaks to `width` columns (the canvas width in device pixels), keeping extremes. */
export function fitPeaks(p: Peaks, width: number): { min: Float32Array; max: Float32Array } {
  const w = Math.max(1, Math.floor(width));
  const min = new Float32Array(w);
  const max = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const from = Math.floor((x * p.length) / w);
    const to = Math.max(from + 1, Math.floor(((x + 1) * p.length) / w));
    let lo = 0;
    let hi = 0;
    for (let i = from; i < to && i < p.length; i++) {
      const a = p.min[i] ?? 0;
      const b = p.max[i] ?? 0;
      if (a < lo) lo = a;
      if (b > hi) hi = b;
    }
    min[x] = lo;
    max[x] = hi;
  }
  return { min, max };
}
