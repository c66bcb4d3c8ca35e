// The real host (src/node/host) in a scratch project for UI tests, plus helpers that add library records the way the host does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioBuffer } from '../../src/common/audio-buffer.js';
import { TempoMap, type Meter } from '../../src/common/timing.js';
import { encodeTake } from '../../src/node/audio/index.js';
import { startHost, type Host } from '../../src/node/host/index.js';
import { apiCapture, apiTake } from '../../src/node/host/records.js';
import type { CaptureRecord, StoredRenderRequest, TakeRecord } from '../../src/node/library/index.js';

export interface HostFixture {
  readonly host: Host;
  readonly projectDir: string;
  captures(): CaptureRecord[];
  takes(captureId?: string): TakeRecord[];
  /** Stores audio as a capture (as a plugin capture or a drop would) and tells the UIs. */
  addCapture(audio: AudioBuffer, bpm: number, meter: Meter, bars: number, trackName: string): Promise<CaptureRecord>;
  /** Adds library copies of the capture's takes (same audio and request, new records) until it has `total`. */
  copyTakes(captureId: string, total: number): Promise<number>;
  close(): Promise<void>;
}

export async function startHostFixture(uiDir: string): Promise<HostFixture> {
  const projectDir = mkdtempSync(join(tmpdir(), 'sb-ui-project-'));
  const host = await startHost({ projectDir, staticDir: uiDir, writeDiscovery: false });
  const { library, server } = host;
  return {
    host,
    projectDir,
    captures: () => library.listCaptures({ limit: 1000 }),
    takes: (captureId) => library.listTakes({ limit: 1000 }).filter((t) => !captureId || t.captureId === captureId),
    async addCapture(audio, bpm, meter, bars, trackName) {
      const map = TempoMap.constant(bpm, meter, audio.sampleRate);
      const bytes = encodeTake(audio, { format: 'wav', encoding: 'float32', placement: { map, fromBar: 0, bars }, timeReference: 0, measureLoudness: false });
      const rec = await library.addCapture({
        source: { kind: 'plugin', trackName }, bpm, meter, bars, barIndex: 0,
        sampleRate: audio.sampleRate, channels: audio.channels.length, frames: audio.channels[0]!.length, audio: { bytes, extension: 'wav' },
      });
      server.broadcast('capture.added', apiCapture(rec));
      return rec;
    },
    async copyTakes(captureId, total) {
      const own = library.listTakes({ limit: 1000 }).filter((t) => t.captureId === captureId);
      let n = own.length;
      for (let i = 0; n < total && own.length; i++, n++) {
        const src = own[i % own.length]!;
        const rec = await library.addTake({
          captureId, request: src.request as unknown as StoredRenderRequest, variationIndex: src.variationIndex, seed: src.seed, frames: src.frames,
          info: src.info, audio: { bytes: library.readFile(src), extension: 'wav' },
        });
        server.broadcast('take.added', apiTake(rec));
      }
      return n;
    },
    async close() {
      await host.close();
      rmSync(projectDir, { recursive: true, force: true });
    },
  };
}
