// Decodes WAV, AIFF/AIFC, FLAC, MP3 and Ogg (Vorbis, Opus) bytes or files into an AudioBuffer, with named limits and stable error codes.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import decodeWithLibrary from 'audio-decode';
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { readAiff, isAiff } from './aiff-read.js';
import { isFlac, readFlacStreamInfo } from './flac-info.js';
import { checkStreamLimits, resolveLimits, type DecodeLimits } from './limits.js';
import { fourcc } from './riff.js';
import { isWav, readWav, type WavMetadata } from './wav-read.js';

export type AudioFileFormat = 'wav' | 'aiff' | 'flac' | 'mp3' | 'ogg';

export interface DecodeOptions {
  /** Overrides of DEFAULT_DECODE_LIMITS (limits.ts). */
  readonly limits?: Partial<DecodeLimits>;
}

export interface DecodedAudio {
  readonly audio: AudioBuffer;
  readonly format: AudioFileFormat;
  /** Bits per sample of the source, for lossless formats. */
  readonly bitsPerSample?: number;
  readonly sampleFormat: 'int' | 'float' | 'lossy';
  /** bext / acid / cue metadata of a WAV file. */
  readonly wav?: WavMetadata;
}

/** Length of an ID3v2 tag at the start of `bytes` (header + syncsafe size + optional footer), or 0. */
function id3Length(bytes: Uint8Array): number {
  if (bytes.length < 10 || bytes[0] !== 0x49 || bytes[1] !== 0x44 || bytes[2] !== 0x33) return 0;
  const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
  return 10 + size + (bytes[5]! & 0x10 ? 10 : 0);
}

function isMpegFrameSync(bytes: Uint8Array, at: number): boolean {
  if (bytes.length < at + 4) return false;
  const b1 = bytes[at + 1]!;
  const b2 = bytes[at + 2]!;
  // 11-bit sync, a defined MPEG version and layer, and a valid bitrate and sample-rate index.
  return bytes[at] === 0xff && (b1 & 0xe0) === 0xe0 && ((b1 >> 3) & 3) !== 1 && ((b1 >> 1) & 3) !== 0 && b2 >> 4 !== 15 && ((b2 >> 2) & 3) !== 3;
}

/** Identifies the container from its leading bytes (never from a file name). */
export function detectAudioFormat(bytes: Uint8Array): AudioFileFormat | undefined {
  if (isWav(bytes)) return 'wav';
  if (isAiff(bytes)) return 'aiff';
  if (isFlac(bytes)) return 'flac';
  if (bytes.length >= 4 && fourcc(bytes, 0) === 'OggS') return 'ogg';
  const id3 = id3Length(bytes);
  if (id3 > 0) return isFlac(bytes, id3) ? 'flac' : 'mp3';
  if (isMpegFrameSync(bytes, 0)) return 'mp3';
  return undefined;
}

function checkSize(size: number, limits: DecodeLimits): void {
  if (size > limits.maxFileBytes) {
    throw new StylebridgeError('AUDIO_TOO_LARGE', `Audio input is ${size} bytes (allowed ${limits.maxFileBytes}).`, { bytes: size, maxFileBytes: limits.maxFileBytes });
  }
}

/** Bytes handed to a stream decoder per call: small enough to stop early on the duration limit. */
const LOSSY_CHUNK_BYTES = 64 * 1024;

type StreamDecoder = ((chunk?: Uint8Array) => Promise<{ channelData: Float32Array[]; sampleRate: number }>) & { free(): void };

/** The codec inside an Ogg stream, from the identification header of its first page. */
function oggCodec(bytes: Uint8Array): 'oga' | 'opus' {
  const head = bytes.length > 27 ? 27 + bytes[26]! : bytes.length; // page header + segment table
  const id = String.fromCharCode(...bytes.subarray(head, head + 8));
  if (id === 'OpusHead') return 'opus';
  if (id.slice(1, 7) === 'vorbis') return 'oga';
  throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', 'Ogg: the stream is neither Vorbis nor Opus.', { codecId: id.replace(/[^\x20-\x7e]/g, '.') });
}

/**
 * Decodes MP3, Ogg or FLAC frames in chunks so that maxDurationSeconds stops a stream that expands
 * beyond it before it is all held in memory (MP3 and Ogg give no trustworthy length up front, and a
 * FLAC STREAMINFO may say "unknown").
 */
async function decodeStreamed(bytes: Uint8Array, format: 'mp3' | 'ogg' | 'flac', limits: DecodeLimits): Promise<AudioBuffer> {
  const what = format === 'mp3' ? 'MP3' : format === 'flac' ? 'FLAC' : 'Ogg';
  const codec = format === 'ogg' ? oggCodec(bytes) : format;
  const factory = (decodeWithLibrary as unknown as Record<string, () => Promise<StreamDecoder>>)[codec]!;
  const dec = await factory();
  const parts: { channelData: Float32Array[]; sampleRate: number }[] = [];
  let frames = 0;
  const take = (r: { channelData: Float32Array[]; sampleRate: number }): void => {
    if (r.channelData.length === 0 || r.channelData[0]!.length === 0) return;
    parts.push(r);
    frames += r.channelData[0]!.length;
    if (frames / r.sampleRate > limits.maxDurationSeconds) {
      throw new StylebridgeError('AUDIO_TOO_LONG', `${what}: more than ${limits.maxDurationSeconds} s of audio.`, { maxDurationSeconds: limits.maxDurationSeconds });
    }
  };
  try {
    for (let at = 0; at < bytes.length; at += LOSSY_CHUNK_BYTES) take(await dec(bytes.slice(at, at + LOSSY_CHUNK_BYTES)));
    take(await dec());
  } catch (err) {
    dec.free();
    if (err instanceof StylebridgeError) throw err;
    throw new StylebridgeError('AUDIO_CORRUPT', `${what}: the decoder rejected the stream (${(err as Error)?.message ?? String(err)}).`, undefined, { cause: err });
  }
  if (parts.length === 0) return checkDecoded({ channelData: [], sampleRate: 0 }, limits, what);
  const rate = parts[0]!.sampleRate;
  if (parts.some((p) => p.sampleRate !== rate)) throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', `${what}: the sample rate changes within the stream.`);
  // The MP3 decoder reports identical channels as one until they first differ: restore the true count by duplication.
  const channels = Math.max(...parts.map((p) => p.channelData.length));
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  let at = 0;
  for (const p of parts) {
    if (p.channelData.length !== channels && p.channelData.length !== 1) {
      throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', `${what}: the channel count changes within the stream.`);
    }
    for (let c = 0; c < channels; c++) out[c]!.set(p.channelData[p.channelData.length === 1 ? 0 : c]!, at);
    at += p.channelData[0]!.length;
  }
  return checkDecoded({ channelData: out, sampleRate: rate }, limits, what);
}

function checkDecoded(out: { channelData: Float32Array[]; sampleRate: number }, limits: DecodeLimits, what: string): AudioBuffer {
  const channels = out.channelData;
  if (channels.length === 0 || channels[0]!.length === 0) throw new StylebridgeError('AUDIO_CORRUPT', `${what}: no audio could be decoded.`);
  const frames = channels[0]!.length;
  if (channels.some((c) => c.length !== frames)) throw new StylebridgeError('AUDIO_CORRUPT', `${what}: the decoder returned channels of unequal length.`);
  checkStreamLimits(out.sampleRate, channels.length, frames, limits, what);
  channels.forEach((ch, c) => {
    for (let i = 0; i < ch.length; i++) {
      if (!Number.isFinite(ch[i]!)) throw new StylebridgeError('AUDIO_CORRUPT', `${what}: decoded sample ${i} of channel ${c} is ${ch[i]}.`, { frame: i, channel: c });
    }
  });
  return { sampleRate: out.sampleRate, channels };
}

async function decodeFlac(bytes: Uint8Array, limits: DecodeLimits): Promise<DecodedAudio> {
  const start = id3Length(bytes);
  const info = readFlacStreamInfo(bytes, start);
  checkStreamLimits(info.sampleRate, info.channels, info.totalFrames || undefined, limits, 'FLAC');
  if (info.bitsPerSample > 24) {
    throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', `FLAC: ${info.bitsPerSample}-bit samples are not supported (4..24).`, { bitsPerSample: info.bitsPerSample });
  }
  const audio = await decodeStreamed(bytes.subarray(start), 'flac', limits);
  if (audio.sampleRate !== info.sampleRate || audio.channels.length !== info.channels) {
    throw new StylebridgeError('AUDIO_CORRUPT', 'FLAC: frames disagree with STREAMINFO on sample rate or channels.', {
      streamInfo: { sampleRate: info.sampleRate, channels: info.channels },
      decoded: { sampleRate: audio.sampleRate, channels: audio.channels.length },
    });
  }
  const frames = audio.channels[0]!.length;
  if (info.totalFrames !== 0 && frames !== info.totalFrames) {
    throw new StylebridgeError(frames < info.totalFrames ? 'AUDIO_TRUNCATED' : 'AUDIO_CORRUPT', `FLAC: STREAMINFO announces ${info.totalFrames} frames but ${frames} decoded.`, {
      declared: info.totalFrames,
      decoded: frames,
    });
  }
  // libFLAC's float output divides by 2^(b-1)-1; put samples back on the exact k / 2^(b-1) grid used by every other
  // reader here. float32 holds k / (2^(b-1)-1) to within a quarter step for b <= 24, so the rounding recovers k exactly.
  const bits = info.bitsPerSample;
  const max = 2 ** (bits - 1);
  const bytesPer = Math.ceil(bits / 8);
  const n = audio.channels.length;
  const raw = info.md5.some((b) => b !== 0) ? new Uint8Array(frames * n * bytesPer) : undefined;
  audio.channels.forEach((ch, c) => {
    for (let i = 0; i < ch.length; i++) {
      const k = Math.round(ch[i]! * (max - 1));
      ch[i] = k / max;
      if (raw) {
        // The MD5 covers the samples as signed little-endian integers of ceil(bits/8) bytes, interleaved.
        const at = (i * n + c) * bytesPer;
        for (let j = 0; j < bytesPer; j++) raw[at + j] = (k >> (8 * j)) & 0xff;
      }
    }
  });
  if (raw) {
    const digest = createHash('md5').update(raw).digest();
    if (!digest.equals(info.md5)) throw new StylebridgeError('AUDIO_CORRUPT', 'FLAC: the decoded samples do not match the MD5 in STREAMINFO.', { md5: Buffer.from(info.md5).toString('hex') });
  }
  return { audio, format: 'flac', bitsPerSample: bits, sampleFormat: 'int' };
}

/**
 * Decodes a whole file held in memory. The format is detected from the bytes. Throws
 * StylebridgeError: AUDIO_UNSUPPORTED_FORMAT, AUDIO_TRUNCATED, AUDIO_CORRUPT, AUDIO_TOO_LARGE,
 * AUDIO_TOO_LONG, AUDIO_TOO_MANY_CHANNELS, AUDIO_BAD_SAMPLE_RATE.
 *
 * MP3 and Ogg carry no trustworthy total length: a cut stream decodes to the frames that are present.
 */
export async function decodeAudio(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedAudio> {
  const limits = resolveLimits(options.limits);
  checkSize(bytes.length, limits);
  const format = detectAudioFormat(bytes);
  switch (format) {
    case 'wav': {
      const w = readWav(bytes, limits);
      return { audio: w.audio, format, bitsPerSample: w.format.bitsPerSample, sampleFormat: w.format.formatTag === 3 ? 'float' : 'int', wav: w.metadata };
    }
    case 'aiff': {
      const a = readAiff(bytes, limits);
      const isFloat = /^(fl|FL)(32|64)$/.test(a.format.compression);
      return { audio: a.audio, format, bitsPerSample: a.format.bitsPerSample, sampleFormat: isFloat ? 'float' : 'int' };
    }
    case 'flac':
      return decodeFlac(bytes, limits);
    case 'mp3':
    case 'ogg':
      return { audio: await decodeStreamed(bytes, format, limits), format, sampleFormat: 'lossy' };
    default:
      throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', 'The data is not WAV, AIFF, FLAC, MP3 or Ogg (unrecognised header).', {
        head: Array.from(bytes.subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join(' '),
      });
  }
}

/** Reads and decodes a file; the size limit is checked before reading. */
export async function decodeAudioFile(path: string, options: DecodeOptions = {}): Promise<DecodedAudio> {
  const limits = resolveLimits(options.limits);
  let bytes: Uint8Array;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    checkSize(s.size, limits);
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof StylebridgeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new StylebridgeError('AUDIO_READ_FAILED', `Cannot read ${path}: ${(err as Error).message}`, { path, errno: code }, { cause: err });
  }
  try {
    return await decodeAudio(bytes, options);
  } catch (err) {
    if (err instanceof StylebridgeError && !(err.details && 'path' in err.details)) {
      throw new StylebridgeError(err.code, `${path}: ${err.message}`, { ...(err.details ?? {}), path }, { cause: err });
    }
    throw err;
  }
}
