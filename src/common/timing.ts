// The only place where bars, beats, PPQ (quarter notes), seconds and samples convert into each other.
//
// Conventions (docs/architecture.md, "Timing"):
// - BPM always counts QUARTER notes per minute, whatever the meter's denominator (as most DAWs do).
//   A host that reports tempo in denominator beats is converted once, at the edge (bpmFromBeatTempo).
// - A bar of meter n/d lasts n * 4 / d quarter notes.
// - Bars and beats are 0-based in all math; only display strings (formatBarBeat) are 1-based.
// - Bar k of a constant-tempo stretch starts at sample roundHalfUp(k * n * 240 * rate / (d * bpm)),
//   evaluated in IEEE-754 double precision in exactly that order: ((k * n) * 240) * rate is an exact
//   integer below 2^53 for every supported value, so the only rounding is the single division, and any
//   language that follows the same expression gets the same sample. Positions never accumulate rounded
//   bar lengths, so there is no drift over any number of bars.
// - With tempo changes (always on a bar line) bar k starts at
//   roundHalfUp(segmentStartExact + ((k - segmentStartBar) * n * 240 * rate) / (d * bpm)), where
//   segmentStartExact is the unrounded sum of the previous segments' exact lengths, added in order.
import { StylebridgeError } from './errors.js';

export interface Meter {
  /** Beats per bar (2..32 in practice; 1 allowed). */
  readonly numerator: number;
  /** The note value of one beat: 1, 2, 4, 8, 16 or 32. */
  readonly denominator: number;
}

/** Every limit of the timing math, with its default. */
export const TIMING_LIMITS = {
  minBpm: 20,
  maxBpm: 999,
  minSampleRate: 22050,
  maxSampleRate: 192000,
  maxNumerator: 32,
  denominators: [1, 2, 4, 8, 16, 32] as readonly number[],
  /** Highest bar index the exact-integer rule is guaranteed for (well under 2^53 / (32*240*192000)). */
  maxBar: 1_000_000,
} as const;

// ----- validation ---------------------------------------------------------------------------------

export function assertBpm(bpm: number): void {
  if (typeof bpm !== 'number' || !Number.isFinite(bpm) || bpm < TIMING_LIMITS.minBpm || bpm > TIMING_LIMITS.maxBpm) {
    throw new StylebridgeError('TIMING_BAD_TEMPO', `Tempo ${String(bpm)} BPM is outside ${TIMING_LIMITS.minBpm}..${TIMING_LIMITS.maxBpm}.`, { bpm });
  }
}

export function assertMeter(meter: Meter): void {
  const n = meter?.numerator;
  const d = meter?.denominator;
  if (!Number.isInteger(n) || n < 1 || n > TIMING_LIMITS.maxNumerator || !TIMING_LIMITS.denominators.includes(d)) {
    throw new StylebridgeError('TIMING_BAD_METER', `Meter ${String(n)}/${String(d)} is not supported.`, { numerator: n, denominator: d });
  }
}

export function assertSampleRate(rate: number): void {
  if (!Number.isInteger(rate) || rate < TIMING_LIMITS.minSampleRate || rate > TIMING_LIMITS.maxSampleRate) {
    throw new StylebridgeError('TIMING_BAD_SAMPLE_RATE', `Sample rate ${String(rate)} Hz is outside ${TIMING_LIMITS.minSampleRate}..${TIMING_LIMITS.maxSampleRate}.`, { sampleRate: rate });
  }
}

function assertBar(bar: number): void {
  if (!Number.isInteger(bar) || bar < 0 || bar > TIMING_LIMITS.maxBar) {
    throw new StylebridgeError('TIMING_BAD_POSITION', `Bar ${String(bar)} is not an integer in 0..${TIMING_LIMITS.maxBar}.`, { bar });
  }
}

function assertNonNegativeFinite(what: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new StylebridgeError('TIMING_BAD_POSITION', `${what} ${String(v)} must be a finite number >= 0.`, { [what]: v });
  }
}

/** Parses "7/8" into a Meter (validated). */
export function parseMeter(text: string): Meter {
  const m = /^\s*(\d{1,3})\s*\/\s*(\d{1,3})\s*$/.exec(text);
  if (!m) throw new StylebridgeError('TIMING_BAD_METER', `Meter "${text}" is not of the form N/D (e.g. 4/4, 7/8).`, { meter: text });
  const meter = { numerator: Number(m[1]), denominator: Number(m[2]) };
  assertMeter(meter);
  return meter;
}

export function formatMeter(meter: Meter): string {
  return `${meter.numerator}/${meter.denominator}`;
}

// ----- constant-tempo conversions -----------------------------------------------------------------

/** Rounds half up: the one rounding rule for sample positions (x >= 0). */
export function roundHalfUp(x: number): number {
  return Math.floor(x + 0.5);
}

export function quartersPerBar(meter: Meter): number {
  return (meter.numerator * 4) / meter.denominator;
}

/** Quarter notes in one beat (one denominator note). */
export function quartersPerBeat(meter: Meter): number {
  return 4 / meter.denominator;
}

/** Converts a tempo counted in denominator beats (e.g. eighths in 7/8) to quarter-note BPM. */
export function bpmFromBeatTempo(beatsPerMinute: number, meter: Meter): number {
  return (beatsPerMinute * 4) / meter.denominator;
}

export function secondsPerQuarter(bpm: number): number {
  return 60 / bpm;
}

export function barSeconds(bpm: number, meter: Meter): number {
  return (meter.numerator * 240) / (meter.denominator * bpm);
}

/** Exact (fractional) bar length in samples. */
export function exactBarSamples(bpm: number, meter: Meter, sampleRate: number): number {
  return (meter.numerator * 240 * sampleRate) / (meter.denominator * bpm);
}

/** Unrounded sample offset of bar k from bar 0 at a constant tempo (the documented expression). */
function exactBarOffset(k: number, bpm: number, meter: Meter, sampleRate: number): number {
  return (((k * meter.numerator) * 240) * sampleRate) / (meter.denominator * bpm);
}

/** First sample of bar k (0-based) at a constant tempo, bar 0 at sample 0. */
export function barStartSample(k: number, bpm: number, meter: Meter, sampleRate: number): number {
  assertBar(k);
  assertBpm(bpm);
  assertMeter(meter);
  assertSampleRate(sampleRate);
  return roundHalfUp(exactBarOffset(k, bpm, meter, sampleRate));
}

/**
 * Length in samples of a take that is `bars` bars long. A take always counts its bars from its own
 * bar 0, so its length is barStartSample(bars): the same for every position it is later played at.
 */
export function barsLengthSamples(bars: number, bpm: number, meter: Meter, sampleRate: number): number {
  if (!Number.isInteger(bars) || bars < 1) {
    throw new StylebridgeError('TIMING_BAD_POSITION', `Bar count ${String(bars)} must be a whole number >= 1.`, { bars });
  }
  return barStartSample(bars, bpm, meter, sampleRate);
}

export function secondsToSamples(seconds: number, sampleRate: number): number {
  return seconds * sampleRate;
}

export function samplesToSeconds(samples: number, sampleRate: number): number {
  return samples / sampleRate;
}

export function quartersToSeconds(quarters: number, bpm: number): number {
  return (quarters * 60) / bpm;
}

export function secondsToQuarters(seconds: number, bpm: number): number {
  return (seconds * bpm) / 60;
}

/** Samples per beat (one denominator note), fractional. */
export function beatSamples(bpm: number, meter: Meter, sampleRate: number): number {
  return (quartersPerBeat(meter) * 60 * sampleRate) / bpm;
}

// ----- tempo maps -----------------------------------------------------------------------------------

/** A tempo and meter that hold from `startBar` until the next segment. */
export interface TempoSegment {
  readonly startBar: number;
  readonly bpm: number;
  readonly meter: Meter;
}

/** A position resolved against a tempo map. Bars and beats are 0-based; `beat` is fractional. */
export interface MusicalPosition {
  readonly bar: number;
  /** Beat within the bar in denominator notes, 0 <= beat < numerator. */
  readonly beat: number;
  /** Quarter notes since bar 0. */
  readonly ppq: number;
  /** Quarter notes since bar 0 at which this bar starts. */
  readonly barStartPpq: number;
  readonly bpm: number;
  readonly meter: Meter;
}

interface ResolvedSegment extends TempoSegment {
  /** Unrounded sample position of startBar. */
  readonly startExact: number;
  readonly startPpq: number;
  readonly startSeconds: number;
}

/**
 * Tempo changes between bars, at one sample rate. Immutable. Bars before the first change use the
 * first segment, which must start at bar 0.
 */
export class TempoMap {
  readonly sampleRate: number;
  readonly segments: readonly TempoSegment[];
  readonly #resolved: ResolvedSegment[];

  constructor(segments: readonly TempoSegment[], sampleRate: number) {
    assertSampleRate(sampleRate);
    if (segments.length === 0 || segments[0]!.startBar !== 0) {
      throw new StylebridgeError('TIMING_BAD_TEMPO_MAP', 'A tempo map needs at least one segment, and the first starts at bar 0.');
    }
    const resolved: ResolvedSegment[] = [];
    let exact = 0;
    let ppq = 0;
    let seconds = 0;
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]!;
      assertBar(s.startBar);
      assertBpm(s.bpm);
      assertMeter(s.meter);
      const prev = resolved[i - 1];
      if (prev) {
        if (s.startBar <= prev.startBar) {
          throw new StylebridgeError('TIMING_BAD_TEMPO_MAP', `Tempo segment ${i} starts at bar ${s.startBar}, not after bar ${prev.startBar}.`, { index: i });
        }
        const bars = s.startBar - prev.startBar;
        exact = prev.startExact + exactBarOffset(bars, prev.bpm, prev.meter, sampleRate);
        ppq = prev.startPpq + bars * quartersPerBar(prev.meter);
        seconds = prev.startSeconds + bars * barSeconds(prev.bpm, prev.meter);
      }
      resolved.push({ startBar: s.startBar, bpm: s.bpm, meter: { ...s.meter }, startExact: exact, startPpq: ppq, startSeconds: seconds });
    }
    this.sampleRate = sampleRate;
    this.segments = resolved.map(({ startBar, bpm, meter }) => ({ startBar, bpm, meter }));
    this.#resolved = resolved;
  }

  /** A map with one tempo and meter throughout. */
  static constant(bpm: number, meter: Meter, sampleRate: number): TempoMap {
    return new TempoMap([{ startBar: 0, bpm, meter }], sampleRate);
  }

  /** The segment in force at bar k. */
  segmentAtBar(k: number): TempoSegment {
    return this.#segAtBar(k);
  }

  /** First sample of bar k. */
  barStartSample(k: number): number {
    return roundHalfUp(this.barStartExact(k));
  }

  /** Unrounded sample position of bar k's start. */
  barStartExact(k: number): number {
    assertBar(k);
    const s = this.#segAtBar(k);
    return s.startExact + exactBarOffset(k - s.startBar, s.bpm, s.meter, this.sampleRate);
  }

  /** Samples from the start of bar `from` to the start of bar `to` (to > from). */
  samplesBetweenBars(from: number, to: number): number {
    return this.barStartSample(to) - this.barStartSample(from);
  }

  barStartPpq(k: number): number {
    assertBar(k);
    const s = this.#segAtBar(k);
    return s.startPpq + (k - s.startBar) * quartersPerBar(s.meter);
  }

  barStartSeconds(k: number): number {
    assertBar(k);
    const s = this.#segAtBar(k);
    return s.startSeconds + (k - s.startBar) * barSeconds(s.bpm, s.meter);
  }

  /** Musical position at a PPQ (quarter notes since bar 0). */
  positionAtPpq(ppq: number): MusicalPosition {
    assertNonNegativeFinite('ppq', ppq);
    const s = this.#segWhere((r) => r.startPpq <= ppq);
    const qpb = quartersPerBar(s.meter);
    const barsInto = Math.floor((ppq - s.startPpq) / qpb + 1e-9);
    const bar = s.startBar + barsInto;
    const barStartPpq = s.startPpq + barsInto * qpb;
    const beat = Math.max(0, (ppq - barStartPpq) / quartersPerBeat(s.meter));
    return { bar, beat, ppq, barStartPpq, bpm: s.bpm, meter: s.meter };
  }

  /** Musical position at a sample (fractional samples allowed). */
  positionAtSample(sample: number): MusicalPosition {
    return this.positionAtPpq(this.ppqAtSample(sample));
  }

  /** Unrounded sample position of a PPQ. */
  sampleAtPpq(ppq: number): number {
    assertNonNegativeFinite('ppq', ppq);
    const s = this.#segWhere((r) => r.startPpq <= ppq);
    return s.startExact + ((ppq - s.startPpq) * 60 * this.sampleRate) / s.bpm;
  }

  /** PPQ at a (fractional) sample position. */
  ppqAtSample(sample: number): number {
    assertNonNegativeFinite('sample', sample);
    const s = this.#segWhere((r) => r.startExact <= sample);
    return s.startPpq + ((sample - s.startExact) * s.bpm) / (60 * this.sampleRate);
  }

  secondsAtPpq(ppq: number): number {
    assertNonNegativeFinite('ppq', ppq);
    const s = this.#segWhere((r) => r.startPpq <= ppq);
    return s.startSeconds + quartersToSeconds(ppq - s.startPpq, s.bpm);
  }

  ppqAtSeconds(seconds: number): number {
    assertNonNegativeFinite('seconds', seconds);
    const s = this.#segWhere((r) => r.startSeconds <= seconds);
    return s.startPpq + secondsToQuarters(seconds - s.startSeconds, s.bpm);
  }

  /** The same tempo map at another sample rate (bar starts re-derived, not scaled). */
  withSampleRate(sampleRate: number): TempoMap {
    return new TempoMap(this.segments, sampleRate);
  }

  #segAtBar(k: number): ResolvedSegment {
    return this.#segWhere((r) => r.startBar <= k);
  }

  /** The last segment whose start satisfies `starts` (segments are ordered; the first always matches). */
  #segWhere(starts: (r: ResolvedSegment) => boolean): ResolvedSegment {
    const r = this.#resolved;
    let lo = 0;
    let hi = r.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts(r[mid]!)) lo = mid;
      else hi = mid - 1;
    }
    return r[lo]!;
  }
}

/** "bar.beat" for people, 1-based, e.g. position bar 0 beat 0 -> "1.1". */
export function formatBarBeat(pos: { bar: number; beat: number }): string {
  return `${pos.bar + 1}.${Math.floor(pos.beat + 1e-9) + 1}`;
}
