// The in-memory audio type shared by every part of the host: planar float32 channels at one sample rate.

/** Planar float32 audio. Every channel has the same length; samples are nominally in [-1, 1]. */
export interface AudioBuffer {
  readonly sampleRate: number;
  readonly channels: readonly Float32Array[];
}

export function frameCount(buf: AudioBuffer): number {
  return buf.channels[0]?.length ?? 0;
}

export function durationSeconds(buf: AudioBuffer): number {
  return frameCount(buf) / buf.sampleRate;
}

/** A new buffer of silence. */
export function silentBuffer(sampleRate: number, channelCount: number, frames: number): AudioBuffer {
  return { sampleRate, channels: Array.from({ length: channelCount }, () => new Float32Array(frames)) };
}

/** Average of all channels into one. */
export function toMono(buf: AudioBuffer): Float32Array {
  const n = frameCount(buf);
  const out = new Float32Array(n);
  const k = buf.channels.length;
  if (k === 0) return out;
  for (const ch of buf.channels) for (let i = 0; i < n; i++) out[i]! += ch[i]!;
  if (k > 1) for (let i = 0; i < n; i++) out[i]! /= k;
  return out;
}
