// A text-only MusicGen in the Optimum layout (Transformers.js files) run by the native addon's loop, off the JS thread.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { StylebridgeError } from '../../common/errors.js';
import { badRequest, checkNumber as check, type GenerateRequest } from '../models/generate.js';
import { MAX_SEED } from '../models/pcg32.js';
import { OptimumTokenizer } from '../models/optimum-tokenizer.js';
import type { NativeGenerateResult, NativeOptimumConfig, NativeOptimumHandle, NativeOptimumRequest, NativeRuntimeOptions } from './addon-types.js';
import { loadNativeAddon } from './load.js';
import { fromNativeError, NativeHandleOwner, takesOf, type NativeTake } from './native-handle.js';

/** The files of the layout (docs/model-package.md section 9), relative to the folder. */
export const OPTIMUM_FILES = {
  config: 'config.json',
  generationConfig: 'generation_config.json',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  textEncoder: 'onnx/text_encoder.onnx',
  decoder: 'onnx/decoder_model_merged.onnx',
  codecDecode: 'onnx/encodec_decode.onnx',
} as const;

/** Every limit of the Optimum path, with its default. */
export const OPTIMUM_LIMITS = {
  /** Largest config / generation_config / tokenizer_config JSON read, in bytes. */
  maxConfigBytes: 1 << 20,
  /** Largest tokenizer.json read, in bytes. */
  maxTokenizerBytes: 64 << 20,
  /** Prompt tokens (end-of-sequence included) when tokenizer_config.json names no model_max_length. */
  maxPromptTokens: 512,
  /** Variations generated in one batch (rows = variations x guidance rows x codebooks). */
  maxVariations: 16,
} as const;

/** The folder's numbers, those the addon takes (NativeOptimumConfig) among them. */
export interface OptimumModelInfo extends Pick<NativeOptimumConfig, 'layers' | 'heads' | 'hidden' | 'codebooks' | 'card' | 'padToken' | 'maxPositions'> {
  readonly dir: string;
  /** The folder's name (the layout has no other). */
  readonly name: string;
  readonly sampleRate: number;
  readonly frameRate: number;
  /** Prompt tokens allowed (tokenizer_config.json model_max_length, else OPTIMUM_LIMITS.maxPromptTokens). */
  readonly maxPromptTokens: number;
  /** generation_config.json's choices, used when a request leaves them out. */
  readonly defaults: { readonly guidanceScale: number | null; readonly greedy: boolean; readonly topK: number; readonly topP: number; readonly temperature: number };
}

type Obj = Record<string, unknown>;

function invalid(field: string, why: string, value?: unknown): never {
  throw new StylebridgeError('OPTIMUM_CONFIG_INVALID', `config.json: ${field} ${why}`, { field, ...(value !== undefined ? { value } : {}) });
}

function intField(o: Obj, key: string, field: string, min: number, max: number, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(`${field}.${key}`, `must be an integer in ${min}..${max}`, v);
  return v;
}

async function readJson(dir: string, file: string, optional: boolean, maxBytes: number): Promise<Obj | null> {
  const path = join(dir, file);
  if (!existsSync(path)) {
    if (optional) return null;
    throw new StylebridgeError('OPTIMUM_FILE_MISSING', `${file} is not in ${dir}`, { file });
  }
  if (statSync(path).size > maxBytes) throw new StylebridgeError('MODEL_LIMIT_EXCEEDED', `${file} is larger than ${maxBytes} bytes`, { limit: 'maxConfigBytes', value: maxBytes, file });
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Obj;
  } catch (err) {
    throw new StylebridgeError(file === OPTIMUM_FILES.config ? 'OPTIMUM_CONFIG_INVALID' : 'OPTIMUM_FILE_CORRUPT', `${file} is not a JSON object`, { file }, { cause: err });
  }
}

/** Whether `dir` looks like an Optimum-layout folder (config.json, no manifest.json of a model package). */
export function isOptimumFolder(dir: string): boolean {
  return existsSync(join(dir, OPTIMUM_FILES.config)) && !existsSync(join(dir, 'manifest.json'));
}

/** Reads and checks config.json, generation_config.json and tokenizer_config.json; says which graph file is missing. */
export async function readOptimumModel(dir: string): Promise<OptimumModelInfo> {
  const c = (await readJson(dir, OPTIMUM_FILES.config, false, OPTIMUM_LIMITS.maxConfigBytes))!;
  if (c.model_type !== 'musicgen') invalid('model_type', 'must be "musicgen"', c.model_type);
  const d = c.decoder as Obj | undefined;
  if (typeof d !== 'object' || d === null) invalid('decoder', 'must be an object');
  const a = (c.audio_encoder ?? {}) as Obj;
  const layers = intField(d, 'num_hidden_layers', 'decoder', 1, 1024);
  const heads = intField(d, 'num_attention_heads', 'decoder', 1, 1024);
  const hidden = intField(d, 'hidden_size', 'decoder', 1, 1 << 16);
  if (hidden % heads !== 0) invalid('decoder.hidden_size', `must be a multiple of num_attention_heads (${heads})`, hidden);
  const codebooks = intField(d, 'num_codebooks', 'decoder', 1, 64);
  const card = intField(d, 'vocab_size', 'decoder', 2, 1 << 20);
  const padToken = intField(d, 'pad_token_id', 'decoder', 0, 1 << 20);
  const maxPositions = intField(d, 'max_position_embeddings', 'decoder', 2, 1 << 24, 2048);
  const sampleRate = intField(a, 'sampling_rate', 'audio_encoder', 1, 1 << 20);
  let frameRate = a.frame_rate;
  if (frameRate === undefined && Array.isArray(a.upsampling_ratios) && a.upsampling_ratios.every((x) => Number.isInteger(x) && x > 0)) {
    frameRate = sampleRate / (a.upsampling_ratios as number[]).reduce((p, x) => p * x, 1);
  }
  if (typeof frameRate !== 'number' || !Number.isFinite(frameRate) || frameRate <= 0) invalid('audio_encoder.frame_rate', 'must be a positive number (or given by upsampling_ratios)', frameRate);
  const g = (await readJson(dir, OPTIMUM_FILES.generationConfig, true, OPTIMUM_LIMITS.maxConfigBytes)) ?? {};
  const t = (await readJson(dir, OPTIMUM_FILES.tokenizerConfig, true, OPTIMUM_LIMITS.maxConfigBytes)) ?? {};
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  const gs = g.guidance_scale;
  const mml = t.model_max_length;
  for (const file of [OPTIMUM_FILES.textEncoder, OPTIMUM_FILES.decoder, OPTIMUM_FILES.codecDecode, OPTIMUM_FILES.tokenizer]) {
    if (!existsSync(join(dir, file))) throw new StylebridgeError('OPTIMUM_FILE_MISSING', `${file} is not in ${dir}`, { file });
  }
  return {
    dir, name: basename(dir), layers, heads, hidden, codebooks, card, padToken, maxPositions, sampleRate, frameRate,
    maxPromptTokens: typeof mml === 'number' && Number.isInteger(mml) && mml > 0 && mml < 1e6 ? mml : OPTIMUM_LIMITS.maxPromptTokens,
    defaults: {
      guidanceScale: typeof gs === 'number' && Number.isFinite(gs) ? gs : null,
      greedy: g.do_sample === false,
      topK: Math.max(0, Math.round(num(g.top_k, 50))),
      topP: num(g.top_p, 0) < 1 ? num(g.top_p, 0) : 0,
      temperature: num(g.temperature, 1),
    },
  };
}

/** Sampling and callbacks as the package runner's request (models/generate.ts) takes them, batching as the addon does. */
export interface OptimumGenerateRequest
  extends Pick<GenerateRequest, 'topK' | 'topP' | 'temperature' | 'variation' | 'signal' | 'onStep'>, Pick<NativeOptimumRequest, 'variations' | 'decode'> {
  readonly prompt: string;
  /** Audio frames to produce (at frameRate); or give maxNewTokens (decoder steps = frames + codebooks - 1) or seconds. */
  readonly frames?: number;
  readonly maxNewTokens?: number;
  readonly seconds?: number;
  /** > 1: classifier-free guidance; null or <= 1: none. Default: generation_config.json's guidance_scale. */
  readonly guidanceScale?: number | null;
  /** Argmax picking (the library's do_sample false). Default: generation_config.json's do_sample false. */
  readonly greedy?: boolean;
  /** Seed of the PCG32 stream of variation 0 (variation i uses seed + variation + i); ignored when greedy. */
  readonly seed?: number;
}

export interface OptimumGenerateOutcome {
  /** codes[k][t] and mono audio at sampleRate, one per variation. */
  readonly takes: NativeTake[];
  readonly mode: 'none' | 'single';
  readonly tokenIds: readonly number[];
  readonly frames: number;
  readonly maxNewTokens: number;
  readonly lmCalls: number;
  /** prefillMs is the first decoder call (no past); stepsMs the rest. */
  readonly timings: NativeGenerateResult['timings'];
  /** Wall time of every decoder call after the first. */
  readonly stepMs: Float32Array;
}

export class OptimumGenerator extends NativeHandleOwner<NativeOptimumHandle> {
  private constructor(
    readonly info: OptimumModelInfo,
    handle: NativeOptimumHandle,
    private readonly tokenizer: OptimumTokenizer,
  ) {
    super(handle);
  }

  /** Opens an Optimum-layout folder; loading the sessions runs off the JS thread. Throws NATIVE_* when the addon is unavailable. */
  static async open(dir: string, options: NativeRuntimeOptions = {}): Promise<OptimumGenerator> {
    const addon = loadNativeAddon();
    const info = await readOptimumModel(dir);
    const tokPath = join(dir, OPTIMUM_FILES.tokenizer);
    if (statSync(tokPath).size > OPTIMUM_LIMITS.maxTokenizerBytes) {
      throw new StylebridgeError('MODEL_LIMIT_EXCEEDED', `${OPTIMUM_FILES.tokenizer} is larger than ${OPTIMUM_LIMITS.maxTokenizerBytes} bytes`, { limit: 'maxTokenizerBytes', value: OPTIMUM_LIMITS.maxTokenizerBytes });
    }
    const tokenizer = OptimumTokenizer.fromJson(await readFile(tokPath, 'utf8'), OPTIMUM_FILES.tokenizer);
    let handle: NativeOptimumHandle;
    try {
      handle = await addon.openOptimum({
        textEncoder: join(dir, OPTIMUM_FILES.textEncoder), decoder: join(dir, OPTIMUM_FILES.decoder), codecDecode: join(dir, OPTIMUM_FILES.codecDecode),
        layers: info.layers, heads: info.heads, hidden: info.hidden, codebooks: info.codebooks, card: info.card, padToken: info.padToken,
        maxPositions: info.maxPositions, runtime: options,
      });
    } catch (err) {
      throw fromNativeError(err);
    }
    return new OptimumGenerator(info, handle, tokenizer);
  }

  /** The prompt's token ids as Transformers.js's tokenizer gives them (end-of-sequence included). */
  tokenize(prompt: string): number[] {
    if (typeof prompt !== 'string') throw badRequest('prompt', 'prompt must be a string');
    const ids = this.tokenizer.encode(prompt);
    if (ids.length > this.info.maxPromptTokens) {
      throw new StylebridgeError('MODEL_LIMIT_EXCEEDED', `the prompt has ${ids.length} tokens; this model takes at most ${this.info.maxPromptTokens}`,
        { limit: 'maxPromptTokens', value: this.info.maxPromptTokens, requested: ids.length });
    }
    return ids;
  }

  async generate(req: OptimumGenerateRequest): Promise<OptimumGenerateOutcome> {
    const handle = this.live();
    const m = this.info;
    const d = m.defaults;
    const K = m.codebooks;
    const given = [req.frames, req.maxNewTokens, req.seconds].filter((x) => x !== undefined).length;
    if (given !== 1) throw badRequest('frames', 'give exactly one of frames, maxNewTokens and seconds');
    const maxSteps = m.maxPositions - 1;
    let maxNewTokens: number;
    if (req.maxNewTokens !== undefined) maxNewTokens = check(req.maxNewTokens, 'maxNewTokens', K, 1 << 20, true);
    else if (req.frames !== undefined) maxNewTokens = check(req.frames, 'frames', 1, 1 << 20, true) + K - 1;
    else maxNewTokens = Math.max(1, Math.round(check(req.seconds!, 'seconds', 0, 3600) * m.frameRate)) + K - 1;
    if (maxNewTokens > maxSteps) {
      throw new StylebridgeError('MODEL_LIMIT_EXCEEDED', `${maxNewTokens} decoder steps exceed the model's ${m.maxPositions} positions (start token included)`,
        { limit: 'decoder.max_position_embeddings', value: m.maxPositions, requested: maxNewTokens + 1 });
    }
    const variations = check(req.variations ?? 1, 'variations', 1, OPTIMUM_LIMITS.maxVariations, true);
    const variation = check(req.variation ?? 0, 'variation', 0, 1 << 20, true);
    const seed = check(req.seed ?? 0, 'seed', 0, MAX_SEED, true);
    if (seed + variation + variations - 1 > MAX_SEED) throw badRequest('seed', `seed + variation must stay <= ${MAX_SEED}`, seed);
    const gs = req.guidanceScale === undefined ? d.guidanceScale : req.guidanceScale === null ? null : check(req.guidanceScale, 'guidanceScale', 0, 100);
    const tokenIds = this.tokenize(req.prompt);
    const r = await this.runJob(req.signal, () => handle.generate({
      tokenIds, maxNewTokens, guidanceScale: gs,
      greedy: req.greedy ?? d.greedy,
      temperature: check(req.temperature ?? d.temperature, 'temperature', 0, 100),
      topK: check(req.topK ?? d.topK, 'topK', 0, 1 << 20, true),
      topP: check(req.topP ?? d.topP, 'topP', 0, 1),
      seed, variations, firstVariation: variation, decode: req.decode ?? true,
    }, (e) => {
      if (e.type === 'progress') req.onStep?.(e.step, e.total);
    }));
    const frames = r.frames;
    const takes = takesOf(r, K, frames);
    return { takes, mode: r.mode === 'single' ? 'single' : 'none', tokenIds, frames, maxNewTokens, lmCalls: r.lmCalls, timings: r.timings, stepMs: r.stepMs };
  }
}
