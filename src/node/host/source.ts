// Cuts the style source (whole bars on the bar grid) out of a longer recording, by bar index or start time.
import { frameCount, type AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { TempoMap, type Meter } from '../../common/timing.js';

export interface SourceCut {
  readonly bpm: number;
  readonly meter: Meter;
  /** Index of the first bar, counting bar 0 from the start of the recording. */
  readonly bar?: number;
  /** Or: the first bar starts this many seconds into the recording (overrides `bar`). */
  readonly startSeconds?: number;
  /** Number of whole bars. */
  readonly bars: number;
}

/** The bars asked for, sample-exact at the recording's rate; SOURCE_OUT_OF_RANGE when the recording is too short. */
export function cutSourceBars(audio: AudioBuffer, cut: SourceCut): { audio: AudioBuffer; startFrame: number; bar: number } {
  const map = TempoMap.constant(cut.bpm, cut.meter, audio.sampleRate);
  const bar = cut.bar ?? 0;
  const length = map.barStartSample(cut.bars);
  let start: number;
  if (cut.startSeconds !== undefined) {
    if (!Number.isFinite(cut.startSeconds) || cut.startSeconds < 0) {
      throw new StylebridgeError('INVALID_ARGUMENT', `Start ${cut.startSeconds} s must be a finite number >= 0.`, { start: cut.startSeconds });
    }
    start = Math.round(cut.startSeconds * audio.sampleRate);
  } else {
    start = map.barStartSample(bar);
  }
  const total = frameCount(audio);
  if (start + length > total) {
    throw new StylebridgeError('SOURCE_OUT_OF_RANGE',
      `The recording holds ${(total / audio.sampleRate).toFixed(3)} s; ${cut.bars} bar(s) from ${(start / audio.sampleRate).toFixed(3)} s need ${((start + length) / audio.sampleRate).toFixed(3)} s.`,
      { frames: total, start, length });
  }
  return {
    audio: { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.slice(start, start + length)) },
    startFrame: start,
    bar,
  };
}
