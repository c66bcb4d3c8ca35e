// A stand-in for the host composition (src/node/host.ts, not written yet) so the UI's flows run end to end today:
// the real server, the real plugin session, the real concat engine and WAV writer; records are kept in memory and
// audio files are served by the server's static route under /files/. Replace with the real host once it exists.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AudioBuffer } from '../../src/common/audio-buffer.js';
import { HOST_METHODS, type HostParams } from '../../src/common/api/methods.js';
import { StylebridgeError } from '../../src/common/errors.js';
import type { CaptureRecord, JobInfo, TakeRecord } from '../../src/common/ui-client/types.js';
import { decodeAudio } from '../../src/node/audio/decode.js';
import { encodeWav } from '../../src/node/audio/wav-write.js';
import { getEngine, listEngines, DEFAULT_ENGINE_ID } from '../../src/node/engines/index.js';
import { startServer, type StylebridgeServer } from '../../src/node/server/index.js';

export interface StandinHost {
  readonly server: StylebridgeServer;
  readonly captures: Map<string, CaptureRecord & { audio: AudioBuffer }>;
  readonly takes: Map<string, TakeRecord & { audio: AudioBuffer }>;
  readonly jobs: Map<string, JobInfo>;
  /** Adds a capture made from audio (as captures.import would), without a UI. */
  addCapture(audio: AudioBuffer, bpm: number, meter: { numerator: number; denominator: number }, bars: number, trackName?: string): CaptureRecord;
  /** Repeats the capture's rendered takes as new records (same audio files) until it has `total`; returns the count. */
  cloneTakes(captureId: string, total: number): number;
  close(): Promise<void>;
}

let counter = 0;
const id = (kind: string) => `${kind}_${(Date.now() + counter++).toString(36).padStart(9, '0')}${Math.floor(Math.random() * 2 ** 48).toString(16).padStart(12, '0')}`;

export async function startStandinHost(uiDir: string, port?: number): Promise<StandinHost> {
  const captures = new Map<string, CaptureRecord & { audio: AudioBuffer }>();
  const takes = new Map<string, TakeRecord & { audio: AudioBuffer }>();
  const jobs = new Map<string, JobInfo>();
  const aborts = new Map<string, AbortController>();
  const filesDir = join(uiDir, 'files');
  mkdirSync(join(filesDir, 'captures'), { recursive: true });
  mkdirSync(join(filesDir, 'takes'), { recursive: true });

  const server = await startServer({
    staticDir: uiDir,
    writeDiscovery: false,
    ...(port ? { port } : {}),
    resolveTake: (key) => takes.get(key)?.audio ?? captures.get(key)?.audio,
  });
  const api = server.api;
  const strip = <T extends { audio: AudioBuffer }>(r: T): Omit<T, 'audio'> => { const { audio: _a, ...rest } = r; return rest; };
  const update = (j: JobInfo) => { jobs.set(j.id, j); server.broadcast('job.updated', j); };

  const addCapture: StandinHost['addCapture'] = (audio, bpm, meter, bars, trackName) => {
    const cid = id('cap');
    writeFileSync(join(filesDir, 'captures', `${cid}.wav`), encodeWav(audio, { encoding: 'float32' }));
    const rec: CaptureRecord & { audio: AudioBuffer } = {
      id: cid, createdAt: new Date().toISOString(), source: trackName ? 'plugin' : 'file', ...(trackName ? { trackName } : {}),
      bpm, meter, bars, sampleRate: audio.sampleRate, channels: audio.channels.length, frames: audio.channels[0]!.length,
      audioUrl: `captures/${cid}.wav`, audio,
    };
    captures.set(cid, rec);
    server.broadcast('capture.added', strip(rec));
    return strip(rec);
  };

  const render = (p: HostParams<'render'>, reuse?: { seed: number }) => {
    const cap = captures.get(p.captureId);
    if (!cap) throw new StylebridgeError('LIBRARY_NOT_FOUND', `No capture ${p.captureId}.`);
    const engine = getEngine(p.engine ?? DEFAULT_ENGINE_ID);
    const jobId = id('job');
    const ac = new AbortController();
    aborts.set(jobId, ac);
    update({ id: jobId, kind: 'render', state: 'queued', progress: 0 });
    const seed = reuse?.seed ?? p.seed ?? Math.floor(Math.random() * 2 ** 32);
    const strength = p.strength ?? engine.capabilities().strength.default;
    void (async () => {
      try {
        update({ id: jobId, kind: 'render', state: 'running', progress: 0, stage: 'analysing' });
        await engine.render({
          source: cap.audio, bpm: cap.bpm, meter: cap.meter, sourceBars: cap.bars, bars: p.bars, variations: p.variations, strength, seed,
          sampleRate: cap.sampleRate, channels: cap.channels, ...(p.prompt ? { prompt: p.prompt } : {}),
        }, {
          signal: ac.signal,
          onProgress: (pr) => update({ id: jobId, kind: 'render', state: 'running', progress: pr.fraction, stage: pr.stage }),
          onTake: (t) => {
            const tid = id('take');
            writeFileSync(join(filesDir, 'takes', `${tid}.wav`), encodeWav(t.audio, { encoding: 'float32' }));
            const rec: TakeRecord & { audio: AudioBuffer } = {
              id: tid, captureId: cap.id, createdAt: new Date().toISOString(), engine: engine.id, strength, seed: t.seed, variation: t.index,
              bars: p.bars, bpm: cap.bpm, meter: cap.meter, sampleRate: t.audio.sampleRate, channels: t.audio.channels.length,
              frames: t.audio.channels[0]!.length, favourite: false, audioUrl: `takes/${tid}.wav`, audio: t.audio, ...(p.prompt ? { prompt: p.prompt } : {}),
            };
            takes.set(tid, rec);
            server.broadcast('take.added', strip(rec));
          },
        });
        update({ id: jobId, kind: 'render', state: 'done', progress: 1 });
      } catch (err) {
        const e = err instanceof StylebridgeError ? err : new StylebridgeError('INTERNAL', String(err));
        update({ id: jobId, kind: 'render', state: e.code === 'CANCELLED' ? 'cancelled' : 'failed', progress: jobs.get(jobId)?.progress ?? 0, error: { code: e.code, message: e.message, hint: e.hint } });
      }
    })();
    return { jobId };
  };

  const M = HOST_METHODS;
  api.register('engines.list', M['engines.list'].params, () => ({ engines: listEngines().map((c) => ({ ...c })), default: DEFAULT_ENGINE_ID }));
  api.register('captures.take', M['captures.take'].params, async (p) => {
    const s = server.sessions.find(p.track);
    const r = await s.capture({ at: p.bar !== undefined ? 'bar' : 'last', ...(p.bar !== undefined ? { bar: p.bar } : {}), bars: p.bars ?? 1 });
    const rec = addCapture(r.audio, r.info.bpm, { numerator: r.info.meterNum, denominator: r.info.meterDen }, r.info.bars, s.identity.trackName);
    return { capture: { ...rec, bar: r.info.bar, instanceId: s.instanceId, daw: s.identity.host } };
  });
  api.register('captures.import', M['captures.import'].params, async (p) => {
    const decoded = await decodeAudio(new Uint8Array(Buffer.from(p.dataBase64, 'base64')));
    return { capture: addCapture(decoded.audio, p.bpm, p.meter, p.bars ?? 1) };
  });
  api.register('captures.list', M['captures.list'].params, () => ({ captures: [...captures.values()].reverse().map(strip) }));
  api.register('render', M.render.params, (p) => render(p));
  api.register('jobs.list', M['jobs.list'].params, () => ({ jobs: [...jobs.values()] }));
  api.register('jobs.cancel', M['jobs.cancel'].params, (p) => {
    const ac = aborts.get(p.jobId);
    if (!ac) throw new StylebridgeError('JOB_NOT_FOUND', `No job ${p.jobId}.`);
    ac.abort();
    return { ok: true as const };
  });
  api.register('takes.list', M['takes.list'].params, (p) => ({
    takes: [...takes.values()].filter((t) => (!p.captureId || t.captureId === p.captureId) && (!p.favourites || t.favourite)).map(strip),
  }));
  api.register('takes.favourite', M['takes.favourite'].params, (p) => {
    const t = takes.get(p.takeId);
    if (!t) throw new StylebridgeError('LIBRARY_NOT_FOUND', `No take ${p.takeId}.`);
    t.favourite = p.favourite;
    server.broadcast('take.updated', strip(t));
    return { ok: true as const };
  });
  api.register('takes.delete', M['takes.delete'].params, (p) => {
    if (!takes.delete(p.takeId)) throw new StylebridgeError('LIBRARY_NOT_FOUND', `No take ${p.takeId}.`);
    rmSync(join(filesDir, 'takes', `${p.takeId}.wav`), { force: true });
    server.broadcast('take.deleted', { takeId: p.takeId });
    return { ok: true as const };
  });
  api.register('takes.regenerate', M['takes.regenerate'].params, (p) => {
    const t = takes.get(p.takeId);
    if (!t) throw new StylebridgeError('LIBRARY_NOT_FOUND', `No take ${p.takeId}.`);
    return render({ captureId: t.captureId, engine: t.engine, strength: t.strength, variations: 1, bars: t.bars }, p.newSeed ? undefined : { seed: t.seed });
  });
  api.register('takes.audition', M['takes.audition'].params, async (p, ctx) => {
    const key = p.takeId ?? p.captureId;
    if (!key) throw new StylebridgeError('INVALID_ARGUMENT', 'Give takeId or captureId.');
    const r = (await api.call('audition', { track: p.track, take: key, ...(p.mode ? { mode: p.mode } : {}) }, ctx)) as { bar?: number };
    return r.bar !== undefined ? { startsAtBar: r.bar } : {};
  });
  api.register('library.search', M['library.search'].params, (p) => {
    const text = p.text?.toLowerCase();
    const inBpm = (bpm: number) => (p.bpmMin === undefined || bpm >= p.bpmMin) && (p.bpmMax === undefined || bpm <= p.bpmMax);
    return {
      captures: [...captures.values()].filter((c) => inBpm(c.bpm) && (!text || (c.trackName ?? '').toLowerCase().includes(text))).map(strip),
      takes: [...takes.values()].filter((t) => inBpm(t.bpm) && (!p.engine || t.engine === p.engine) && (!text || (t.prompt ?? '').toLowerCase().includes(text))).map(strip),
    };
  });
  api.register('bounce', M.bounce.params, () => { throw new StylebridgeError('INTERNAL', 'Bounce is not in this stand-in host.'); });

  const cloneTakes = (captureId: string, total: number): number => {
    const own = [...takes.values()].filter((t) => t.captureId === captureId);
    let n = own.length;
    for (let i = 0; n < total && own.length; i++, n++) {
      const src = own[i % own.length]!;
      const rec = { ...src, id: id('take'), variation: n, createdAt: new Date().toISOString() };
      takes.set(rec.id, rec);
      server.broadcast('take.added', strip(rec));
    }
    return n;
  };

  return { server, captures, takes, jobs, addCapture, cloneTakes, close: () => server.close() };
}
