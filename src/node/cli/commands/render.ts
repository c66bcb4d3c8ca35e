// `stylebridge render`: offline variations of a bar from an audio file, one file per variation, exactly N bars each.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { RenderRequest } from '../../../common/engine.js';
import { StylebridgeError } from '../../../common/errors.js';
import { TempoMap, parseMeter } from '../../../common/timing.js';
import { decodeAudio, encodeTake, resample } from '../../audio/index.js';
import { getEngine } from '../../engines/index.js';
import { MUSICGEN_STYLE_ENGINE_ID, registerMusicgenStyleEngine } from '../../engines/musicgen-style/index.js';
import { resolveModel } from '../../models/installed.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import { cutSourceBars } from '../../host/source.js';
import type { CliIo } from '../main.js';
import { emit } from '../output.js';
import { progressBar } from '../progress.js';

export interface RenderOptions {
  in: string; bpm: number; meter: string; bar?: number; start?: number; sourceBars: number; bars: number; variations: number; out: string;
  engine: string; model?: string; variant?: string; prompt?: string; strength?: number; cfg?: number; cfgBeta?: number; topK?: number; temperature?: number;
  seed: number; sampleRate?: number; format: 'wav' | 'flac'; bitDepth: '16' | '24' | '32f'; json?: boolean;
}

export async function run(opts: RenderOptions, io: CliIo): Promise<number> {
  if (opts.bar !== undefined && opts.start !== undefined) throw new StylebridgeError('INVALID_ARGUMENT', 'Give --bar or --start, not both.');
  const meter = parseMeter(opts.meter);
  const model = opts.model ? resolveModel(opts.model) : undefined;
  if (opts.variant !== undefined && opts.engine !== MUSICGEN_STYLE_ENGINE_ID) {
    throw new StylebridgeError('INVALID_ARGUMENT', `--variant applies to the ${MUSICGEN_STYLE_ENGINE_ID} engine only.`);
  }
  if (opts.engine === MUSICGEN_STYLE_ENGINE_ID && !(await registerMusicgenStyleEngine({ ...(model ? { model } : {}), ...(opts.variant ? { variant: opts.variant } : {}) }))) {
    throw new StylebridgeError('ENGINE_MODEL_MISSING', 'The musicgen-style engine needs a model: give --model DIR, or install one with `stylebridge models add DIR`.');
  }
  const engine = getEngine(opts.engine);
  const caps = engine.capabilities();
  if (opts.prompt && !caps.textPrompt.supported) {
    throw new StylebridgeError('ENGINE_PROMPT_UNSUPPORTED', caps.textPrompt.reason ?? `The ${caps.id} engine does not understand text prompts.`, { engine: caps.id });
  }
  const input = resolve(opts.in);
  const decoded = (await decodeAudio(new Uint8Array(readFileSync(input)))).audio;
  const cut = cutSourceBars(decoded, { bpm: opts.bpm, meter, bars: opts.sourceBars, ...(opts.start !== undefined ? { startSeconds: opts.start } : { bar: opts.bar ?? 0 }) });
  const rate = opts.sampleRate ?? decoded.sampleRate;
  const out = resolve(opts.out);
  try {
    if (!statSync(out).isDirectory()) throw new StylebridgeError('CLI_OUTPUT_EXISTS', `${out} exists and is not a folder.`, { out });
  } catch (err) {
    if (err instanceof StylebridgeError) throw err;
    mkdirSync(out, { recursive: true });
  }
  const request: RenderRequest = {
    source: cut.audio, bpm: opts.bpm, meter, sourceBars: opts.sourceBars, bars: opts.bars, variations: opts.variations,
    strength: opts.strength ?? caps.strength.default, seed: opts.seed, sampleRate: rate, channels: Math.min(2, decoded.channels.length),
    ...(opts.prompt ? { prompt: opts.prompt } : {}), ...(model ? { model } : {}),
    ...(opts.cfg !== undefined ? { cfg: opts.cfg } : {}), ...(opts.cfgBeta !== undefined ? { cfgBeta: opts.cfgBeta } : {}),
    ...(opts.topK !== undefined ? { topK: opts.topK } : {}), ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
  };
  const bar = progressBar(io.stderr, !opts.json);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const started = performance.now();
  let takes;
  try {
    takes = await engine.render(request, { signal: controller.signal, onProgress: (p) => bar.update(p.fraction, p.stage) });
  } finally {
    process.off('SIGINT', onSigint);
    bar.done();
  }
  const renderMs = performance.now() - started;
  const map = TempoMap.constant(opts.bpm, meter, rate);
  const stem = basename(input, extname(input)).replace(/[^A-Za-z0-9._-]+/g, '_') || 'take';
  const files: Array<{ file: string; variation: number; seed: number; frames: number; sampleRate: number }> = [];
  for (const t of takes) {
    const audio = t.audio.sampleRate === rate ? t.audio : await resample(t.audio, rate);
    const name = `${stem}-${caps.id}-s${request.strength}-v${String(t.index + 1).padStart(2, '0')}-seed${t.seed}.${opts.format}`;
    const encoding = opts.bitDepth === '16' ? 'pcm16' : opts.bitDepth === '32f' ? 'float32' : 'pcm24';
    const bytes = encodeTake(audio, { format: opts.format, encoding: opts.format === 'flac' && encoding === 'float32' ? 'pcm24' : encoding, placement: { map, fromBar: 0, bars: opts.bars }, timeReference: 0, reference: `${caps.id}-${t.seed}`, description: `Stylebridge ${caps.id} variation ${t.index + 1} of ${input}` });
    const path = join(out, name);
    writeFileAtomic(path, bytes);
    files.push({ file: path, variation: t.index, seed: t.seed, frames: audio.channels[0]?.length ?? 0, sampleRate: rate });
  }
  emit(io, opts.json, { engine: caps.id, device: caps.device, bars: opts.bars, bpm: opts.bpm, meter: opts.meter, renderMs: Math.round(renderMs * 10) / 10, files }, () => [
    `${files.length} variation(s), ${opts.bars} bar(s) each at ${opts.bpm} BPM ${opts.meter}, ${rate} Hz, by ${caps.name} on ${caps.device} in ${renderMs.toFixed(0)} ms:`,
    ...files.map((f) => `  ${f.file}  (${f.frames} frames, seed ${f.seed})`),
    caps.textPrompt.supported ? '' : `  note: ${caps.textPrompt.reason ?? 'this engine ignores text prompts'}`,
  ].filter(Boolean).join('\n'));
  return 0;
}
