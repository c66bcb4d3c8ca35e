// Strict AIFF / AIFC reader: IFF chunk walk, COMM with 80-bit extended sample rate, SSND; PCM (big or little endian) and float.
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { checkStreamLimits, type DecodeLimits } from './limits.js';
import { containerEnd, fourcc, walkChunks } from './riff.js';

export interface AiffFormat {
  readonly aifc: boolean;
  /** AIFC compression type ('NONE' for plain AIFF). */
  readonly compression: string;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitsPerSample: number;
  readonly frames: number;
}

export interface AiffFile {
  readonly audio: AudioBuffer;
  readonly format: AiffFormat;
}

type Encoding = { kind: 'int'; bigEndian: boolean } | { kind: 'float'; bytes: 4 | 8 } | { kind: 'uint8' };

function corrupt(message: string, details?: Record<string, unknown>): StylebridgeError {
  return new StylebridgeError('AUDIO_CORRUPT', `AIFF: ${message}`, details);
}

export function isAiff(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && fourcc(bytes, 0) === 'FORM' && (fourcc(bytes, 8) === 'AIFF' || fourcc(bytes, 8) === 'AIFC');
}

/** IEEE 754 80-bit extended (big-endian): sign+15-bit exponent, 64-bit mantissa with an explicit integer bit. */
export function readExtended80(view: DataView, at: number): number {
  const se = view.getUint16(at, false);
  const hi = view.getUint32(at + 2, false);
  const lo = view.getUint32(at + 6, false);
  const sign = se & 0x8000 ? -1 : 1;
  const exp = se & 0x7fff;
  if (exp === 0x7fff) return NaN;
  if (exp === 0 && hi === 0 && lo === 0) return 0;
  return sign * (hi * 2 ** 32 + lo) * 2 ** (exp - 16383 - 63);
}

function encodingFor(compression: string, bits: number): Encoding {
  switch (compression) {
    case 'NONE':
    case 'twos':
      if (bits >= 1 && bits <= 32) return { kind: 'int', bigEndian: true };
      break;
    case 'sowt':
      if (bits >= 1 && bits <= 32) return { kind: 'int', bigEndian: false };
      break;
    case 'raw ':
      if (bits === 8) return { kind: 'uint8' };
      break;
    case 'fl32':
    case 'FL32':
      return { kind: 'float', bytes: 4 };
    case 'fl64':
    case 'FL64':
      return { kind: 'float', bytes: 8 };
  }
  throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', `AIFF: compression '${compression}' with ${bits}-bit samples is not supported.`, { compression, bitsPerSample: bits });
}

export function readAiff(bytes: Uint8Array, limits: DecodeLimits): AiffFile {
  if (!isAiff(bytes)) throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', 'Not a FORM/AIFF file.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const aifc = fourcc(bytes, 8) === 'AIFC';
  const end = containerEnd(bytes.length, 8, view.getUint32(4, false), 'AIFF');
  const chunks = walkChunks(bytes, view, 12, end, false, 'AIFF');
  const comms = chunks.filter((c) => c.id === 'COMM');
  const ssnds = chunks.filter((c) => c.id === 'SSND');
  if (comms.length !== 1) throw corrupt(comms.length === 0 ? 'no COMM chunk.' : 'more than one COMM chunk.');
  if (ssnds.length > 1) throw corrupt('more than one SSND chunk.');
  const comm = comms[0]!;
  const minComm = aifc ? 22 : 18;
  if (comm.size < minComm) throw corrupt(`COMM chunk is ${comm.size} bytes; ${minComm} are required.`, { size: comm.size });
  const o = comm.offset;
  const channels = view.getInt16(o, false);
  const frames = view.getUint32(o + 2, false);
  const bits = view.getInt16(o + 6, false);
  const rate = readExtended80(view, o + 8);
  const compression = aifc ? fourcc(bytes, o + 18) : 'NONE';
  if (channels < 1) throw corrupt(`COMM declares ${channels} channels.`, { channels });
  if (bits < 1 || bits > 64) throw corrupt(`COMM declares ${bits} bits per sample.`, { bitsPerSample: bits });
  if (!Number.isFinite(rate) || rate <= 0) throw new StylebridgeError('AUDIO_BAD_SAMPLE_RATE', `AIFF: sample rate ${rate} is not a positive number.`, { sampleRate: rate });
  const enc = encodingFor(compression, bits);
  checkStreamLimits(rate, channels, frames, limits, 'AIFF');
  const bytesPerSample = enc.kind === 'float' ? enc.bytes : Math.ceil(bits / 8);
  const frameBytes = bytesPerSample * channels;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const format: AiffFormat = { aifc, compression, channels, sampleRate: rate, bitsPerSample: bits, frames };
  if (frames === 0) return { audio: { sampleRate: rate, channels: out }, format };
  const ssnd = ssnds[0];
  if (!ssnd) throw corrupt(`COMM announces ${frames} frames but there is no SSND chunk.`, { frames });
  if (ssnd.size < 8) throw corrupt(`SSND chunk is ${ssnd.size} bytes, shorter than its header.`);
  const offset = view.getUint32(ssnd.offset, false);
  const dataStart = ssnd.offset + 8 + offset;
  const available = ssnd.size - 8 - offset;
  if (available < frames * frameBytes) {
    throw corrupt(`COMM announces ${frames} frames (${frames * frameBytes} bytes) but SSND holds ${Math.max(0, available)} bytes.`, {
      frames,
      needed: frames * frameBytes,
      available: Math.max(0, available),
    });
  }
  const d = new DataView(bytes.buffer, bytes.byteOffset + dataStart, frames * frameBytes);
  let at = 0;
  if (enc.kind === 'float') {
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < channels; c++, at += enc.bytes) {
        const v = enc.bytes === 4 ? d.getFloat32(at, false) : d.getFloat64(at, false);
        if (!Number.isFinite(v)) throw corrupt(`float sample ${i} of channel ${c} is ${v}.`, { frame: i, channel: c });
        out[c]![i] = v;
      }
    }
  } else if (enc.kind === 'uint8') {
    for (let i = 0; i < frames; i++) for (let c = 0; c < channels; c++) out[c]![i] = (d.getUint8(at++) - 128) / 128;
  } else {
    // Samples are left-justified in their container: read the whole container as a signed integer.
    const scale = 1 / 2 ** (bytesPerSample * 8 - 1);
    const be = enc.bigEndian;
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < channels; c++) {
        let v: number;
        if (bytesPerSample === 1) v = d.getInt8(at);
        else if (bytesPerSample === 2) v = d.getInt16(at, !be);
        else if (bytesPerSample === 3) v = be ? (d.getInt8(at) << 16) | (d.getUint8(at + 1) << 8) | d.getUint8(at + 2) : (d.getInt8(at + 2) << 16) | (d.getUint8(at + 1) << 8) | d.getUint8(at);
        else v = d.getInt32(at, !be);
        out[c]![i] = v * scale;
        at += bytesPerSample;
      }
    }
  }
  return { audio: { sampleRate: rate, channels: out }, format };
}
