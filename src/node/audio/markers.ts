// Cue markers at bar lines, computed by the timing module (never re-derived here).
import type { TempoMap } from '../../common/timing.js';
import type { CueMarker } from './wav-chunks.js';

/**
 * One marker per bar line of a take that starts at bar `fromBar` (0-based) of `map` and lasts `bars`
 * bars. Positions are sample offsets from the take's first sample; labels are "Bar N" with N the
 * 1-based bar number in the timeline. The take's own end (bar fromBar+bars) gets no marker.
 */
export function barCueMarkers(map: TempoMap, fromBar: number, bars: number): CueMarker[] {
  const origin = map.barStartSample(fromBar);
  return Array.from({ length: bars }, (_, i) => ({ position: map.barStartSample(fromBar + i) - origin, label: `Bar ${fromBar + i + 1}` }));
}

/** Markers from bar start positions already known (sample offsets from the file start), labelled "Bar firstBarNumber + i". */
export function markersFromBarStarts(barStarts: readonly number[], firstBarNumber = 1): CueMarker[] {
  return barStarts.map((position, i) => ({ position, label: `Bar ${firstBarNumber + i}` }));
}
