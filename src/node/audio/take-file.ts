// One call that turns a take (or a bounce stem) into WAV or FLAC bytes with its tempo, bar markers, timeline position and loudness.
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { quartersPerBar, type TempoMap } from '../../common/timing.js';
import { encodeFlac } from './flac-write.js';
import { measureLoudness } from './loudness.js';
import { barCueMarkers } from './markers.js';
import type { Dither } from './pcm.js';
import type { AcidInfo, BextInfo, CueMarker } from './wav-chunks.js';
import { encodeWav, type WavEncoding } from './wav-write.js';

export type TakeFileFormat = 'wav' | 'flac';

export interface TakeFileOptions {
  readonly format: TakeFileFormat;
  /** WAV: pcm16, pcm24 (default) or float32. FLAC: pcm16 or pcm24 (default). */
  readonly encoding?: WavEncoding;
  readonly dither?: Dither;
  readonly ditherSeed?: number;
  /**
   * Musical placement: the take starts at bar `fromBar` (0-based) of `map` and lasts `bars` bars.
   * Gives WAV an acid chunk and one cue marker per bar ("Bar N", timeline numbering), and FLAC the
   * tags BPM, METER, BARS and FIRSTBAR.
   */
  readonly placement?: { readonly map: TempoMap; readonly fromBar: number; readonly bars: number; readonly loop?: boolean };
  /** Sample position of the first sample in the timeline (bext TimeReference; FLAC tag TIMEREFERENCE). */
  readonly timeReference?: number;
  readonly description?: string;
  /** e.g. the take id (bext OriginatorReference, 32 characters at most). */
  readonly reference?: string;
  /** Measure integrated loudness and true peak and store them (bext v2 for WAV; tags for FLAC). Default true. */
  readonly measureLoudness?: boolean;
}

/**
 * The ACID beat count: quarter notes, matching the quarter-note tempo written beside it, so that
 * beats x 60 / tempo is the take's length (what loop-aware hosts use to stretch). A length that is not a
 * whole number of quarters (an odd number of bars of 7/8, say) cannot be stored: it is rounded half up,
 * while the tempo, the meter fields and the file length stay exact.
 */
export function acidBeats(bars: number, meter: { numerator: number; denominator: number }): number {
  return Math.floor(bars * quartersPerBar(meter) + 0.5);
}

export function encodeTake(buf: AudioBuffer, options: TakeFileOptions): Uint8Array {
  const { format } = options;
  if (format !== 'wav' && format !== 'flac') throw new StylebridgeError('AUDIO_BAD_OPTION', `Unknown take file format '${String(format)}' (wav or flac).`, { option: 'format', value: format });
  const p = options.placement;
  if (p && p.map.sampleRate !== buf.sampleRate) {
    throw new StylebridgeError('AUDIO_BAD_OPTION', `The tempo map is at ${p.map.sampleRate} Hz but the audio at ${buf.sampleRate} Hz.`, { option: 'placement' });
  }
  const segment = p ? p.map.segmentAtBar(p.fromBar) : undefined;
  const loud = options.measureLoudness === false ? undefined : measureLoudness(buf);
  if (format === 'flac') {
    const encoding = options.encoding ?? 'pcm24';
    if (encoding === 'float32') throw new StylebridgeError('AUDIO_BAD_OPTION', 'FLAC stores integers only: use pcm16 or pcm24.', { option: 'encoding', value: encoding });
    const tags: Record<string, string> = { ENCODER: 'Stylebridge' };
    if (p && segment) {
      tags['BPM'] = String(segment.bpm);
      tags['METER'] = `${segment.meter.numerator}/${segment.meter.denominator}`;
      tags['BARS'] = String(p.bars);
      tags['FIRSTBAR'] = String(p.fromBar + 1);
    }
    if (options.timeReference !== undefined) tags['TIMEREFERENCE'] = String(options.timeReference);
    if (options.description) tags['DESCRIPTION'] = options.description;
    if (options.reference) tags['STYLEBRIDGE_REFERENCE'] = options.reference;
    if (loud && Number.isFinite(loud.integratedLufs)) tags['LOUDNESS_INTEGRATED_LUFS'] = loud.integratedLufs.toFixed(2);
    if (loud && Number.isFinite(loud.truePeakDbtp)) tags['TRUE_PEAK_DBTP'] = loud.truePeakDbtp.toFixed(2);
    return encodeFlac(buf, {
      bitsPerSample: encoding === 'pcm16' ? 16 : 24,
      tags,
      ...(options.dither ? { dither: options.dither } : {}),
      ...(options.ditherSeed !== undefined ? { ditherSeed: options.ditherSeed } : {}),
    });
  }
  let acid: AcidInfo | undefined;
  let markers: CueMarker[] | undefined;
  if (p && segment) {
    acid = { tempo: segment.bpm, beats: acidBeats(p.bars, segment.meter), loop: p.loop ?? true, meter: segment.meter };
    markers = barCueMarkers(p.map, p.fromBar, p.bars);
  }
  const bext: BextInfo = {
    timeReference: options.timeReference ?? 0,
    originator: 'Stylebridge',
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(options.reference !== undefined ? { originatorReference: options.reference } : {}),
    ...(loud ? { loudness: { integratedLufs: loud.integratedLufs, loudnessRangeLu: loud.loudnessRangeLu, maxTruePeakDbtp: loud.truePeakDbtp, maxMomentaryLufs: loud.maxMomentaryLufs, maxShortTermLufs: loud.maxShortTermLufs } } : {}),
  };
  return encodeWav(buf, {
    encoding: options.encoding ?? 'pcm24',
    bext,
    ...(acid ? { acid } : {}),
    ...(markers ? { markers } : {}),
    ...(options.dither ? { dither: options.dither } : {}),
    ...(options.ditherSeed !== undefined ? { ditherSeed: options.ditherSeed } : {}),
  });
}
