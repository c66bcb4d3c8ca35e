// Strict WAV reader: an explicit RIFF chunk walk, PCM 8/16/24/32-bit, float 32/64 and WAVE_FORMAT_EXTENSIBLE, plus bext/acid/cue metadata.
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { checkStreamLimits, type DecodeLimits } from './limits.js';
import { containerEnd, fourcc, walkChunks, type Chunk } from './riff.js';
import { decodeAcid, decodeAdtlLabels, decodeBext, decodeCue, type AcidInfo, type BextInfo, type CueMarker } from './wav-chunks.js';

export const WAVE_FORMAT_PCM = 0x0001;
export const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE GUID derived from a format tag (00000000-0010-8000-00AA00389B71). */
const GUID_SUFFIX = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

export interface WavFormat {
  /** Effective format tag (the sub-format for WAVE_FORMAT_EXTENSIBLE). */
  readonly formatTag: number;
  readonly extensible: boolean;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  /** Valid bits inside each container (WAVE_FORMAT_EXTENSIBLE), else bitsPerSample. */
  readonly validBits: number;
  readonly blockAlign: number;
  readonly channelMask?: number;
}

export interface WavMetadata {
  readonly bext?: BextInfo & { version: number };
  readonly acid?: AcidInfo & { flags: number };
  readonly cues?: CueMarker[];
  /** Every chunk id in file order (for diagnostics and tests). */
  readonly chunkIds: string[];
}

export interface WavFile {
  readonly audio: AudioBuffer;
  readonly format: WavFormat;
  readonly metadata: WavMetadata;
}

function corrupt(message: string, details?: Record<string, unknown>): StylebridgeError {
  return new StylebridgeError('AUDIO_CORRUPT', `WAV: ${message}`, details);
}

export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && (fourcc(bytes, 0) === 'RIFF' || fourcc(bytes, 0) === 'RF64') && fourcc(bytes, 8) === 'WAVE';
}

function parseFmt(bytes: Uint8Array, view: DataView, c: Chunk): WavFormat {
  if (c.size < 16) throw corrupt(`fmt chunk is ${c.size} bytes; at least 16 are required.`, { chunk: 'fmt ', size: c.size });
  const o = c.offset;
  let formatTag = view.getUint16(o, true);
  const channels = view.getUint16(o + 2, true);
  const sampleRate = view.getUint32(o + 4, true);
  const byteRate = view.getUint32(o + 8, true);
  const blockAlign = view.getUint16(o + 12, true);
  const bitsPerSample = view.getUint16(o + 14, true);
  let validBits = bitsPerSample;
  let channelMask: number | undefined;
  const extensible = formatTag === WAVE_FORMAT_EXTENSIBLE;
  if (extensible) {
    if (c.size < 40) throw corrupt(`WAVE_FORMAT_EXTENSIBLE fmt chunk is ${c.size} bytes; 40 are required.`, { chunk: 'fmt ', size: c.size });
    const cbSize = view.getUint16(o + 16, true);
    if (cbSize < 22) throw corrupt(`WAVE_FORMAT_EXTENSIBLE extension is ${cbSize} bytes; 22 are required.`, { cbSize });
    validBits = view.getUint16(o + 18, true);
    channelMask = view.getUint32(o + 20, true);
    formatTag = view.getUint16(o + 24, true);
    for (let i = 0; i < GUID_SUFFIX.length; i++) {
      if (bytes[o + 26 + i] !== GUID_SUFFIX[i]) {
        throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', 'WAV: WAVE_FORMAT_EXTENSIBLE sub-format is not a standard format GUID.', { subFormatTag: formatTag });
      }
    }
    if (validBits === 0) validBits = bitsPerSample;
    if (validBits > bitsPerSample) throw corrupt(`${validBits} valid bits exceed the ${bitsPerSample}-bit container.`, { validBits, bitsPerSample });
  }
  if (channels === 0) throw corrupt('the fmt chunk declares 0 channels.', { channels: 0 });
  const intOk = formatTag === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(bitsPerSample);
  const floatOk = formatTag === WAVE_FORMAT_IEEE_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64);
  if (!intOk && !floatOk) {
    throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', `WAV: format tag 0x${formatTag.toString(16).padStart(4, '0')} with ${bitsPerSample} bits per sample is not supported.`, {
      formatTag,
      bitsPerSample,
    });
  }
  if (blockAlign !== (channels * bitsPerSample) / 8) {
    throw corrupt(`block align ${blockAlign} does not match ${channels} channels of ${bitsPerSample} bits.`, { blockAlign, channels, bitsPerSample });
  }
  if (byteRate !== sampleRate * blockAlign) {
    throw corrupt(`byte rate ${byteRate} does not match ${sampleRate} Hz x ${blockAlign} bytes per frame.`, { byteRate, sampleRate, blockAlign });
  }
  return { formatTag, extensible, channels, sampleRate, bitsPerSample, validBits, blockAlign, ...(channelMask !== undefined ? { channelMask } : {}) };
}

/** Converts interleaved sample bytes to planar float32; PCM scales by 1/2^(bits-1) (so -full scale is exactly -1). */
function deinterleave(bytes: Uint8Array, offset: number, frames: number, fmt: WavFormat): Float32Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, frames * fmt.blockAlign);
  const n = fmt.channels;
  const channels = Array.from({ length: n }, () => new Float32Array(frames));
  const bps = fmt.bitsPerSample / 8;
  let at = 0;
  if (fmt.formatTag === WAVE_FORMAT_IEEE_FLOAT) {
    const is64 = bps === 8;
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < n; c++) {
        const v = is64 ? view.getFloat64(at, true) : view.getFloat32(at, true);
        if (!Number.isFinite(v)) throw corrupt(`float sample ${i} of channel ${c} is ${v}.`, { frame: i, channel: c });
        channels[c]![i] = v;
        at += bps;
      }
    }
    return channels;
  }
  switch (bps) {
    case 1:
      for (let i = 0; i < frames; i++) for (let c = 0; c < n; c++) channels[c]![i] = (view.getUint8(at++) - 128) / 128;
      break;
    case 2:
      for (let i = 0; i < frames; i++) for (let c = 0; c < n; c++, at += 2) channels[c]![i] = view.getInt16(at, true) / 32768;
      break;
    case 3:
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < n; c++, at += 3) {
          const v = view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16);
          channels[c]![i] = v / 8388608;
        }
      }
      break;
    default:
      for (let i = 0; i < frames; i++) for (let c = 0; c < n; c++, at += 4) channels[c]![i] = view.getInt32(at, true) / 2147483648;
  }
  return channels;
}

function readMetadata(bytes: Uint8Array, chunks: Chunk[]): WavMetadata {
  const body = (c: Chunk): Uint8Array => bytes.subarray(c.offset, c.offset + c.size);
  let bext: WavMetadata['bext'];
  let acid: WavMetadata['acid'];
  let cuePoints: { id: number; position: number }[] | undefined;
  const labels = new Map<number, string>();
  for (const c of chunks) {
    if (c.id === 'bext') bext = decodeBext(body(c));
    else if (c.id === 'acid') acid = decodeAcid(body(c));
    else if (c.id === 'cue ') cuePoints = decodeCue(body(c));
    else if (c.id === 'LIST' && c.size >= 4 && fourcc(bytes, c.offset) === 'adtl') for (const [k, v] of decodeAdtlLabels(body(c))) labels.set(k, v);
  }
  const cues = cuePoints?.map((p) => ({ id: p.id, position: p.position, ...(labels.has(p.id) ? { label: labels.get(p.id)! } : {}) }));
  return { chunkIds: chunks.map((c) => c.id), ...(bext ? { bext } : {}), ...(acid ? { acid } : {}), ...(cues ? { cues } : {}) };
}

/** Parses a whole WAV file. Every inconsistency is an error with a stable code; nothing is guessed. */
export function readWav(bytes: Uint8Array, limits: DecodeLimits): WavFile {
  if (bytes.length < 12 || !isWav(bytes)) throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', 'Not a RIFF/WAVE file.');
  if (fourcc(bytes, 0) === 'RF64') throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', 'WAV: RF64 (over 4 GiB) files are not supported.', { container: 'RF64' });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = containerEnd(bytes.length, 8, view.getUint32(4, true), 'WAV');
  const chunks = walkChunks(bytes, view, 12, end, true, 'WAV');
  const fmtChunks = chunks.filter((c) => c.id === 'fmt ');
  const dataChunks = chunks.filter((c) => c.id === 'data');
  if (fmtChunks.length !== 1) throw corrupt(fmtChunks.length === 0 ? 'no fmt chunk.' : 'more than one fmt chunk.', { fmtChunks: fmtChunks.length });
  if (dataChunks.length !== 1) throw corrupt(dataChunks.length === 0 ? 'no data chunk.' : 'more than one data chunk.', { dataChunks: dataChunks.length });
  const fmtChunk = fmtChunks[0]!;
  const data = dataChunks[0]!;
  if (data.offset < fmtChunk.offset) throw corrupt('the data chunk comes before the fmt chunk.');
  const format = parseFmt(bytes, view, fmtChunk);
  checkStreamLimits(format.sampleRate, format.channels, undefined, limits, 'WAV');
  if (data.size % format.blockAlign !== 0) {
    throw corrupt(`data chunk of ${data.size} bytes is not a whole number of ${format.blockAlign}-byte frames.`, { size: data.size, blockAlign: format.blockAlign });
  }
  const frames = data.size / format.blockAlign;
  checkStreamLimits(format.sampleRate, format.channels, frames, limits, 'WAV');
  const metadata = readMetadata(bytes, chunks);
  const channels = deinterleave(bytes, data.offset, frames, format);
  return { audio: { sampleRate: format.sampleRate, channels }, format, metadata };
}
