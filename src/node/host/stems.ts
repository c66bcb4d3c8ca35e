// Builds bounce stems: each track's takes laid on the timeline over a bar range, locked to the bar grid like playback.
import { frameCount, type AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { TempoMap, type Meter } from '../../common/timing.js';

export interface StemTake {
  readonly id: string;
  readonly audio: AudioBuffer;
  /** Length of the take in bars (its loop length). */
  readonly bars: number;
}

export interface StemSpec {
  readonly bpm: number;
  readonly meter: Meter;
  readonly fromBar: number;
  /** Exclusive. */
  readonly toBar: number;
  /**
   * One take for the whole range (it loops from bar fromBar), or one per bar (an arrangement: bar
   * fromBar+i plays takes[i % takes.length], started at that bar line). A take of N bars started at
   * bar S plays pass k from bar S + k·N, reading frame t - barStart(S + k·N), silent past its end: the
   * rule the plugin plays by (docs/protocol.md 4.6), so a bounce sounds like the audition.
   */
  readonly takes: readonly StemTake[];
  /** Stem channel count (takes with fewer channels are spread, with more are averaged down). */
  readonly channels: number;
}

/** The stem audio and its timeline position (first sample = bar fromBar). */
export function buildStem(spec: StemSpec): { audio: AudioBuffer; timeReference: number; map: TempoMap } {
  const first = spec.takes[0];
  if (!first) throw new StylebridgeError('INVALID_ARGUMENT', 'A stem needs at least one take.');
  if (!Number.isInteger(spec.fromBar) || !Number.isInteger(spec.toBar) || spec.toBar <= spec.fromBar) {
    throw new StylebridgeError('INVALID_ARGUMENT', `Bar range ${spec.fromBar}..${spec.toBar} is empty or not whole bars.`, { fromBar: spec.fromBar, toBar: spec.toBar });
  }
  const rate = first.audio.sampleRate;
  for (const t of spec.takes) {
    if (t.audio.sampleRate !== rate) {
      throw new StylebridgeError('INVALID_ARGUMENT', `Takes of one stem must share a sample rate (${t.id} is at ${t.audio.sampleRate} Hz, not ${rate}).`, { take: t.id });
    }
  }
  const map = TempoMap.constant(spec.bpm, spec.meter, rate);
  const origin = map.barStartSample(spec.fromBar);
  const end = map.barStartSample(spec.toBar);
  const out = Array.from({ length: spec.channels }, () => new Float32Array(end - origin));
  const arrangement = spec.takes.length > 1;
  for (let bar = spec.fromBar; bar < spec.toBar; bar++) {
    const take = arrangement ? spec.takes[(bar - spec.fromBar) % spec.takes.length]! : first;
    const len = frameCount(take.audio);
    if (len === 0) continue;
    // The bar this pass of the take started at.
    const passStart = arrangement ? bar : spec.fromBar + Math.floor((bar - spec.fromBar) / take.bars) * take.bars;
    const p0 = map.barStartSample(passStart) - origin;
    const a = map.barStartSample(bar) - origin;
    const b = map.barStartSample(bar + 1) - origin;
    const src = take.audio.channels;
    for (let ch = 0; ch < spec.channels; ch++) {
      const dst = out[ch]!;
      for (let i = a; i < b; i++) {
        const f = i - p0;
        if (f >= len) continue; // a pass may outlast its take by a sample: silence
        let v: number;
        if (src.length === spec.channels) v = src[ch]![f]!;
        else if (src.length < spec.channels) v = src[Math.min(ch, src.length - 1)]![f]!;
        else { v = 0; for (const s of src) v += s[f]!; v /= src.length; }
        dst[i] = v;
      }
    }
  }
  return { audio: { sampleRate: rate, channels: out }, timeReference: origin, map };
}
