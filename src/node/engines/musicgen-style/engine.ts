// The musicgen-style engine: style audio (+ prompt) through a model package, each take fitted to exact bars at the host tempo.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AudioBuffer } from '../../../common/audio-buffer.js';
import { resampleChannel } from '../../../common/dsp/resample.js';
import type { Engine, EngineCapabilities, RenderOptions, RenderRequest, RenderedTake } from '../../../common/engine.js';
import { StylebridgeError } from '../../../common/errors.js';
import { assertBpm, assertMeter, barSeconds, barsLengthSamples, beatSamples } from '../../../common/timing.js';
import { listModels } from '../../models/installed.js';
import type { ModelManifest } from '../../models/manifest.js';
import { UnigramTokenizer } from '../../models/unigram-tokenizer.js';
import { nativeAddonStatus } from '../../native/index.js';
import { inspectOnnxRuntime } from '../../onnx-providers.js';
import { openBackend, type BackendOptions, type GenerationBackend } from './backend.js';
import { FIT_DEFAULTS, fitToBars } from './fit.js';
import { checkRequestCounts, isInt } from '../request-checks.js';

export const MUSICGEN_STYLE_ENGINE_ID = 'musicgen-style';

/** Every limit of the engine, with its default. */
export const MUSICGEN_STYLE_LIMITS = {
  /** Variations per request (one batch on the native path). */
  maxVariations: 8,
  /** Bars per take; also bounded by the model's max_positions at the requested tempo. */
  maxBars: 16,
  maxSourceBars: 8,
  minSampleRate: 22050,
  maxSampleRate: 192000,
  /** Largest request seed (take i uses seed + i, as the model contract specifies). */
  maxSeed: 4294967295,
} as const;

export const STRENGTH_MEANING = 'How many style bottleneck codebooks condition the model (6 = the most detail of the source, 1 = the freest).';

export interface MusicgenStyleEngineOptions extends BackendOptions {
  /** A package folder used when a request names none; else the first installed musicgen-style package. */
  readonly model?: string;
  readonly limits?: Partial<typeof MUSICGEN_STYLE_LIMITS>;
}

type Limits = { -readonly [K in keyof typeof MUSICGEN_STYLE_LIMITS]: number };


/** Style bottleneck codebooks for a strength 1..6 (6 = all of them). */
export function streamsForStrength(strength: number, maxStreams: number): number {
  return Math.min(maxStreams, Math.max(1, Math.round((strength * maxStreams) / 6)));
}

/** The style excerpt: the source mixed to mono at the style rate, `default` seconds from bar 0, looped up to `min`. */
export function styleExcerpt(src: AudioBuffer, m: NonNullable<ModelManifest['style']>): Float32Array {
  const n = src.channels[0]!.length;
  const mono = new Float32Array(n);
  for (const ch of src.channels) for (let i = 0; i < n; i++) mono[i]! += ch[i]! / src.channels.length;
  const atRate = resampleChannel(mono, src.sampleRate, m.sampleRate);
  const want = Math.round(m.excerptSeconds.default * m.sampleRate);
  const min = Math.ceil(m.excerptSeconds.min * m.sampleRate);
  if (atRate.length >= want) return atRate.slice(0, want);
  if (atRate.length >= min) return atRate;
  const out = new Float32Array(min);
  for (let i = 0; i < min; i++) out[i] = atRate[i % atRate.length]!;
  return out;
}

export class MusicgenStyleEngine implements Engine {
  readonly id = MUSICGEN_STYLE_ENGINE_ID;
  readonly #options: MusicgenStyleEngineOptions;
  readonly #limits: Limits;
  readonly #backends = new Map<string, Promise<GenerationBackend>>();
  #last: GenerationBackend | null = null;

  constructor(options: MusicgenStyleEngineOptions = {}) {
    this.#options = options;
    this.#limits = { ...MUSICGEN_STYLE_LIMITS, ...options.limits };
  }

  capabilities(): EngineCapabilities {
    let device: string;
    if (this.#last) device = this.#last.device;
    else if (this.#options.forceJs || !nativeAddonStatus().available) device = 'cpu (js fallback)';
    else if (this.#options.provider !== 'cpu' && inspectOnnxRuntime().providers.some((p) => p.name === 'cuda' && p.available)) device = 'cuda (once the model loads)';
    else device = 'cpu (native)';
    return {
      id: MUSICGEN_STYLE_ENGINE_ID,
      name: 'MusicGen-Style',
      description: 'Neural variations conditioned on the captured audio (a style bottleneck over MERT features) and an optional text prompt, ' +
        'with double classifier-free guidance; each take is beat-tracked and time-stretched to exact bars at the host tempo.',
      family: 'musicgen-style',
      textPrompt: { supported: true },
      styleAudio: { supported: true },
      strength: { min: 1, max: 6, default: 3, meaning: STRENGTH_MEANING },
      guidance: { supported: true, defaultCfg: 3, defaultCfgBeta: 5 },
      maxVariations: this.#limits.maxVariations,
      maxBars: this.#limits.maxBars,
      device,
    };
  }

  /** The backend in use after the last render ("cuda", "cpu (native)", "cpu (js fallback)") and why. */
  get backendInfo(): { device: string; note: string; kind: string } | null {
    return this.#last ? { device: this.#last.device, note: this.#last.note, kind: this.#last.kind } : null;
  }

  async #modelDir(req: RenderRequest): Promise<string> {
    const given = req.model ?? this.#options.model;
    if (given) return resolve(given);
    const installed = (await listModels()).filter((m) => m.manifest?.family === 'musicgen-style');
    if (installed.length === 0) {
      throw new StylebridgeError('ENGINE_MODEL_MISSING', 'No musicgen-style model: pass --model DIR or install one with `stylebridge models add DIR`.');
    }
    return installed[0]!.dir;
  }

  #backend(dir: string): Promise<GenerationBackend> {
    let p = this.#backends.get(dir);
    if (!p) {
      const { model: _m, limits: _l, ...backendOptions } = this.#options;
      p = openBackend(dir, backendOptions);
      this.#backends.set(dir, p);
      p.catch(() => this.#backends.delete(dir));
    }
    return p;
  }

  /** Frees every opened model. */
  async close(): Promise<void> {
    const all = [...this.#backends.values()];
    this.#backends.clear();
    this.#last = null;
    for (const p of all) await (await p.catch(() => null))?.release();
  }

  #validate(req: RenderRequest): void {
    const lim = this.#limits;
    assertBpm(req.bpm);
    assertMeter(req.meter);
    for (const [field, rate] of [['source.sampleRate', req.source?.sampleRate], ['sampleRate', req.sampleRate]] as const) {
      if (!isInt(rate) || rate < lim.minSampleRate || rate > lim.maxSampleRate) {
        throw new StylebridgeError('ENGINE_BAD_SAMPLE_RATE', `${field} ${String(rate)} Hz is not an integer in ${lim.minSampleRate}..${lim.maxSampleRate}.`, { field, value: rate });
      }
    }
    const chans = req.source?.channels;
    if (!Array.isArray(chans) || chans.length === 0 || chans.length > 2 || !chans.every((c) => c instanceof Float32Array && c.length > 0 && c.length === chans[0]!.length)) {
      throw new StylebridgeError('ENGINE_SOURCE_EMPTY', 'The source must have 1 or 2 non-empty Float32Array channels of equal length.');
    }
    let energy = 0;
    for (const ch of chans) {
      for (let i = 0; i < ch.length; i++) {
        const v = ch[i]!;
        if (!Number.isFinite(v)) throw new StylebridgeError('ENGINE_SOURCE_NOT_FINITE', `The source has a ${String(v)} sample at index ${i}.`, { index: i });
        energy += v * v;
      }
    }
    if (energy === 0) throw new StylebridgeError('ENGINE_SOURCE_SILENT', 'The source is digital silence.');
    checkRequestCounts(req, lim);
    if (req.channels !== 1 && req.channels !== 2) {
      throw new StylebridgeError('ENGINE_BAD_CHANNELS', `channels ${String(req.channels)} must be 1 or 2.`, { value: req.channels });
    }
  }

  async render(req: RenderRequest, options: RenderOptions = {}): Promise<RenderedTake[]> {
    const { signal, onProgress, onTake } = options;
    if (signal?.aborted) throw new StylebridgeError('CANCELLED', 'The render was cancelled.');
    this.#validate(req);
    const dir = await this.#modelDir(req);
    onProgress?.({ fraction: 0, stage: 'loading model' });
    const backend = await this.#backend(dir);
    this.#last = backend;
    const m = backend.manifest;
    const o = backend.optimum;
    if (o) {
      // A text-only MusicGen: the captured bar sets tempo and length only, so a prompt is required.
      if (!req.prompt || req.prompt.trim() === '') {
        throw new StylebridgeError('OPTIMUM_STYLE_UNSUPPORTED', `The model at ${dir} is a text-only MusicGen (Optimum layout): it cannot take its style from the captured audio; give a prompt.`, { dir });
      }
    } else if (!m || m.family !== 'musicgen-style' || !m.style) {
      throw new StylebridgeError('ENGINE_MODEL_UNSUPPORTED', `The package at ${dir} is family "${m?.family}"; this engine needs a musicgen-style package.`, { family: m?.family });
    }
    const style = m?.style ?? null;
    const frameRate = o ? o.frameRate : m!.codec.frameRate;
    const t0 = performance.now();
    const excerpt = style ? styleExcerpt(req.source, style) : undefined;
    const streams = style ? streamsForStrength(req.strength, style.maxStreams) : 0;
    // Enough frames for the slowest tempo the fit accepts, plus one beat to find the first.
    const barSec = barSeconds(req.bpm, req.meter);
    const beatSec = beatSamples(req.bpm, req.meter, 1);
    const ratio = FIT_DEFAULTS.maxTempoRatio;
    const frames = Math.ceil((req.bars * barSec + beatSec) * ratio * frameRate) + 2;
    // Positions a request takes beyond its frames: the prefix and the delay (a package), the start token and the delay (Optimum).
    const extra = o ? o.codebooks : (await this.#prefixLength(dir, m!, excerpt!.length, req.prompt)) + Math.max(...m!.lm.delayPattern);
    const maxPositions = o ? o.maxPositions : m!.lm.maxPositions;
    if (frames + extra > maxPositions) {
      const maxBars = Math.floor(((maxPositions - extra - 2) / (ratio * frameRate) - beatSec) / barSec);
      throw new StylebridgeError('ENGINE_BAD_BARS', `${req.bars} bars at ${req.bpm} BPM exceed what the model generates in one pass (at most ${Math.max(0, maxBars)} bars here).`,
        { field: 'bars', value: req.bars, max: Math.max(0, maxBars) });
    }
    onProgress?.({ fraction: 0.02, stage: 'generate' });
    const gen = await backend.generate({
      frames, ...(excerpt ? { styleAudio: excerpt } : {}), ...(req.prompt !== undefined ? { prompt: req.prompt } : {}), streams,
      ...(req.cfg !== undefined ? { cfg: req.cfg } : {}), ...(req.cfgBeta !== undefined ? { cfgBeta: req.cfgBeta } : {}),
      ...(req.topK !== undefined ? { topK: req.topK } : {}), ...(req.topP !== undefined ? { topP: req.topP } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      seed: req.seed, variations: req.variations, ...(signal ? { signal } : {}),
      onStep: (done, total) => onProgress?.({ fraction: 0.02 + 0.88 * (done / total), stage: 'generate' }),
    });
    const genMs = performance.now() - t0;
    const sr = o ? o.sampleRate : m!.codec.sampleRate;
    const outAtCodec = Math.round(req.bars * barSec * sr);
    const outLength = barsLengthSamples(req.bars, req.bpm, req.meter, req.sampleRate);
    const takes: RenderedTake[] = [];
    for (let v = 0; v < req.variations; v++) {
      if (signal?.aborted) throw new StylebridgeError('CANCELLED', 'The render was cancelled.');
      const tf = performance.now();
      const fit = fitToBars(gen.audio[v]!, sr, beatSec, outAtCodec, { beatsPerBar: req.meter.numerator });
      const mono = resampleChannel(fit.audio, sr, req.sampleRate, outLength);
      const channels = req.channels === 2 ? [mono, mono.slice()] : [mono];
      const take: RenderedTake = {
        index: v,
        seed: req.seed + v,
        audio: { sampleRate: req.sampleRate, channels },
        info: {
          engine: MUSICGEN_STYLE_ENGINE_ID,
          model: o ? o.name : m!.name,
          styleConditioned: !o,
          device: backend.device,
          guidance: gen.mode,
          streams,
          frames,
          generatedTempoBpm: Math.round((60 / fit.track.periodSeconds) * (beatSec / (60 / req.bpm)) * 100) / 100,
          stretch: Math.round(fit.stretch * 10000) / 10000,
          firstBeatSeconds: Math.round(fit.track.phaseSeconds * 1000) / 1000,
          beatSalience: Math.round(fit.track.salience * 100) / 100,
          beatErrorBeforeMs: Math.round(fit.errorBeforeMs * 10) / 10,
          beatErrorAfterMs: Math.round(fit.errorAfterMs * 10) / 10,
          fitApplied: fit.applied,
          fitReason: fit.reason,
          startSeconds: Math.round(fit.startSeconds * 1000) / 1000,
          downbeatOffset: fit.downbeat.offset,
          downbeatConfidence: Math.round(fit.downbeat.confidence * 1000) / 1000,
          downbeatApplied: fit.downbeat.applied,
          stepMs: Math.round(gen.stepMs * 100) / 100,
          generateMs: Math.round(genMs),
          fitMs: Math.round(performance.now() - tf),
        },
      };
      takes.push(take);
      onTake?.(take);
      onProgress?.({ fraction: 0.9 + (0.1 * (v + 1)) / req.variations, stage: 'fit', variation: v });
    }
    return takes;
  }

  /** Prefix length of a request: style frames (from the front end) plus prompt tokens. */
  async #prefixLength(dir: string, m: ModelManifest, excerptSamples: number, prompt?: string): Promise<number> {
    let p = 0;
    if (m.style) {
      const f = Math.floor((excerptSamples - m.style.frontend.kernel) / m.style.frontend.hop) + 1;
      p += Math.ceil(f / m.style.downsample);
    }
    if (prompt !== undefined && prompt.trim() !== '' && m.text && m.tokenizer) {
      const tok = UnigramTokenizer.fromJson(await readFile(join(dir, m.tokenizer.file), 'utf8'), m.tokenizer, m.tokenizer.file);
      p += tok.encode(prompt, m.text.maxTokens).length;
    }
    return p;
  }
}
