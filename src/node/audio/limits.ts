// Named limits on decoded audio (file size, duration, channels, sample rate) and the one check that enforces them.
import { StylebridgeError } from '../../common/errors.js';

export interface DecodeLimits {
  /** Largest input accepted, in bytes. Checked before a file is read. */
  readonly maxFileBytes: number;
  /** Longest audio accepted, in seconds. Checked from the header before decoding where the format says its length (WAV, AIFF, FLAC). */
  readonly maxDurationSeconds: number;
  /** Most channels accepted (at least 1 is always required). */
  readonly maxChannels: number;
  /** Lowest and highest sample rate accepted, in Hz (whole numbers only). */
  readonly minSampleRate: number;
  readonly maxSampleRate: number;
}

/** Defaults sized for a producer's material: clips and stems of a song, not whole albums. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = Object.freeze({
  maxFileBytes: 1024 * 1024 * 1024, // 1 GiB
  maxDurationSeconds: 30 * 60, // 30 minutes: ~690 MB of float32 at 48 kHz stereo
  maxChannels: 32,
  minSampleRate: 8000,
  maxSampleRate: 384000,
});

export function resolveLimits(limits?: Partial<DecodeLimits>): DecodeLimits {
  return { ...DEFAULT_DECODE_LIMITS, ...(limits ?? {}) };
}

/** Checks the stream parameters a header announces, before any sample is decoded. */
export function checkStreamLimits(sampleRate: number, channels: number, frames: number | undefined, limits: DecodeLimits, what: string): void {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new StylebridgeError('AUDIO_CORRUPT', `${what}: the header declares ${channels} channels.`, { channels });
  }
  if (channels > limits.maxChannels) {
    throw new StylebridgeError('AUDIO_TOO_MANY_CHANNELS', `${what}: ${channels} channels (allowed 1..${limits.maxChannels}).`, {
      channels,
      maxChannels: limits.maxChannels,
    });
  }
  if (!Number.isInteger(sampleRate) || sampleRate < limits.minSampleRate || sampleRate > limits.maxSampleRate) {
    throw new StylebridgeError('AUDIO_BAD_SAMPLE_RATE', `${what}: sample rate ${sampleRate} Hz (allowed whole numbers ${limits.minSampleRate}..${limits.maxSampleRate}).`, {
      sampleRate,
      minSampleRate: limits.minSampleRate,
      maxSampleRate: limits.maxSampleRate,
    });
  }
  if (frames !== undefined && frames / sampleRate > limits.maxDurationSeconds) {
    throw new StylebridgeError('AUDIO_TOO_LONG', `${what}: ${(frames / sampleRate).toFixed(1)} s of audio (allowed ${limits.maxDurationSeconds} s).`, {
      seconds: frames / sampleRate,
      maxDurationSeconds: limits.maxDurationSeconds,
    });
  }
}
