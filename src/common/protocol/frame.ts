// Binary audio frames of protocol v1: a 40-byte little-endian header, then planar float32 (docs/protocol.md section 6).
import type { AudioBuffer } from '../audio-buffer.js';
import type { ProtocolFault } from './validate.js';

export const FRAME_MAGIC = Object.freeze([0x53, 0x42, 0x41, 0x46]); // "SBAF"
export const FRAME_HEADER_VERSION = 1;
export const FRAME_HEADER_SIZE = 40;
/** Flag bit 0: this chunk is the last of its transfer. */
export const FLAG_LAST = 1;

/** What a frame carries: 1 = captured audio (plugin -> host -> UI), 2 = take audio (UI -> host -> plugin). */
export const FrameKind = Object.freeze({ capture: 1, take: 2 } as const);
export type FrameKindValue = (typeof FrameKind)[keyof typeof FrameKind];

export interface FrameHeader {
  readonly kind: FrameKindValue;
  readonly flags: number;
  /** Transfer id: capture request id, take number, or UI call id. */
  readonly id: number;
  readonly sampleRate: number;
  /** Channel count, 1..maxChannels. */
  readonly channels: number;
  readonly frameOffset: number;
  readonly frameCount: number;
  readonly totalFrames: number;
}

/** A decoded frame: its header and one Float32Array of frameCount samples per channel. */
export interface AudioFrame extends FrameHeader {
  readonly samples: Float32Array[];
}

export type FrameDecodeResult =
  | { readonly ok: true; readonly frame: AudioFrame }
  /** `kind`/`id` are set when the header was readable, so the transfer they name can be aborted. */
  | { readonly ok: false; readonly fault: ProtocolFault; readonly kind?: number; readonly id?: number };

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Largest frameCount whose frame fits in maxMessageBytes. */
export function maxChunkFrames(channels: number, maxMessageBytes: number): number {
  return Math.floor((maxMessageBytes - FRAME_HEADER_SIZE) / (4 * channels));
}

/** Byte length of a frame with this many channels and frames. */
export function frameByteLength(channels: number, frameCount: number): number {
  return FRAME_HEADER_SIZE + 4 * channels * frameCount;
}

/**
 * Encodes one frame. `samples[c]` supplies channel c; frames [start, start + header.frameCount)
 * of each are written (start defaults to header.frameOffset, so whole-take arrays can be passed).
 * `flags` is derived (bit 0 on the last chunk).
 */
export function encodeFrame(header: Omit<FrameHeader, 'flags'>, samples: readonly Float32Array[], start = header.frameOffset): Uint8Array {
  const { kind, id, sampleRate, channels, frameOffset, frameCount, totalFrames } = header;
  if (samples.length !== channels) throw new RangeError(`encodeFrame: ${samples.length} sample arrays for ${channels} channels.`);
  if (frameCount < 1 || frameOffset + frameCount > totalFrames) throw new RangeError('encodeFrame: chunk outside the transfer.');
  const bytes = new Uint8Array(frameByteLength(channels, frameCount));
  const dv = new DataView(bytes.buffer);
  bytes.set(FRAME_MAGIC, 0);
  dv.setUint16(4, FRAME_HEADER_VERSION, true);
  dv.setUint16(6, FRAME_HEADER_SIZE, true);
  dv.setUint8(8, kind);
  dv.setUint8(9, frameOffset + frameCount === totalFrames ? FLAG_LAST : 0);
  dv.setUint16(10, 0, true);
  dv.setUint32(12, id, true);
  dv.setUint32(16, sampleRate, true);
  dv.setUint16(20, channels, true);
  dv.setUint16(22, 0, true);
  dv.setUint32(24, frameOffset, true);
  dv.setUint32(28, frameCount, true);
  dv.setUint32(32, totalFrames, true);
  dv.setUint32(36, 0, true);
  for (let c = 0; c < channels; c++) {
    const src = samples[c]!;
    if (start + frameCount > src.length) throw new RangeError(`encodeFrame: channel ${c} has ${src.length} frames, needs ${start + frameCount}.`);
    const at = FRAME_HEADER_SIZE + 4 * c * frameCount;
    if (LITTLE_ENDIAN_HOST) {
      new Float32Array(bytes.buffer, at, frameCount).set(src.subarray(start, start + frameCount));
    } else {
      for (let i = 0; i < frameCount; i++) dv.setFloat32(at + 4 * i, src[start + i]!, true);
    }
  }
  return bytes;
}

/** Splits a whole buffer into frames of at most maxMessageBytes each, in order. */
export function encodeTransfer(kind: FrameKindValue, id: number, audio: AudioBuffer, maxMessageBytes: number): Uint8Array[] {
  const channels = audio.channels.length;
  const total = audio.channels[0]?.length ?? 0;
  const step = maxChunkFrames(channels, maxMessageBytes);
  if (step < 1) throw new RangeError('encodeTransfer: maxMessageBytes cannot hold one frame.');
  const out: Uint8Array[] = [];
  for (let off = 0; off < total; off += step) {
    const n = Math.min(step, total - off);
    out.push(encodeFrame({ kind, id, sampleRate: audio.sampleRate, channels, frameOffset: off, frameCount: n, totalFrames: total }, audio.channels));
  }
  return out;
}

function bad(message: string, kind?: number, id?: number, details?: Record<string, unknown>): FrameDecodeResult {
  return { ok: false, fault: { code: 'PROTO_BAD_FRAME', message, ...(details ? { details } : {}) }, ...(kind !== undefined ? { kind } : {}), ...(id !== undefined ? { id } : {}) };
}

/**
 * Decodes and checks one binary message (docs/protocol.md section 6, receiver checks). Never throws.
 * Non-finite samples are replaced by 0. When the samples are 4-byte aligned in `bytes` (the usual
 * case for a received message) the channels are views into `bytes`, not copies, and the replacement
 * happens in place: the caller hands the message over.
 */
export function decodeFrame(bytes: Uint8Array, maxChannels: number): FrameDecodeResult {
  if (bytes.length < FRAME_HEADER_SIZE) return bad(`Binary frame of ${bytes.length} bytes is shorter than the ${FRAME_HEADER_SIZE}-byte header.`, undefined, undefined, { length: bytes.length });
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== FRAME_MAGIC[i]) return bad('Binary frame does not start with the magic "SBAF".');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint16(4, true);
  const headerSize = dv.getUint16(6, true);
  if (version !== FRAME_HEADER_VERSION) return bad(`Binary frame header version ${version} is not ${FRAME_HEADER_VERSION}.`, undefined, undefined, { headerVersion: version });
  if (headerSize !== FRAME_HEADER_SIZE) return bad(`Binary frame header size ${headerSize} is not ${FRAME_HEADER_SIZE}.`, undefined, undefined, { headerSize });
  const kind = dv.getUint8(8);
  const flags = dv.getUint8(9);
  const id = dv.getUint32(12, true);
  const sampleRate = dv.getUint32(16, true);
  const channels = dv.getUint16(20, true);
  const frameOffset = dv.getUint32(24, true);
  const frameCount = dv.getUint32(28, true);
  const totalFrames = dv.getUint32(32, true);
  if (kind !== FrameKind.capture && kind !== FrameKind.take) return bad(`Binary frame kind ${kind} is unknown.`, undefined, id, { kind });
  if (channels < 1 || channels > maxChannels) return bad(`Binary frame has ${channels} channels (1..${maxChannels}).`, kind, id, { channels, limit: 'maxChannels', max: maxChannels });
  if (frameCount < 1) return bad('Binary frame has a frameCount of 0.', kind, id);
  if (frameOffset + frameCount > totalFrames) return bad(`Binary frame covers frames ${frameOffset}..${frameOffset + frameCount} beyond totalFrames ${totalFrames}.`, kind, id, { frameOffset, frameCount, totalFrames });
  const expected = frameByteLength(channels, frameCount);
  if (bytes.length !== expected) return bad(`Binary frame is ${bytes.length} bytes; its header announces ${expected}.`, kind, id, { length: bytes.length, expected });
  const last = frameOffset + frameCount === totalFrames;
  if (((flags & FLAG_LAST) !== 0) !== last) return bad(`Binary frame flag "last" is ${(flags & FLAG_LAST) !== 0} but the chunk ${last ? 'ends' : 'does not end'} the transfer.`, kind, id, { flags });
  const samples: Float32Array[] = [];
  const payload = FRAME_HEADER_SIZE;
  const aligned = (bytes.byteOffset + payload) % 4 === 0;
  for (let c = 0; c < channels; c++) {
    const at = payload + 4 * c * frameCount;
    let ch: Float32Array;
    if (LITTLE_ENDIAN_HOST && aligned) {
      ch = new Float32Array(bytes.buffer, bytes.byteOffset + at, frameCount);
    } else if (LITTLE_ENDIAN_HOST) {
      // Copy the bytes into a fresh, aligned buffer (a message need not be 4-byte aligned).
      ch = new Float32Array(frameCount);
      new Uint8Array(ch.buffer).set(bytes.subarray(at, at + 4 * frameCount));
    } else {
      ch = new Float32Array(frameCount);
      for (let i = 0; i < frameCount; i++) ch[i] = dv.getFloat32(at + 4 * i, true);
    }
    for (let i = 0; i < frameCount; i++) {
      const x = ch[i]!;
      if (x - x !== 0) ch[i] = 0; // NaN and +-Infinity give NaN here, every finite value gives 0
    }
    samples.push(ch);
  }
  return { ok: true, frame: { kind: kind as FrameKindValue, flags, id, sampleRate, channels, frameOffset, frameCount, totalFrames, samples } };
}
