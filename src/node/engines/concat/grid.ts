// The rhythmic grid of a bar: step positions in samples (from the timing module) and each step's metrical weight.
import { TempoMap, quartersPerBar, quartersPerBeat, type Meter } from '../../../common/timing.js';

/** Metrical levels, strongest first. */
export const LEVEL = { downbeat: 0, strong: 1, beat: 2, half: 3, sub: 4 } as const;

/** Shortest grid step; finer grids are coarsened so one step still holds one audible event. */
export const MIN_STEP_SECONDS = 0.06;

export interface Grid {
  readonly meter: Meter;
  readonly bpm: number;
  readonly sampleRate: number;
  readonly stepsPerBeat: number;
  readonly stepsPerBar: number;
  /** Metrical level of each step of a bar (LEVEL values). */
  readonly level: Uint8Array;
  /** Beat-group starts (strong beats) in beats, e.g. [0, 2, 4] for 7/8 grouped 2+2+3. */
  readonly groups: readonly number[];
  /** Unrounded sample position of global step s (bar * stepsPerBar + step), bar 0 at sample 0. */
  stepExact(s: number): number;
  /** Rounded (half up, per the timing module) first sample of global step s. */
  stepSample(s: number): number;
}

/** Beat-group starts of a meter: compound meters in threes, even in twos, odd as twos then a three. */
export function beatGroups(numerator: number, denominator: number): number[] {
  if (numerator <= 3) return [0];
  if (numerator % 3 === 0 && denominator >= 8) return Array.from({ length: numerator / 3 }, (_, i) => i * 3);
  const starts: number[] = [];
  let b = 0;
  while (b < numerator) {
    starts.push(b);
    b += numerator - b === 3 ? 3 : 2;
  }
  return starts;
}

export function makeGrid(bpm: number, meter: Meter, sampleRate: number): Grid {
  const map = TempoMap.constant(bpm, meter, sampleRate);
  let stepsPerBeat = Math.max(1, Math.round(16 / meter.denominator));
  const beatSeconds = (quartersPerBeat(meter) * 60) / bpm;
  while (stepsPerBeat > 1 && beatSeconds / stepsPerBeat < MIN_STEP_SECONDS) stepsPerBeat = Math.max(1, stepsPerBeat >> 1);
  const stepsPerBar = meter.numerator * stepsPerBeat;
  const groups = beatGroups(meter.numerator, meter.denominator);
  const level = new Uint8Array(stepsPerBar);
  for (let s = 0; s < stepsPerBar; s++) {
    const beat = Math.floor(s / stepsPerBeat);
    const sub = s % stepsPerBeat;
    if (s === 0) level[s] = LEVEL.downbeat;
    else if (sub === 0) level[s] = groups.includes(beat) ? LEVEL.strong : LEVEL.beat;
    else if (stepsPerBeat % 2 === 0 && sub === stepsPerBeat / 2) level[s] = LEVEL.half;
    else level[s] = LEVEL.sub;
  }
  const qpStep = quartersPerBar(meter) / stepsPerBar;
  const stepExact = (s: number): number => map.sampleAtPpq(s * qpStep);
  return {
    meter, bpm, sampleRate, stepsPerBeat, stepsPerBar, level, groups,
    stepExact,
    stepSample: (s: number) => (s % stepsPerBar === 0 ? map.barStartSample(s / stepsPerBar) : Math.floor(stepExact(s) + 0.5)),
  };
}
