// WAV writer: 16-bit or 24-bit PCM (optional TPDF dither) or 32-bit float, with bext, acid, cue and LIST/adtl chunks; returns the file bytes.
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { assertValidBuffer, quantizeBuffer, type Dither } from './pcm.js';
import { encodeAcid, encodeAdtl, encodeBext, encodeCue, normalizeMarkers, type AcidInfo, type BextInfo, type CueMarker } from './wav-chunks.js';

export type WavEncoding = 'pcm16' | 'pcm24' | 'float32';

export interface WavWriteOptions {
  /** Sample encoding; default 'pcm24'. */
  readonly encoding?: WavEncoding;
  /**
   * Dither for the integer encodings; default 'none' (plain rounding, so a take re-renders bit for bit).
   * 'tpdf' adds +-1 LSB triangular noise from a generator seeded by `ditherSeed` (default 1): still
   * reproducible. Ignored for float32.
   */
  readonly dither?: Dither;
  readonly ditherSeed?: number;
  /** Broadcast-wave chunk (time reference = the take's sample position in the timeline). */
  readonly bext?: BextInfo;
  /** ACID loop chunk (tempo, beats, root note, loop flag). */
  readonly acid?: AcidInfo;
  /** Cue markers (e.g. one per bar line, see barCueMarkers()) with optional labels. */
  readonly markers?: readonly CueMarker[];
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

/** Standard speaker masks for 1..8 channels (front L/R, centre, LFE, back, side), as WAVE_FORMAT_EXTENSIBLE expects. */
const CHANNEL_MASKS = [0, 0x4, 0x3, 0x7, 0x33, 0x37, 0x3f, 0x13f, 0x63f];

function fmtChunk(channels: number, sampleRate: number, bits: number, float: boolean): Uint8Array {
  const blockAlign = (channels * bits) / 8;
  const extensible = channels > 2;
  const out = new Uint8Array(extensible ? 40 : float ? 18 : 16);
  const v = new DataView(out.buffer);
  const tag = float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM;
  v.setUint16(0, extensible ? WAVE_FORMAT_EXTENSIBLE : tag, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, sampleRate, true);
  v.setUint32(8, sampleRate * blockAlign, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, bits, true);
  if (extensible) {
    v.setUint16(16, 22, true);
    v.setUint16(18, bits, true);
    v.setUint32(20, CHANNEL_MASKS[channels] ?? 0, true);
    v.setUint16(24, tag, true);
    out.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 26);
  } else if (float) {
    v.setUint16(16, 0, true); // cbSize
  }
  return out;
}

function sampleData(buf: AudioBuffer, frames: number, encoding: WavEncoding, dither: Dither, seed: number): Uint8Array {
  const n = buf.channels.length;
  const bytes = encoding === 'pcm16' ? 2 : encoding === 'pcm24' ? 3 : 4;
  const out = new Uint8Array(frames * n * bytes);
  const v = new DataView(out.buffer);
  if (encoding === 'float32') {
    let at = 0;
    for (let i = 0; i < frames; i++) for (let c = 0; c < n; c++, at += 4) v.setFloat32(at, buf.channels[c]![i]!, true);
    return out;
  }
  const q = quantizeBuffer(buf, bytes * 8, dither, seed);
  let at = 0;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < n; c++) {
      const s = q[c]![i]!;
      if (bytes === 2) {
        v.setInt16(at, s, true);
        at += 2;
      } else {
        out[at++] = s & 0xff;
        out[at++] = (s >> 8) & 0xff;
        out[at++] = (s >> 16) & 0xff;
      }
    }
  }
  return out;
}

/**
 * Encodes `buf` as a WAV file. Chunk order: fmt, [fact], [bext], [acid], [cue ], [LIST/adtl], data.
 * Throws AUDIO_INVALID_BUFFER (bad buffer), AUDIO_BAD_OPTION (bad option or chunk field) and
 * AUDIO_TOO_LONG (the file would pass the 4 GiB RIFF limit).
 */
export function encodeWav(buf: AudioBuffer, options: WavWriteOptions = {}): Uint8Array {
  const encoding = options.encoding ?? 'pcm24';
  if (!['pcm16', 'pcm24', 'float32'].includes(encoding)) {
    throw new StylebridgeError('AUDIO_BAD_OPTION', `Unknown WAV encoding '${String(encoding)}' (pcm16, pcm24 or float32).`, { option: 'encoding', value: encoding });
  }
  const frames = assertValidBuffer(buf);
  const channels = buf.channels.length;
  const bits = encoding === 'pcm16' ? 16 : encoding === 'pcm24' ? 24 : 32;
  const dataBytes = frames * channels * (bits / 8);
  if (dataBytes > 0xffffffff - 4096) {
    throw new StylebridgeError('AUDIO_TOO_LONG', `${frames} frames of ${channels} channels do not fit a 4 GiB WAV file.`, { frames, channels });
  }
  const chunks: [string, Uint8Array][] = [['fmt ', fmtChunk(channels, buf.sampleRate, bits, encoding === 'float32')]];
  if (encoding === 'float32') {
    const fact = new Uint8Array(4);
    new DataView(fact.buffer).setUint32(0, frames, true);
    chunks.push(['fact', fact]);
  }
  if (options.bext) chunks.push(['bext', encodeBext(options.bext)]);
  if (options.acid) chunks.push(['acid', encodeAcid(options.acid)]);
  if (options.markers && options.markers.length > 0) {
    const markers = normalizeMarkers(options.markers, frames);
    chunks.push(['cue ', encodeCue(markers)]);
    const adtl = encodeAdtl(markers);
    if (adtl) chunks.push(['LIST', adtl]);
  }
  chunks.push(['data', sampleData(buf, frames, encoding, options.dither ?? 'none', options.ditherSeed ?? 1)]);
  const total = 12 + chunks.reduce((n, [, body]) => n + 8 + body.length + (body.length & 1), 0);
  if (total > 0xffffffff) throw new StylebridgeError('AUDIO_TOO_LONG', 'The WAV file would exceed 4 GiB.', { bytes: total });
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set(ascii('RIFF'), 0);
  v.setUint32(4, total - 8, true);
  out.set(ascii('WAVE'), 8);
  let at = 12;
  for (const [id, body] of chunks) {
    out.set(ascii(id), at);
    v.setUint32(at + 4, body.length, true);
    out.set(body, at + 8);
    at += 8 + body.length + (body.length & 1); // pad byte stays zero
  }
  return out;
}
