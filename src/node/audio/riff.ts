// Chunk walker for RIFF (WAV, little-endian) and IFF (AIFF, big-endian) containers, with strict bounds checks.
import { StylebridgeError } from '../../common/errors.js';

/** One chunk inside a container: its four-character id and where its body lies in the file. */
export interface Chunk {
  readonly id: string;
  /** Offset of the chunk body (after the 8-byte header). */
  readonly offset: number;
  /** Body size as declared in the header. */
  readonly size: number;
}

export function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/** True when `id` is four printable ASCII characters, as every RIFF/IFF chunk id must be. */
export function isPrintableId(id: string): boolean {
  for (let i = 0; i < 4; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * Lists the chunks between `start` and `end` (the container's declared end, already checked against
 * the file length by the caller). Each chunk body is padded to an even length; a missing pad byte
 * after the very last chunk is tolerated (many writers omit it).
 * Throws AUDIO_TRUNCATED when a chunk runs past the end of the file, AUDIO_CORRUPT when it runs past
 * the container inside a longer file or carries an id that is not printable ASCII.
 */
export function walkChunks(bytes: Uint8Array, view: DataView, start: number, end: number, littleEndian: boolean, what: string): Chunk[] {
  const chunks: Chunk[] = [];
  let at = start;
  while (at < end) {
    if (at + 8 > end) {
      // A few stray bytes (fewer than a chunk header) after the last chunk: a pad byte at most is normal.
      if (end - at === 1) break;
      throw boundsError(bytes.length, end, at, 8, `${what}: ${end - at} bytes left after the last chunk, fewer than a chunk header.`);
    }
    const id = fourcc(bytes, at);
    if (!isPrintableId(id)) {
      throw new StylebridgeError('AUDIO_CORRUPT', `${what}: chunk id at byte ${at} is not four ASCII characters.`, { offset: at });
    }
    const size = view.getUint32(at + 4, littleEndian);
    const body = at + 8;
    if (body + size > end) {
      throw boundsError(bytes.length, end, body, size, `${what}: chunk '${id}' at byte ${at} declares ${size} bytes but only ${end - body} remain.`, id);
    }
    chunks.push({ id, offset: body, size });
    at = body + size + (size & 1);
  }
  return chunks;
}

function boundsError(fileLength: number, end: number, at: number, need: number, message: string, id?: string): StylebridgeError {
  const details = { offset: at, needed: need, available: end - at, ...(id ? { chunk: id } : {}) };
  // Past the end of the file itself: the file was cut short. Inside the file but past the container: a lying header.
  return at + need > fileLength || end >= fileLength
    ? new StylebridgeError('AUDIO_TRUNCATED', message, details)
    : new StylebridgeError('AUDIO_CORRUPT', message, details);
}

/** Declared container end, checked against the file: a container longer than the file means the file was cut. */
export function containerEnd(fileLength: number, headerSize: number, declared: number, what: string): number {
  const end = headerSize + declared;
  if (end > fileLength) {
    throw new StylebridgeError('AUDIO_TRUNCATED', `${what}: the header announces ${end} bytes but the file has ${fileLength}.`, {
      declared: end,
      actual: fileLength,
    });
  }
  return end;
}
