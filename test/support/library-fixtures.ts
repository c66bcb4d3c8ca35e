// Test material for the project library: small real WAV files, a header reader, and valid capture/take inputs.
import type { CaptureInput, TakeInput } from '../../src/node/library/records.js';

/** A 16-bit PCM WAV (44-byte canonical header) of `frames` frames; sample values follow a seeded pattern. */
export function wavBytes(frames: number, channels = 2, sampleRate = 48000, seed = 1): Uint8Array {
  const dataBytes = frames * channels * 2;
  const b = Buffer.alloc(44 + dataBytes);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + dataBytes, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * channels * 2, 28);
  b.writeUInt16LE(channels * 2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(dataBytes, 40);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < frames * channels; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b.writeInt16LE((x & 0xffff) - 0x8000, 44 + i * 2);
  }
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export interface WavFacts {
  readonly channels: number;
  readonly sampleRate: number;
  readonly frames: number;
}

/** Reads the canonical header written by wavBytes and checks that the sizes it states match the file; throws when not. */
export function readWavHeader(bytes: Uint8Array): WavFacts {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b.length < 44) throw new Error(`WAV too short: ${b.length} bytes`);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not RIFF/WAVE');
  if (b.readUInt32LE(4) !== b.length - 8) throw new Error(`RIFF size ${b.readUInt32LE(4)} != file size - 8 (${b.length - 8})`);
  if (b.toString('ascii', 12, 16) !== 'fmt ' || b.toString('ascii', 36, 40) !== 'data') throw new Error('unexpected chunk layout');
  const channels = b.readUInt16LE(22);
  const dataBytes = b.readUInt32LE(40);
  if (dataBytes !== b.length - 44) throw new Error(`data size ${dataBytes} != ${b.length - 44}`);
  if (channels === 0 || dataBytes % (channels * 2) !== 0) throw new Error('data size is not whole frames');
  return { channels, sampleRate: b.readUInt32LE(24), frames: dataBytes / (channels * 2) };
}

export function captureInput(over: Partial<CaptureInput> = {}, frames = 4800): CaptureInput {
  return {
    source: { kind: 'plugin', daw: 'Ardour', pluginFormat: 'lv2', trackId: 'inst-1', trackName: 'Drums' },
    bpm: 120,
    meter: { numerator: 4, denominator: 4 },
    bars: 1,
    barIndex: 8,
    sampleRate: 48000,
    channels: 2,
    frames,
    key: 'A minor',
    audio: { bytes: wavBytes(frames), extension: 'wav' },
    ...over,
  };
}

export function takeInput(captureId: string, over: Partial<TakeInput> = {}, frames = 4800): TakeInput {
  return {
    captureId,
    request: {
      engineId: 'concat', engineVersion: '1.0.0', bpm: 120, meter: { numerator: 4, denominator: 4 }, sourceBars: 1, bars: 1,
      variations: 4, strength: 3, seed: 42, sampleRate: 48000, channels: 2, prompt: 'dusty breakbeat', cfg: 3, cfgBeta: 5,
      topK: 250, topP: 0, temperature: 1,
    },
    variationIndex: 0,
    seed: 42,
    frames,
    info: { units: 16 },
    audio: { bytes: wavBytes(frames, 2, 48000, 7), extension: 'wav' },
    ...over,
  };
}
