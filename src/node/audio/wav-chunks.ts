// Byte layouts of the WAV metadata chunks Stylebridge writes and reads: bext (EBU Tech 3285), acid, cue and LIST/adtl labels.
import { StylebridgeError } from '../../common/errors.js';

// ----- public types ------------------------------------------------------------------------------

/** Loudness fields of a version-2 bext chunk (EBU Tech 3285 v2), stored as int16 hundredths. */
export interface BextLoudness {
  /** Integrated loudness, LUFS. */
  readonly integratedLufs?: number;
  /** Loudness range, LU. */
  readonly loudnessRangeLu?: number;
  /** Maximum true peak, dBTP. */
  readonly maxTruePeakDbtp?: number;
  readonly maxMomentaryLufs?: number;
  readonly maxShortTermLufs?: number;
}

/** Broadcast-wave `bext` chunk. */
export interface BextInfo {
  /** Free text, at most 256 ASCII bytes. */
  readonly description?: string;
  /** Who made the file (at most 32 bytes), e.g. "Stylebridge". */
  readonly originator?: string;
  /** Unique reference (at most 32 bytes), e.g. the take id. */
  readonly originatorReference?: string;
  /** "yyyy-mm-dd" (10 bytes) and "hh:mm:ss" (8 bytes). Empty when absent. */
  readonly originationDate?: string;
  readonly originationTime?: string;
  /**
   * Sample position of the first sample of this file in the timeline (samples since the timeline's
   * origin, at the file's own sample rate). Stored as a 64-bit unsigned integer; must be a safe integer.
   */
  readonly timeReference: number;
  /** 64-byte SMPTE UMID, zeros when absent. */
  readonly umid?: Uint8Array;
  /** When given, the chunk is written as version 2; unmeasured fields hold 0x7FFF. */
  readonly loudness?: BextLoudness;
  /** Coding history lines (ASCII, CR LF terminated by convention). */
  readonly codingHistory?: string;
}

/** The `acid` chunk: loop metadata that DAWs use to tempo-match a clip. */
export interface AcidInfo {
  /** Tempo in quarter-note BPM (stored as float32). */
  readonly tempo: number;
  /** Number of beats in the file (stored as uint32). */
  readonly beats: number;
  /** True for a loop; false writes the one-shot flag. */
  readonly loop: boolean;
  /** MIDI root note 0..127; absent clears the root-note flag (60 is written). */
  readonly rootNote?: number;
  /** Whether the host may time-stretch the clip (stretch flag); default true for loops. */
  readonly stretch?: boolean;
  /** Time signature; default 4/4. */
  readonly meter?: { readonly numerator: number; readonly denominator: number };
}

/** A marker at a sample offset from the first sample of the file, optionally labelled (LIST/adtl/labl). */
export interface CueMarker {
  readonly position: number;
  readonly label?: string;
  /** Cue point id (dwName); assigned 1..n in order when absent. */
  readonly id?: number;
}

// ----- layout constants --------------------------------------------------------------------------

/** Size of the fixed part of a bext chunk before the coding history: 256+32+32+10+8+4+4+2+64+10+180. */
export const BEXT_FIXED_SIZE = 602;
export const ACID_SIZE = 24;
export const CUE_POINT_SIZE = 24;

export const ACID_FLAG_ONE_SHOT = 0x01;
export const ACID_FLAG_ROOT_NOTE = 0x02;
export const ACID_FLAG_STRETCH = 0x04;
export const ACID_FLAG_DISK_BASED = 0x08;

const LOUDNESS_UNKNOWN = 0x7fff;
const U32_MAX = 0xffffffff;

// ----- encoders ----------------------------------------------------------------------------------

function badOption(option: string, message: string, value?: unknown): StylebridgeError {
  return new StylebridgeError('AUDIO_BAD_OPTION', message, { option, ...(value !== undefined ? { value } : {}) });
}

function putAscii(out: Uint8Array, at: number, width: number, text: string | undefined, option: string): void {
  if (text === undefined) return;
  if (text.length > width) throw badOption(option, `${option} is ${text.length} characters; at most ${width} fit.`, text);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7e || (c < 0x20 && c !== 0x0d && c !== 0x0a)) throw badOption(option, `${option} must be printable ASCII.`, text);
    out[at + i] = c;
  }
}

function loudnessField(v: number | undefined, option: string): number {
  if (v === undefined) return LOUDNESS_UNKNOWN;
  if (!Number.isFinite(v)) return LOUDNESS_UNKNOWN; // -Infinity LUFS (silence) is "not measurable"
  const x = Math.round(v * 100);
  if (x < -32768 || x > 32766) throw badOption(option, `${option} ${v} does not fit the bext int16 field.`, v);
  return x;
}

export function encodeBext(info: BextInfo): Uint8Array {
  if (!Number.isSafeInteger(info.timeReference) || info.timeReference < 0) {
    throw badOption('bext.timeReference', 'bext.timeReference must be a whole sample count >= 0.', info.timeReference);
  }
  const history = info.codingHistory ?? '';
  const out = new Uint8Array(BEXT_FIXED_SIZE + history.length);
  const view = new DataView(out.buffer);
  putAscii(out, 0, 256, info.description, 'bext.description');
  putAscii(out, 256, 32, info.originator, 'bext.originator');
  putAscii(out, 288, 32, info.originatorReference, 'bext.originatorReference');
  if (info.originationDate !== undefined && !/^\d{4}[-:]\d{2}[-:]\d{2}$/.test(info.originationDate)) {
    throw badOption('bext.originationDate', 'bext.originationDate must be yyyy-mm-dd.', info.originationDate);
  }
  if (info.originationTime !== undefined && !/^\d{2}[-:]\d{2}[-:]\d{2}$/.test(info.originationTime)) {
    throw badOption('bext.originationTime', 'bext.originationTime must be hh:mm:ss.', info.originationTime);
  }
  putAscii(out, 320, 10, info.originationDate, 'bext.originationDate');
  putAscii(out, 330, 8, info.originationTime, 'bext.originationTime');
  view.setUint32(338, info.timeReference % 2 ** 32, true);
  view.setUint32(342, Math.floor(info.timeReference / 2 ** 32), true);
  view.setUint16(346, info.loudness ? 2 : 1, true);
  if (info.umid) {
    if (info.umid.length !== 64) throw badOption('bext.umid', 'bext.umid must be 64 bytes.', info.umid.length);
    out.set(info.umid, 348);
  }
  if (info.loudness) {
    const l = info.loudness;
    view.setInt16(412, loudnessField(l.integratedLufs, 'bext.loudness.integratedLufs'), true);
    view.setInt16(414, loudnessField(l.loudnessRangeLu, 'bext.loudness.loudnessRangeLu'), true);
    view.setInt16(416, loudnessField(l.maxTruePeakDbtp, 'bext.loudness.maxTruePeakDbtp'), true);
    view.setInt16(418, loudnessField(l.maxMomentaryLufs, 'bext.loudness.maxMomentaryLufs'), true);
    view.setInt16(420, loudnessField(l.maxShortTermLufs, 'bext.loudness.maxShortTermLufs'), true);
  }
  // 422..601: reserved, zero.
  putAscii(out, BEXT_FIXED_SIZE, history.length, history, 'bext.codingHistory');
  return out;
}

export function encodeAcid(info: AcidInfo): Uint8Array {
  const meter = info.meter ?? { numerator: 4, denominator: 4 };
  if (!Number.isFinite(info.tempo) || info.tempo <= 0) throw badOption('acid.tempo', 'acid.tempo must be a positive BPM.', info.tempo);
  if (!Number.isInteger(info.beats) || info.beats < 0 || info.beats > U32_MAX) throw badOption('acid.beats', 'acid.beats must be a whole number >= 0.', info.beats);
  if (info.rootNote !== undefined && (!Number.isInteger(info.rootNote) || info.rootNote < 0 || info.rootNote > 127)) {
    throw badOption('acid.rootNote', 'acid.rootNote must be a MIDI note 0..127.', info.rootNote);
  }
  for (const [k, v] of Object.entries(meter)) {
    if (!Number.isInteger(v) || v < 1 || v > 0xffff) throw badOption(`acid.meter.${k}`, `acid.meter.${k} must be a whole number 1..65535.`, v);
  }
  const out = new Uint8Array(ACID_SIZE);
  const view = new DataView(out.buffer);
  let flags = 0;
  if (!info.loop) flags |= ACID_FLAG_ONE_SHOT;
  if (info.rootNote !== undefined) flags |= ACID_FLAG_ROOT_NOTE;
  if (info.stretch ?? info.loop) flags |= ACID_FLAG_STRETCH;
  view.setUint32(0, flags, true);
  view.setUint16(4, info.rootNote ?? 60, true);
  view.setUint16(6, 0x8000, true); // unknown field: 0x8000 in files written by ACID itself
  view.setFloat32(8, 0, true); // unknown field: 0
  view.setUint32(12, info.beats, true);
  view.setUint16(16, meter.denominator, true);
  view.setUint16(18, meter.numerator, true);
  view.setFloat32(20, info.tempo, true);
  return out;
}

/** Markers with ids assigned, validated against the file length in frames. */
export function normalizeMarkers(markers: readonly CueMarker[], frames: number): { position: number; id: number; label?: string }[] {
  const seen = new Set<number>();
  return markers.map((m, i) => {
    const id = m.id ?? i + 1;
    if (!Number.isInteger(m.position) || m.position < 0 || m.position > frames || m.position > U32_MAX) {
      throw badOption('markers', `Marker ${i} at sample ${m.position} is outside the file (0..${frames}).`, m.position);
    }
    if (!Number.isInteger(id) || id < 0 || id > U32_MAX || seen.has(id)) throw badOption('markers', `Marker ${i} has a bad or repeated id ${id}.`, id);
    seen.add(id);
    return { position: m.position, id, ...(m.label !== undefined ? { label: m.label } : {}) };
  });
}

export function encodeCue(markers: readonly { position: number; id: number }[]): Uint8Array {
  const out = new Uint8Array(4 + CUE_POINT_SIZE * markers.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, markers.length, true);
  markers.forEach((m, i) => {
    const at = 4 + i * CUE_POINT_SIZE;
    view.setUint32(at, m.id, true); // dwName
    view.setUint32(at + 4, m.position, true); // dwPosition (play order position; equal to the offset with no playlist)
    out.set([0x64, 0x61, 0x74, 0x61], at + 8); // fccChunk 'data'
    view.setUint32(at + 12, 0, true); // dwChunkStart
    view.setUint32(at + 16, 0, true); // dwBlockStart
    view.setUint32(at + 20, m.position, true); // dwSampleOffset
  });
  return out;
}

/** LIST chunk body of type 'adtl' holding one 'labl' sub-chunk per labelled marker (null-terminated text). */
export function encodeAdtl(markers: readonly { id: number; label?: string }[]): Uint8Array | undefined {
  const labelled = markers.filter((m) => m.label !== undefined);
  if (labelled.length === 0) return undefined;
  const parts: Uint8Array[] = [new Uint8Array([0x61, 0x64, 0x74, 0x6c])]; // 'adtl'
  for (const m of labelled) {
    const text = m.label!;
    const size = 4 + text.length + 1;
    const sub = new Uint8Array(8 + size + (size & 1));
    const view = new DataView(sub.buffer);
    sub.set([0x6c, 0x61, 0x62, 0x6c], 0); // 'labl'
    view.setUint32(4, size, true);
    view.setUint32(8, m.id, true);
    putAscii(sub, 12, text.length, text, 'markers.label');
    parts.push(sub);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ----- decoders (used by the WAV reader) ---------------------------------------------------------

function getAscii(bytes: Uint8Array, at: number, width: number): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    const c = bytes[at + i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function corrupt(message: string, details?: Record<string, unknown>): StylebridgeError {
  return new StylebridgeError('AUDIO_CORRUPT', message, details);
}

export function decodeBext(body: Uint8Array): BextInfo & { version: number } {
  if (body.length < BEXT_FIXED_SIZE - 190) throw corrupt(`bext chunk is ${body.length} bytes, shorter than its fixed fields.`, { chunk: 'bext' });
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const version = view.getUint16(346, true);
  const low = view.getUint32(338, true);
  const high = view.getUint32(342, true);
  const timeReference = high * 2 ** 32 + low;
  const int16 = (at: number): number | undefined => {
    const v = view.getInt16(at, true);
    return v === LOUDNESS_UNKNOWN ? undefined : v / 100;
  };
  const hasLoudness = version >= 2 && body.length >= 422;
  const historyStart = Math.min(BEXT_FIXED_SIZE, body.length);
  return {
    version,
    description: getAscii(body, 0, 256),
    originator: getAscii(body, 256, 32),
    originatorReference: getAscii(body, 288, 32),
    originationDate: getAscii(body, 320, 10),
    originationTime: getAscii(body, 330, 8),
    timeReference,
    umid: body.slice(348, 412),
    ...(hasLoudness
      ? {
          loudness: {
            integratedLufs: int16(412),
            loudnessRangeLu: int16(414),
            maxTruePeakDbtp: int16(416),
            maxMomentaryLufs: int16(418),
            maxShortTermLufs: int16(420),
          },
        }
      : {}),
    codingHistory: getAscii(body, historyStart, body.length - historyStart),
  };
}

export function decodeAcid(body: Uint8Array): AcidInfo & { flags: number } {
  if (body.length < ACID_SIZE) throw corrupt(`acid chunk is ${body.length} bytes; the layout needs ${ACID_SIZE}.`, { chunk: 'acid' });
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const flags = view.getUint32(0, true);
  return {
    flags,
    loop: (flags & ACID_FLAG_ONE_SHOT) === 0,
    stretch: (flags & ACID_FLAG_STRETCH) !== 0,
    ...((flags & ACID_FLAG_ROOT_NOTE) !== 0 ? { rootNote: view.getUint16(4, true) } : {}),
    beats: view.getUint32(12, true),
    meter: { denominator: view.getUint16(16, true), numerator: view.getUint16(18, true) },
    tempo: view.getFloat32(20, true),
  };
}

export function decodeCue(body: Uint8Array): { id: number; position: number }[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body.length < 4) throw corrupt('cue chunk is shorter than its point count.', { chunk: 'cue ' });
  const n = view.getUint32(0, true);
  if (4 + n * CUE_POINT_SIZE > body.length) throw corrupt(`cue chunk announces ${n} points but holds ${Math.floor((body.length - 4) / CUE_POINT_SIZE)}.`, { chunk: 'cue ' });
  const out: { id: number; position: number }[] = [];
  for (let i = 0; i < n; i++) {
    const at = 4 + i * CUE_POINT_SIZE;
    out.push({ id: view.getUint32(at, true), position: view.getUint32(at + 20, true) });
  }
  return out;
}

/** Labels from a LIST/adtl body (starting with 'adtl'), by cue id. Malformed sub-chunks are an error. */
export function decodeAdtlLabels(body: Uint8Array): Map<number, string> {
  const labels = new Map<number, string>();
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let at = 4;
  while (at + 8 <= body.length) {
    const id = String.fromCharCode(body[at]!, body[at + 1]!, body[at + 2]!, body[at + 3]!);
    const size = view.getUint32(at + 4, true);
    if (at + 8 + size > body.length) throw corrupt(`LIST/adtl sub-chunk '${id}' runs past its list.`, { chunk: 'LIST' });
    if (id === 'labl' && size >= 4) {
      labels.set(view.getUint32(at + 8, true), getAscii(body, at + 12, size - 4));
    }
    at += 8 + size + (size & 1);
  }
  return labels;
}
