// A small synthetic drum-and-bass groove for the concat unit tests (no external tools needed).
import type { AudioBuffer } from '../../src/common/audio-buffer.js';
import { Pcg32 } from '../../src/common/dsp/prng.js';
import { TempoMap, barsLengthSamples, type Meter } from '../../src/common/timing.js';

export interface SynthEvent { readonly step: number; readonly kind: 'kick' | 'snare' | 'hat' | 'bass' }

/** One bar of 4/4 (or `meter`) at `bpm`: kick on beats, snare on 2 and 4, hats on off-beat eighths (swung), a bass note. */
export function synthGroove(opts: { bpm?: number; meter?: Meter; sampleRate?: number; swingMs?: number; channels?: number } = {}): { audio: AudioBuffer; bpm: number; meter: Meter; events: SynthEvent[] } {
  const bpm = opts.bpm ?? 120;
  const meter = opts.meter ?? { numerator: 4, denominator: 4 };
  const sr = opts.sampleRate ?? 48000;
  const swing = ((opts.swingMs ?? 0) / 1000) * sr;
  const len = barsLengthSamples(1, bpm, meter, sr);
  const map = TempoMap.constant(bpm, meter, sr);
  const stepsPerBar = meter.numerator * Math.max(1, 16 / meter.denominator);
  const qStep = (meter.numerator * 4) / meter.denominator / stepsPerBar;
  const x = new Float32Array(len);
  const rng = new Pcg32(1234);
  const events: SynthEvent[] = [];
  const beatSteps = Math.max(1, 16 / meter.denominator);
  for (let s = 0; s < stepsPerBar; s++) {
    const beat = s / beatSteps;
    let kind: SynthEvent['kind'] | undefined;
    if (s % beatSteps === 0) kind = Math.floor(beat) % 2 === 1 ? 'snare' : 'kick';
    else if (s % beatSteps === beatSteps / 2) kind = 'hat';
    else if (s === 3) kind = 'bass';
    if (!kind) continue;
    events.push({ step: s, kind });
    const at = Math.round(map.sampleAtPpq(s * qStep) + (kind === 'hat' ? swing : 0));
    const dur = Math.min(len - at, Math.round(sr * (kind === 'kick' ? 0.25 : kind === 'bass' ? 0.2 : 0.09)));
    for (let i = 0; i < dur; i++) {
      const t = i / sr;
      let v = 0;
      if (kind === 'kick') v = 0.9 * Math.sin(2 * Math.PI * (50 + 80 * Math.exp(-t * 30)) * t) * Math.exp(-t * 14);
      else if (kind === 'snare') v = (0.5 * (rng.next() * 2 - 1) + 0.3 * Math.sin(2 * Math.PI * 190 * t)) * Math.exp(-t * 25);
      else if (kind === 'hat') v = 0.3 * (rng.next() * 2 - 1) * Math.exp(-t * 60);
      else v = 0.5 * Math.sin(2 * Math.PI * 110 * t) * Math.min(1, t * 400) * Math.exp(-t * 6);
      x[at + i]! += v;
    }
  }
  const channels = opts.channels === 1 ? [x] : [x, Float32Array.from(x, (v) => v * 0.9)];
  return { audio: { sampleRate: sr, channels }, bpm, meter, events };
}
