// Maps library records to the /ui API's record shapes (src/common/api/methods.ts).
import type { HostResult } from '../../common/api/methods.js';
import type { CaptureRecord as LibCapture, TakeRecord as LibTake } from '../library/index.js';

type ApiCapture = HostResult<'captures.list'>['captures'][number];
type ApiTake = HostResult<'takes.list'>['takes'][number];

/** Path below the host's /files/ route for a library file (relative to the project folder). */
export function filesPath(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

export function apiCapture(c: LibCapture): ApiCapture {
  return {
    id: c.id,
    createdAt: new Date(c.createdAt).toISOString(),
    source: c.source.kind,
    ...(c.source.trackName !== undefined ? { trackName: c.source.trackName } : c.source.file ? { trackName: c.source.file.split(/[\\/]/).pop() ?? c.source.file } : {}),
    ...(c.source.trackId !== undefined ? { instanceId: c.source.trackId } : {}),
    ...(c.source.daw !== undefined ? { daw: c.source.daw } : {}),
    bpm: c.bpm,
    meter: { numerator: c.meter.numerator, denominator: c.meter.denominator },
    bar: c.barIndex,
    bars: c.bars,
    sampleRate: c.sampleRate,
    channels: c.channels,
    frames: c.frames,
    ...(c.key ? { key: c.key } : {}),
    audioUrl: filesPath(c.file),
  };
}

export function apiTake(t: LibTake): ApiTake {
  return {
    id: t.id,
    captureId: t.captureId,
    createdAt: new Date(t.createdAt).toISOString(),
    engine: t.engineId,
    ...(t.model ? { model: t.model } : {}),
    ...(t.prompt ? { prompt: t.prompt } : {}),
    strength: t.strength,
    seed: t.seed,
    variation: t.variationIndex,
    bars: t.bars,
    bpm: t.bpm,
    meter: { numerator: t.meter.numerator, denominator: t.meter.denominator },
    sampleRate: t.sampleRate,
    channels: t.channels,
    frames: t.frames,
    ...(t.cfg !== null ? { cfg: t.cfg } : {}),
    ...(t.cfgBeta !== null ? { cfgBeta: t.cfgBeta } : {}),
    ...(t.topK !== null ? { topK: t.topK } : {}),
    ...(t.temperature !== null ? { temperature: t.temperature } : {}),
    favourite: t.favourite,
    audioUrl: filesPath(t.file),
  };
}
