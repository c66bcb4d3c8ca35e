// Draws peaks and a bar/beat grid on a canvas; positions of bar and beat lines come from the timing module.
import { barStartSample, beatSamples, type Meter } from '../../common/timing.js';
import { fitPeaks, type Peaks } from './peaks.js';

export interface GridSpec {
  readonly bars: number;
  readonly bpm: number;
  readonly meter: Meter;
  readonly sampleRate: number;
  readonly frames: number;
}

export interface DrawStyle {
  readonly wave: string;
  readonly waveDim: string;
  readonly bar: string;
  readonly beat: string;
  readonly center: string;
}

/** Bar and beat line positions as fractions 0..1 of the audio length. */
export function gridLines(g: GridSpec): { bars: number[]; beats: number[] } {
  const bars: number[] = [];
  const beats: number[] = [];
  if (!(g.frames > 0) || !(g.bars >= 1)) return { bars, beats };
  let beatLen: number;
  try { beatLen = beatSamples(g.bpm, g.meter, g.sampleRate); } catch { return { bars, beats }; }
  for (let k = 0; k <= g.bars; k++) {
    const start = barStartSample(k, g.bpm, g.meter, g.sampleRate);
    if (start > g.frames) break;
    bars.push(start / g.frames);
    if (k === g.bars) break;
    for (let j = 1; j < g.meter.numerator; j++) {
      const s = start + j * beatLen;
      if (s < g.frames) beats.push(s / g.frames);
    }
  }
  return { bars, beats };
}

/** Paints the waveform into the whole canvas (device pixels). */
export function drawWaveform(ctx: CanvasRenderingContext2D, width: number, height: number, peaks: Peaks | undefined, style: DrawStyle, grid?: GridSpec): void {
  ctx.clearRect(0, 0, width, height);
  const mid = Math.round(height / 2) + 0.5;
  if (grid) {
    const { bars, beats } = gridLines(grid);
    ctx.fillStyle = style.beat;
    for (const f of beats) ctx.fillRect(Math.round(f * (width - 1)), 0, 1, height);
    ctx.fillStyle = style.bar;
    for (const f of bars) ctx.fillRect(Math.min(width - 1, Math.round(f * (width - 1))), 0, 1, height);
  }
  ctx.fillStyle = style.center;
  ctx.fillRect(0, mid - 0.5, width, 1);
  if (!peaks) return;
  const { min, max } = fitPeaks(peaks, width);
  const half = (height / 2) * 0.92;
  ctx.fillStyle = style.wave;
  for (let x = 0; x < width; x++) {
    const top = Math.round(mid - (max[x] ?? 0) * half);
    const bottom = Math.round(mid - (min[x] ?? 0) * half);
    ctx.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
}
