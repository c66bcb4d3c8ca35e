// Reads the FLAC stream header (fLaC marker, STREAMINFO and the metadata block chain) so limits are checked before decoding.
import { StylebridgeError } from '../../common/errors.js';

export interface FlacStreamInfo {
  readonly minBlockSize: number;
  readonly maxBlockSize: number;
  readonly minFrameSize: number;
  readonly maxFrameSize: number;
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** Total inter-channel samples (frames); 0 means unknown. */
  readonly totalFrames: number;
  /** MD5 of the unencoded samples, 16 bytes (all zero when the encoder did not compute it). */
  readonly md5: Uint8Array;
  /** Offset of the first audio frame. */
  readonly audioOffset: number;
}

export const FLAC_MARKER = [0x66, 0x4c, 0x61, 0x43]; // 'fLaC'
export const STREAMINFO_SIZE = 34;

export function isFlac(bytes: Uint8Array, at = 0): boolean {
  return bytes.length >= at + 4 && FLAC_MARKER.every((b, i) => bytes[at + i] === b);
}

/** Parses STREAMINFO and walks the metadata block headers to the first frame. `at` is where 'fLaC' starts. */
export function readFlacStreamInfo(bytes: Uint8Array, at = 0): FlacStreamInfo {
  if (!isFlac(bytes, at)) throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', 'Not a FLAC stream.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = at + 4;
  let info: Omit<FlacStreamInfo, 'audioOffset'> | undefined;
  for (let index = 0; ; index++) {
    if (p + 4 > bytes.length) throw new StylebridgeError('AUDIO_TRUNCATED', 'FLAC: the file ends inside its metadata blocks.', { offset: p });
    const header = bytes[p]!;
    const last = (header & 0x80) !== 0;
    const type = header & 0x7f;
    const length = (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
    const body = p + 4;
    if (body + length > bytes.length) throw new StylebridgeError('AUDIO_TRUNCATED', `FLAC: metadata block ${index} runs past the end of the file.`, { offset: p, length });
    if (index === 0) {
      if (type !== 0 || length !== STREAMINFO_SIZE) {
        throw new StylebridgeError('AUDIO_CORRUPT', 'FLAC: the first metadata block is not a 34-byte STREAMINFO.', { type, length });
      }
      const b = body;
      const sampleRate = (bytes[b + 10]! << 12) | (bytes[b + 11]! << 4) | (bytes[b + 12]! >> 4);
      const channels = ((bytes[b + 12]! >> 1) & 0x07) + 1;
      const bitsPerSample = (((bytes[b + 12]! & 1) << 4) | (bytes[b + 13]! >> 4)) + 1;
      const totalFrames = (bytes[b + 13]! & 0x0f) * 2 ** 32 + view.getUint32(b + 14, false);
      info = {
        minBlockSize: view.getUint16(b, false),
        maxBlockSize: view.getUint16(b + 2, false),
        minFrameSize: (bytes[b + 4]! << 16) | (bytes[b + 5]! << 8) | bytes[b + 6]!,
        maxFrameSize: (bytes[b + 7]! << 16) | (bytes[b + 8]! << 8) | bytes[b + 9]!,
        sampleRate,
        channels,
        bitsPerSample,
        totalFrames,
        md5: bytes.slice(b + 18, b + 34),
      };
      if (info.minBlockSize < 16 || info.maxBlockSize < info.minBlockSize) {
        throw new StylebridgeError('AUDIO_CORRUPT', `FLAC: STREAMINFO block sizes ${info.minBlockSize}..${info.maxBlockSize} are invalid.`, {
          minBlockSize: info.minBlockSize,
          maxBlockSize: info.maxBlockSize,
        });
      }
      if (bitsPerSample < 4) throw new StylebridgeError('AUDIO_CORRUPT', `FLAC: STREAMINFO declares ${bitsPerSample} bits per sample.`, { bitsPerSample });
    } else if (type === 127) {
      throw new StylebridgeError('AUDIO_CORRUPT', `FLAC: metadata block ${index} has the invalid type 127.`, { index });
    }
    p = body + length;
    if (last) break;
  }
  return { ...info!, audioOffset: p };
}
