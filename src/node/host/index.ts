// The host as one object: the server, the project library, the job queue and the engines, wired by the /ui methods.
import { basename, resolve as resolvePath } from 'node:path';
import { HOST_METHODS, type HostParams } from '../../common/api/methods.js';
import { frameCount, type AudioBuffer } from '../../common/audio-buffer.js';
import type { EngineCapabilities, RenderRequest } from '../../common/engine.js';
import { StylebridgeError } from '../../common/errors.js';
import type { ProtocolLimits } from '../../common/protocol/limits.js';
import { TempoMap, type Meter } from '../../common/timing.js';
import { decodeAudio, encodeTake, resample } from '../audio/index.js';
import { DEFAULT_ENGINE_ID, getEngine, listEngines } from '../engines/index.js';
import { registerMusicgenStyleEngine } from '../engines/musicgen-style/index.js';
import { resolveModel } from '../models/installed.js';
import { JobQueue, type JobEvent, type JobSnapshot } from '../jobs/index.js';
import { openProject, type CaptureRecord, type ProjectLibrary, type TakeRecord } from '../library/index.js';
import { startServer, type CaptureRequest, type PluginCaptureRequest, type PluginSession, type StylebridgeServer } from '../server/index.js';
import type { LogFn } from '../server/connection.js';
import { apiCapture, apiTake } from './records.js';
import { cutSourceBars } from './source.js';
import { buildStem, type StemTake } from './stems.js';

export interface HostOptions {
  /** Project folder (created if missing). */
  readonly projectDir: string;
  readonly port?: number;
  readonly configDir?: string;
  readonly writeDiscovery?: boolean;
  /** Folder of the built web UI served at `/`. */
  readonly staticDir?: string;
  readonly limits?: Partial<ProtocolLimits>;
  /** Renders running at once (default 1). */
  readonly renderConcurrency?: number;
  /** Plugin-initiated captures (`capture.request`) taken at once per plugin; more are refused (default 1). */
  readonly maxPluginCapturesInFlight?: number;
  readonly log?: LogFn;
}

export interface Host {
  readonly server: StylebridgeServer;
  readonly library: ProjectLibrary;
  readonly jobs: JobQueue;
  close(): Promise<void>;
}

export function engineInfo(c: EngineCapabilities): (typeof HOST_METHODS)['engines.list']['result']['static']['engines'][number] {
  return {
    id: c.id, name: c.name, description: c.description, family: c.family, device: c.device,
    textPrompt: { ...c.textPrompt }, styleAudio: { ...c.styleAudio }, strength: { ...c.strength }, guidance: { ...c.guidance },
    maxVariations: c.maxVariations, maxBars: c.maxBars,
  };
}

function jobJson(j: JobSnapshot, result?: unknown): Record<string, unknown> {
  return {
    id: j.id, kind: j.kind, state: j.state, progress: j.progress.fraction,
    ...(j.progress.stage ? { stage: j.progress.stage } : {}),
    ...(j.error ? { error: { code: j.error.code, message: j.error.message, ...(j.error.hint ? { hint: j.error.hint } : {}) } } : {}),
    ...(j.meta ? { meta: j.meta } : {}),
    ...(result !== undefined ? { result } : {}),
  };
}

/** Only the library's own audio folders are reachable through /files/. */
export function isLibraryAudioPath(rel: string): boolean {
  return /^(captures|takes|bounces)\/([A-Za-z0-9_-][A-Za-z0-9._-]*\/)?[A-Za-z0-9_-][A-Za-z0-9._-]*\.(wav|flac)$/.test(rel);
}

/** Decodes a library record's audio file. */
async function loadAudio(library: ProjectLibrary, record: CaptureRecord | TakeRecord): Promise<AudioBuffer> {
  return (await decodeAudio(library.readFile(record))).audio;
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const projectDir = resolvePath(opts.projectDir);
  await registerMusicgenStyleEngine(); // offered when a musicgen-style model is installed
  const library = openProject(projectDir);
  const jobs = new JobQueue({ concurrency: opts.renderConcurrency ?? 1 });
  // Take keys the plugin sessions cache uploads under: "take:<id>" or "capture:<id>" (A/B with the source).
  const resolveTake = async (key: string): Promise<AudioBuffer | undefined> => {
    const m = /^(take|capture):(.+)$/.exec(key);
    if (!m) return undefined;
    return loadAudio(library, m[1] === 'take' ? library.getTake(m[2]!) : library.getCapture(m[2]!));
  };
  const prepareTake = async (audio: AudioBuffer, identity: { sampleRate: number }): Promise<AudioBuffer> =>
    (audio.sampleRate === identity.sampleRate ? audio : resample(audio, identity.sampleRate));
  // A plugin's own capture request (its Capture parameter) is taken like `captures.take`, once the host is wired.
  const maxPluginCaptures = opts.maxPluginCapturesInFlight ?? 1;
  const pluginCaptures = new Map<PluginSession, number>();
  const wired: { capture?: (session: PluginSession, req: CaptureRequest) => Promise<unknown> } = {};
  const log = opts.log ?? (() => undefined);
  const onCaptureRequest = (session: PluginSession, req: PluginCaptureRequest) => {
    const busy = pluginCaptures.get(session) ?? 0;
    const capture = wired.capture;
    if (busy >= maxPluginCaptures || !capture) {
      session.sendError({ code: 'CAPTURE_REQUEST_BUSY', message: `Bar ${req.bar} was not captured: ${busy} capture(s) from this plugin are still being taken (maxPluginCapturesInFlight ${maxPluginCaptures}).`, details: { bar: req.bar, bars: req.bars } });
      return;
    }
    pluginCaptures.set(session, busy + 1);
    capture(session, { at: 'bar', bar: req.bar, bars: req.bars })
      .catch((err: unknown) => {
        const e = err instanceof StylebridgeError ? err : new StylebridgeError('INTERNAL', String(err));
        log('warn', `capture of bar ${req.bar} asked by plugin ${session.instanceId} failed: ${e.code} ${e.message}`);
        session.sendError({ code: e.code, message: e.message, details: { ...(e.details ?? {}), bar: req.bar, bars: req.bars } });
      })
      .finally(() => {
        const n = (pluginCaptures.get(session) ?? 1) - 1;
        if (n > 0) pluginCaptures.set(session, n);
        else pluginCaptures.delete(session);
      });
  };
  let server: StylebridgeServer;
  try {
    server = await startServer({
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.configDir !== undefined ? { configDir: opts.configDir } : {}),
      ...(opts.writeDiscovery !== undefined ? { writeDiscovery: opts.writeDiscovery } : {}),
      ...(opts.staticDir !== undefined ? { staticDir: opts.staticDir } : {}),
      ...(opts.limits !== undefined ? { limits: opts.limits } : {}),
      ...(opts.log !== undefined ? { log: opts.log } : {}),
      files: { root: projectDir, allow: isLibraryAudioPath },
      resolveTake,
      prepareTake,
      onCaptureRequest,
    });
  } catch (err) {
    library.close();
    throw err;
  }
  const { api, broadcast } = server;

  const unsubscribe = jobs.subscribe((e: JobEvent) => {
    if (e.type === 'progress') {
      const j = jobs.get(e.jobId);
      broadcast('job.updated', jobJson(j));
    } else broadcast('job.updated', jobJson(e.job, e.job.state === 'done' ? jobs.resultOf(e.job.id) : undefined));
  });

  // ----- engines ---------------------------------------------------------------------------------
  api.register('engines.list', HOST_METHODS['engines.list'].params, () => ({ engines: listEngines().map(engineInfo), default: DEFAULT_ENGINE_ID }));

  // ----- captures --------------------------------------------------------------------------------
  const storeCapture = async (audio: AudioBuffer, facts: { bpm: number; meter: Meter; bars: number; bar: number; source: CaptureRecord['source'] }) => {
    const map = TempoMap.constant(facts.bpm, facts.meter, audio.sampleRate);
    const bytes = encodeTake(audio, { format: 'wav', encoding: 'float32', placement: { map: map, fromBar: 0, bars: facts.bars }, timeReference: 0, measureLoudness: false });
    const rec = await library.addCapture({
      source: facts.source, bpm: facts.bpm, meter: facts.meter, bars: facts.bars, barIndex: facts.bar,
      sampleRate: audio.sampleRate, channels: audio.channels.length, frames: frameCount(audio), audio: { bytes, extension: 'wav' },
    });
    broadcast('capture.added', apiCapture(rec));
    return { capture: apiCapture(rec) };
  };

  const takeCapture = async (session: PluginSession, req: CaptureRequest) => {
    const res = await session.capture(req);
    const info = res.info;
    return storeCapture(res.audio, {
      bpm: info.bpm, meter: { numerator: info.meterNum, denominator: info.meterDen }, bars: info.bars, bar: info.bar,
      // Hosts that give plugins no track name send an empty one: the capture is then known by the instance id.
      source: { kind: 'plugin', daw: session.identity.host, pluginFormat: session.identity.format, trackId: session.instanceId, ...(session.identity.trackName ? { trackName: session.identity.trackName } : {}) },
    });
  };
  wired.capture = takeCapture;

  api.register('captures.take', HOST_METHODS['captures.take'].params, async (p: HostParams<'captures.take'>) =>
    takeCapture(server.sessions.find(p.track), p.bar === undefined ? { at: 'last', bars: p.bars ?? 1 } : { at: 'bar', bar: p.bar, bars: p.bars ?? 1 }));

  api.register('captures.import', HOST_METHODS['captures.import'].params, async (p: HostParams<'captures.import'>, ctx) => {
    const decoded = ctx.audio!;
    const bars = p.bars ?? 1;
    const cut = cutSourceBars(decoded, { bpm: p.bpm, meter: p.meter, bar: p.bar ?? 0, bars });
    return storeCapture(cut.audio, { bpm: p.bpm, meter: p.meter, bars, bar: p.bar ?? 0, source: { kind: 'file', file: basename(p.name) } });
  }, { receivesAudio: true });

  api.register('captures.list', HOST_METHODS['captures.list'].params, (p: HostParams<'captures.list'>) => ({
    captures: library.listCaptures({ limit: p.limit ?? 200 }).map(apiCapture),
  }));

  // ----- rendering -------------------------------------------------------------------------------
  const submitRender = (capture: CaptureRecord, req: Omit<RenderRequest, 'source'>, engineId: string, label: string) => {
    const engine = getEngine(engineId);
    const handle = jobs.submit({
      kind: 'render',
      label,
      meta: { captureId: capture.id, engine: engineId },
      run: async (ctx) => {
        const source = await loadAudio(library, capture);
        const writes: Promise<string>[] = [];
        const stored = { ...req, engineId };
        await engine.render({ ...req, source }, {
          signal: ctx.signal,
          onProgress: (pr) => ctx.progress(pr.fraction * 0.95, pr.stage),
          onTake: (take) => {
            // Written as soon as each take is complete so the UI can audition early.
            const map = TempoMap.constant(req.bpm, req.meter, take.audio.sampleRate);
            const bytes = encodeTake(take.audio, { format: 'wav', encoding: 'float32', placement: { map, fromBar: 0, bars: req.bars }, timeReference: 0, reference: `${engineId}-${take.seed}` });
            const write = library.addTake({
              captureId: capture.id, request: stored, variationIndex: take.index, seed: take.seed, frames: frameCount(take.audio),
              info: JSON.parse(JSON.stringify(take.info)) as Record<string, never>, audio: { bytes, extension: 'wav' },
            }).then((rec) => { broadcast('take.added', apiTake(rec)); return rec.id; });
            write.catch(() => undefined); // observed below; this keeps a render failure from leaving it unhandled
            writes.push(write);
          },
        });
        // Every take is in the library before the job reports done (a failed write fails the job).
        const takeIds = await Promise.all(writes);
        ctx.progress(1, 'done');
        return { takeIds };
      },
    });
    handle.result.catch(() => undefined);
    return { jobId: handle.id };
  };

  api.register('render', HOST_METHODS.render.params, async (p: HostParams<'render'>) => {
    const capture = library.getCapture(p.captureId);
    const engineId = p.engine ?? DEFAULT_ENGINE_ID;
    const model = p.model ? resolveModel(p.model) : undefined;
    if (model && engineId === 'musicgen-style') await registerMusicgenStyleEngine({ model });
    const caps = getEngine(engineId).capabilities();
    if (p.prompt && !caps.textPrompt.supported) {
      throw new StylebridgeError('ENGINE_PROMPT_UNSUPPORTED', caps.textPrompt.reason ?? `Engine ${engineId} does not understand text prompts.`, { engine: engineId });
    }
    const req: Omit<RenderRequest, 'source'> = {
      bpm: capture.bpm, meter: capture.meter, sourceBars: capture.bars, bars: p.bars, variations: p.variations,
      strength: p.strength ?? caps.strength.default, seed: p.seed ?? Math.floor(Math.random() * 0xffffffff),
      sampleRate: p.sampleRate ?? capture.sampleRate, channels: capture.channels,
      ...(p.prompt ? { prompt: p.prompt } : {}), ...(model ? { model } : {}),
      ...(p.cfg !== undefined ? { cfg: p.cfg } : {}), ...(p.cfgBeta !== undefined ? { cfgBeta: p.cfgBeta } : {}),
      ...(p.topK !== undefined ? { topK: p.topK } : {}), ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    };
    return submitRender(capture, req, engineId, `${p.variations} × ${p.bars} bar(s), ${engineId}`);
  });

  api.register('takes.regenerate', HOST_METHODS['takes.regenerate'].params, (p: HostParams<'takes.regenerate'>) => {
    const take = library.getTake(p.takeId);
    const capture = library.getCapture(take.captureId);
    const stored = take.request as unknown as Omit<RenderRequest, 'source'> & { engineId: string };
    const { engineId, ...rest } = stored;
    const seed = p.newSeed ? Math.floor(Math.random() * 0xffffffff) : take.seed;
    return submitRender(capture, { ...rest, variations: 1, seed }, engineId, `regenerate ${take.id}${p.newSeed ? ' (new seed)' : ''}`);
  });

  api.register('jobs.list', HOST_METHODS['jobs.list'].params, () => ({ jobs: jobs.list().map((j) => jobJson(j, j.state === 'done' ? jobs.resultOf(j.id) : undefined)) }));
  api.register('jobs.cancel', HOST_METHODS['jobs.cancel'].params, (p: HostParams<'jobs.cancel'>) => {
    if (!jobs.cancel(p.jobId)) jobs.get(p.jobId); // throws JOB_NOT_FOUND for an unknown id; a finished job is left alone
    return { ok: true as const };
  });

  // ----- takes -----------------------------------------------------------------------------------
  api.register('takes.list', HOST_METHODS['takes.list'].params, (p: HostParams<'takes.list'>) => ({
    takes: library.listTakes({ ...(p.captureId ? { captureId: p.captureId } : {}), ...(p.favourites ? { favouriteOnly: true } : {}), limit: p.limit ?? 500 }).map(apiTake),
  }));
  api.register('takes.favourite', HOST_METHODS['takes.favourite'].params, (p: HostParams<'takes.favourite'>) => {
    broadcast('take.updated', apiTake(library.setFavourite(p.takeId, p.favourite)));
    return { ok: true as const };
  });
  api.register('takes.delete', HOST_METHODS['takes.delete'].params, (p: HostParams<'takes.delete'>) => {
    library.deleteTake(p.takeId);
    broadcast('take.deleted', { takeId: p.takeId });
    return { ok: true as const };
  });
  api.register('takes.audition', HOST_METHODS['takes.audition'].params, async (p: HostParams<'takes.audition'>) => {
    const session = server.sessions.find(p.track);
    let key: string;
    if (p.takeId) { library.getTake(p.takeId); key = `take:${p.takeId}`; }
    else if (p.captureId) { library.getCapture(p.captureId); key = `capture:${p.captureId}`; }
    else throw new StylebridgeError('INVALID_ARGUMENT', 'Name a takeId, or a captureId to hear the source (A/B).');
    if (!session.hasTake(key)) await session.uploadTake(key, await prepareTake((await resolveTake(key))!, session.identity));
    const res = await session.play({ take: key, at: p.atBar === undefined ? 'next' : 'bar', ...(p.atBar !== undefined ? { bar: p.atBar } : {}), mode: p.mode ?? 'replace', gain: 10 ** ((p.gainDb ?? 0) / 20), loop: true });
    return res.bar !== undefined ? { startsAtBar: res.bar } : {};
  });

  api.register('library.search', HOST_METHODS['library.search'].params, (p: HostParams<'library.search'>) => {
    const q = {
      ...(p.text ? { text: p.text } : {}), ...(p.bpmMin !== undefined ? { bpmMin: p.bpmMin } : {}), ...(p.bpmMax !== undefined ? { bpmMax: p.bpmMax } : {}),
      ...(p.meter ? { meter: p.meter } : {}), ...(p.key ? { key: p.key } : {}), ...(p.engine ? { engineId: p.engine } : {}),
      ...(p.from ? { createdFrom: p.from } : {}), ...(p.to ? { createdTo: p.to } : {}), limit: p.limit ?? 200,
    };
    const captures = library.search({ ...q, kind: 'captures' });
    const takes = library.search({ ...q, kind: 'takes' });
    return {
      captures: captures.kind === 'captures' ? captures.items.map(apiCapture) : [],
      takes: takes.kind === 'takes' ? takes.items.map(apiTake) : [],
    };
  });

  // ----- bounce ----------------------------------------------------------------------------------
  api.register('bounce', HOST_METHODS.bounce.params, (p: HostParams<'bounce'>) => {
    const handle = jobs.submit({
      kind: 'bounce',
      label: `bounce bars ${p.fromBar + 1}-${p.toBar}`,
      run: async (ctx) => {
        const rec = await bounceTakes(library, { fromBar: p.fromBar, toBar: p.toBar, format: p.format ?? 'wav', ...(p.folder ? { outDir: p.folder } : {}), tracks: p.tracks }, (f) => ctx.progress(f, 'stems'));
        return { bounceId: rec.id, folder: rec.folder };
      },
    });
    handle.result.catch(() => undefined);
    return { jobId: handle.id };
  });

  return {
    server,
    library,
    jobs,
    async close() {
      unsubscribe();
      await jobs.close();
      await server.close();
      library.close();
    },
  };
}

/** Writes one stem per track from library takes (shared by the /ui `bounce` method and `stylebridge bounce`). */
export async function bounceTakes(
  library: ProjectLibrary,
  spec: { fromBar: number; toBar: number; format: 'wav' | 'flac'; outDir?: string; tracks: ReadonlyArray<{ name: string; takeIds: readonly string[] }> },
  onProgress: (fraction: number) => void = () => undefined,
) {
  const stems = [];
  for (let i = 0; i < spec.tracks.length; i++) {
    const track = spec.tracks[i]!;
    const records = track.takeIds.map((id) => library.getTake(id));
    const first = records[0];
    if (!first) throw new StylebridgeError('INVALID_ARGUMENT', `Track "${track.name}" names no take.`);
    const takes: StemTake[] = [];
    for (const r of records) takes.push({ id: r.id, bars: r.bars, audio: await loadAudio(library, r) });
    const stem = buildStem({ bpm: first.bpm, meter: first.meter, fromBar: spec.fromBar, toBar: spec.toBar, takes, channels: first.channels });
    const placement = { map: stem.map, fromBar: spec.fromBar, bars: spec.toBar - spec.fromBar, loop: false };
    const bytes = encodeTake(stem.audio, { format: spec.format, encoding: 'pcm24', placement, timeReference: stem.timeReference, description: track.name });
    stems.push({ track: track.name, takeIds: track.takeIds, audio: { bytes, extension: spec.format } });
    onProgress((i + 1) / spec.tracks.length);
  }
  return library.addBounce({ fromBar: spec.fromBar, toBar: spec.toBar, format: spec.format, stems, ...(spec.outDir ? { outDir: spec.outDir } : {}) });
}
