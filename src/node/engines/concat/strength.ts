// What each strength step (1 freest .. 6 closest to the source) changes in the concat engine.

export interface StrengthProfile {
  /** Markov order used when the generator does not stray (longer = follows the source's sequence). */
  readonly order: number;
  /** Chance per step of backing off to order 0-1 (a Continuator-style departure). */
  readonly stray: number;
  /** Every beat (not only the downbeat and the strong beats) keeps the source's unit kind. */
  readonly keepBeats: boolean;
  /** Fewest grid steps per 16 whose event differs from the source (so no take is a copy). */
  readonly minChanges: number;
  /** Largest share of grid steps that may differ from the source. */
  readonly maxChangeShare: number;
  /** Weight of a unit kind's exact position in the bar against its metrical level. */
  readonly positionAffinity: number;
  /** Per-unit chances of the moves. */
  readonly transpose: number;
  readonly reverse: number;
  readonly stutter: number;
  /** Largest random gain change of a unit, dB. */
  readonly gainDb: number;
  /** Beats at the end of the last bar that become a fill (multi-bar takes only). */
  readonly fillBeats: number;
}

/** Index 0 is strength 1 (freest), index 5 is strength 6 (closest). */
export const STRENGTH_PROFILES: readonly StrengthProfile[] = [
  { order: 1, stray: 0.8, keepBeats: false, minChanges: 8, maxChangeShare: 1, positionAffinity: 1, transpose: 0.4, reverse: 0.12, stutter: 0.16, gainDb: 4, fillBeats: 2 },
  { order: 2, stray: 0.5, keepBeats: false, minChanges: 6, maxChangeShare: 0.8, positionAffinity: 2, transpose: 0.3, reverse: 0.08, stutter: 0.12, gainDb: 3, fillBeats: 2 },
  { order: 2, stray: 0.35, keepBeats: false, minChanges: 4, maxChangeShare: 0.6, positionAffinity: 3, transpose: 0.2, reverse: 0.05, stutter: 0.08, gainDb: 2, fillBeats: 2 },
  { order: 3, stray: 0.25, keepBeats: false, minChanges: 3, maxChangeShare: 0.45, positionAffinity: 4, transpose: 0.12, reverse: 0, stutter: 0.06, gainDb: 1.5, fillBeats: 1 },
  { order: 3, stray: 0.2, keepBeats: true, minChanges: 4, maxChangeShare: 0.35, positionAffinity: 6, transpose: 0, reverse: 0, stutter: 0.06, gainDb: 1, fillBeats: 1 },
  { order: 4, stray: 0.05, keepBeats: true, minChanges: 2, maxChangeShare: 0.15, positionAffinity: 8, transpose: 0, reverse: 0, stutter: 0, gainDb: 0.5, fillBeats: 1 },
];

export const STRENGTH_MIN = 1;
export const STRENGTH_MAX = 6;
export const STRENGTH_DEFAULT = 3;

export function strengthProfile(strength: number): StrengthProfile {
  return STRENGTH_PROFILES[Math.min(STRENGTH_MAX, Math.max(STRENGTH_MIN, Math.round(strength))) - 1]!;
}

/** One line for capabilities(): what moving the strength does. */
export const STRENGTH_MEANING =
  '6 keeps the source order (Markov order 4), every beat and almost every event, changing only a few off-beat events; ' +
  'each step down lowers the model order, lets more steps depart from the source and adds per-unit moves ' +
  '(stutter from 5, transposition in key from 4, reverse from 3, wider gain shaping); 1 is freest. ' +
  'The downbeat and the strong beats always keep their kind of event.';
