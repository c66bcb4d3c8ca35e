// Loads a record's audio from the host's /files/ route, decodes it once, and keeps only its peaks (bounded cache, few fetches at a time).
import { StylebridgeError } from '../../common/errors.js';
import { computePeaks, type Peaks } from './peaks.js';

/** Peaks kept in memory (least recently used dropped). */
export const MAX_CACHED_PEAKS = 512;
/** Audio files fetched and decoded at once. */
export const MAX_PARALLEL_FETCHES = 3;

/** URL of a record's audio: `audioUrl` is a path below /files/ (an absolute path is used as given). */
export function fileHref(audioUrl: string, token: string | undefined): string {
  const path = audioUrl.startsWith('/') ? audioUrl : `/files/${audioUrl.split('/').map(encodeURIComponent).join('/')}`;
  return token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path;
}

const cache = new Map<string, Promise<Peaks>>();
let running = 0;
const queue: (() => void)[] = [];

function slot(): Promise<() => void> {
  return new Promise((resolve) => {
    const go = () => {
      running++;
      resolve(() => {
        running--;
        queue.shift()?.();
      });
    };
    if (running < MAX_PARALLEL_FETCHES) go();
    else queue.push(go);
  });
}

let decoder: OfflineAudioContext | undefined;

async function decode(bytes: ArrayBuffer): Promise<AudioBuffer> {
  decoder ??= new OfflineAudioContext(1, 1, 48000);
  return decoder.decodeAudioData(bytes);
}

/** Peaks of the audio at `audioUrl`; rejects with UI_AUDIO_FETCH_FAILED. */
export function loadPeaks(audioUrl: string, token: string | undefined): Promise<Peaks> {
  const hit = cache.get(audioUrl);
  if (hit) {
    cache.delete(audioUrl);
    cache.set(audioUrl, hit);
    return hit;
  }
  const p = (async () => {
    const release = await slot();
    try {
      const res = await fetch(fileHref(audioUrl, token), { cache: 'no-store', headers: token ? { Authorization: `Bearer ${token}` } : {} });
      if (!res.ok) throw new StylebridgeError('UI_AUDIO_FETCH_FAILED', `Loading ${audioUrl} failed: HTTP ${res.status}.`, { audioUrl, status: res.status });
      const buf = await decode(await res.arrayBuffer());
      const channels: Float32Array[] = [];
      for (let c = 0; c < buf.numberOfChannels; c++) channels.push(buf.getChannelData(c));
      return computePeaks(channels);
    } catch (err) {
      cache.delete(audioUrl);
      if (err instanceof StylebridgeError) throw err;
      throw new StylebridgeError('UI_AUDIO_FETCH_FAILED', `Loading ${audioUrl} failed: ${err instanceof Error ? err.message : String(err)}`, { audioUrl });
    } finally {
      release();
    }
  })();
  cache.set(audioUrl, p);
  while (cache.size > MAX_CACHED_PEAKS) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return p;
}
