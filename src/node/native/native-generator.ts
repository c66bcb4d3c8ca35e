// A model package run by the native addon: reads the manifest and tokenizer here, runs the loop in C++ off the JS thread.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { StylebridgeError } from '../../common/errors.js';
import { badRequest, checkNumber as check, type GenerateRequest } from '../models/generate.js';
import { readManifest, type ModelManifest } from '../models/manifest.js';
import { MAX_SEED } from '../models/pcg32.js';
import type { GuidanceMode } from '../models/sampling.js';
import { UnigramTokenizer } from '../models/unigram-tokenizer.js';
import type { NativeGenerateRequest as AddonGenerateRequest, NativeGenerateResult, NativeModelHandle, NativeRuntimeOptions } from './addon-types.js';
import { loadNativeAddon } from './load.js';
import { fromNativeError, NativeHandleOwner, takesOf, type NativeTake } from './native-handle.js';
import { inspectOnnxRuntime } from '../onnx-providers.js';

// Also exported here: audio I/O and callers of the generator import them from this module.
export { fromNativeError, type NativeTake } from './native-handle.js';

/** Most variations generated in one batch (rows = variations x guidance rows). */
export const MAX_BATCH_VARIATIONS = 16;

/**
 * Default ceiling on one generation's KV cache (the `maxKvCacheBytes` option): half of this machine's physical
 * memory. The CPU cache is zero-filled when allocated, so a cache far beyond RAM would swap or wake the kernel's
 * OOM killer instead of failing cleanly; above the ceiling the request fails with NATIVE_OUT_OF_MEMORY first.
 */
export const DEFAULT_MAX_KV_CACHE_BYTES = Math.floor(totalmem() / 2);

/** The LM graphs the native loop can run: `lm_fused` (in-place cache, fused attention) or `lm_kv`. */
export type NativeLmGraph = 'lm_fused' | 'lm_kv';

export interface NativeGeneratorOptions extends NativeRuntimeOptions {
  /** A variant of the LM graph from the manifest ("int8", "int4"); the float32 graph by default. */
  readonly variant?: string;
  /** Which LM graph to run; default from defaultLmGraph(): `lm_fused` on CPU when the package has it, else `lm_kv`. */
  readonly lmGraph?: NativeLmGraph;
}

/** The JS runner's request (docs/model-package.md section 4) plus the addon's batching and streaming. */
export interface NativeGenerateRequest extends GenerateRequest, Pick<AddonGenerateRequest, 'variations' | 'decode' | 'chunkFrames' | 'chunkLookahead'> {
  readonly onChunk?: (firstFrame: number, audio: Float32Array[]) => void;
}

export interface NativeGenerateOutcome {
  readonly takes: NativeTake[];
  readonly mode: GuidanceMode;
  readonly tokenIds: readonly number[];
  readonly prefixLength: number;
  readonly rows: number;
  readonly lmCalls: number;
  readonly timings: NativeGenerateResult['timings'];
  readonly stepMs: Float32Array;
}

/**
 * lm_fused on CPU; lm_kv wherever CUDA may run the LM: ONNX Runtime's CUDA GroupQueryAttention takes float16
 * only, so a float32 lm_fused would put attention on the CPU and move the caches across every step.
 */
export function defaultLmGraph(m: ModelManifest, provider: NativeRuntimeOptions['provider']): NativeLmGraph {
  if (!m.graphs.lm_fused) return 'lm_kv';
  if (provider === 'cpu') return 'lm_fused';
  if (provider === 'cuda') return 'lm_kv';
  return inspectOnnxRuntime().providers.some((p) => p.name === 'cuda' && p.available) ? 'lm_kv' : 'lm_fused';
}

export class NativeGenerator extends NativeHandleOwner<NativeModelHandle> {
  private constructor(
    readonly manifest: ModelManifest,
    handle: NativeModelHandle,
    private readonly tokenizer: UnigramTokenizer | null,
    /** The LM graph in use: `lm_fused` (in-place cache) or `lm_kv`. */
    readonly lmGraph: NativeLmGraph,
  ) {
    super(handle);
  }

  /** Opens a package folder; loading the sessions runs off the JS thread. Throws NATIVE_* when the addon is unavailable. */
  static async open(dir: string, options: NativeGeneratorOptions = {}): Promise<NativeGenerator> {
    const addon = loadNativeAddon();
    const m = await readManifest(dir);
    const graph = (name: 'text_encoder' | 'style_encoder' | NativeLmGraph | 'codec_decode'): string | undefined => {
      const g = m.graphs[name];
      return g ? join(dir, g.file) : undefined;
    };
    const lmGraph: NativeLmGraph = options.lmGraph ?? defaultLmGraph(m, options.provider);
    if (lmGraph !== 'lm_fused' && lmGraph !== 'lm_kv') throw badRequest('lmGraph', 'lmGraph must be lm_fused or lm_kv', lmGraph);
    let lmKv = graph(lmGraph);
    if (!lmKv) throw new StylebridgeError('MODEL_MANIFEST_INVALID', `manifest.json: graphs.${lmGraph} is required`, { field: `graphs.${lmGraph}` });
    if (options.variant) {
      const v = m.graphs[lmGraph]!.variants[options.variant];
      if (!v) throw badRequest('variant', `graph ${lmGraph} has no variant ${options.variant}`, options.variant);
      lmKv = join(dir, v);
    }
    const codecDecode = graph('codec_decode');
    if (!codecDecode) throw new StylebridgeError('MODEL_MANIFEST_INVALID', 'manifest.json: graphs.codec_decode is required', { field: 'graphs.codec_decode' });
    const textEncoder = m.text ? graph('text_encoder') : undefined;
    const styleEncoder = m.style ? graph('style_encoder') : undefined;
    let tokenizer: UnigramTokenizer | null = null;
    if (m.tokenizer && m.text) {
      tokenizer = UnigramTokenizer.fromJson(await readFile(join(dir, m.tokenizer.file), 'utf8'), m.tokenizer, m.tokenizer.file);
    }
    for (const file of [textEncoder, styleEncoder, lmKv, codecDecode]) {
      if (file && !existsSync(file)) {
        throw new StylebridgeError('MODEL_FILE_MISSING', `${relative(dir, file)} named by the manifest is not in ${dir}`, { file: relative(dir, file) });
      }
    }
    const { variant: _variant, lmGraph: _lmGraph, ...runtime } = options;
    let handle: NativeModelHandle;
    try {
      handle = await addon.openModel({
        ...(textEncoder ? { textEncoder } : {}), ...(styleEncoder ? { styleEncoder } : {}), lmKv, lmInPlace: lmGraph === 'lm_fused', codecDecode,
        dim: m.lm.dim, layers: m.lm.layers, heads: m.lm.heads, codebooks: m.codec.codebooks, card: m.codec.card,
        specialToken: m.lm.specialToken, maxPositions: m.lm.maxPositions, hopLength: m.codec.hopLength,
        sampleRate: m.codec.sampleRate, delays: m.lm.delayPattern, runtime: { maxKvCacheBytes: DEFAULT_MAX_KV_CACHE_BYTES, ...runtime },
      });
    } catch (err) {
      throw fromNativeError(err);
    }
    return new NativeGenerator(m, handle, tokenizer, lmGraph);
  }

  tokenize(prompt: string): number[] {
    if (!this.tokenizer || !this.manifest.text) throw badRequest('prompt', 'this model takes no text');
    return this.tokenizer.encode(prompt, this.manifest.text.maxTokens);
  }

  /** ms of each LM step call after a prefill of `prefix` positions (benchmarks). */
  benchSteps(batch: number, prefix: number, steps: number): Promise<Float32Array> {
    return this.live().benchSteps(batch, prefix, steps).catch((err: unknown) => { throw fromNativeError(err); });
  }

  async generate(req: NativeGenerateRequest): Promise<NativeGenerateOutcome> {
    const handle = this.live();
    const m = this.manifest;
    const d = m.defaults;
    const frames = check(req.frames, 'frames', 1, m.lm.maxPositions, true);
    const variations = check(req.variations ?? 1, 'variations', 1, MAX_BATCH_VARIATIONS, true);
    const variation = check(req.variation ?? 0, 'variation', 0, 1 << 20, true);
    const seed = check(req.seed, 'seed', 0, MAX_SEED, true);
    if (seed + variation + variations - 1 > MAX_SEED) throw badRequest('seed', `seed + variation must stay <= ${MAX_SEED}`, seed);
    const cfgBeta = req.cfgBeta === undefined ? d.cfgBeta : req.cfgBeta === null ? null : check(req.cfgBeta, 'cfgBeta', 0, 100);
    if (req.styleAudio) {
      if (!m.style) throw badRequest('styleAudio', 'this model takes no style audio');
      const sr = m.style.sampleRate;
      const n = req.styleAudio.length;
      const min = Math.floor(m.style.excerptSeconds.min * sr);
      const max = Math.ceil(m.style.excerptSeconds.max * sr);
      if (n < min || n > max) throw badRequest('styleAudio', `style excerpt has ${n} samples; allowed ${min}..${max} at ${sr} Hz`, n);
    }
    if (req.prompt !== undefined && !m.text && req.prompt.trim() !== '') throw badRequest('prompt', 'this model takes no text');
    const tokenIds = req.prompt !== undefined && m.text ? this.tokenize(req.prompt) : [];
    const streams = check(req.streams ?? d.streams, 'streams', 1, m.style?.maxStreams ?? 64, true);
    if (req.mode === 'double' && !(req.styleAudio && tokenIds.length > 0 && cfgBeta !== null)) {
      throw badRequest('mode', 'double guidance needs style audio, a prompt and cfgBeta');
    }
    const dmax = Math.max(...m.lm.delayPattern);
    if (frames + dmax > m.lm.maxPositions) {
      throw new StylebridgeError('MODEL_LIMIT_EXCEEDED', `frames ${frames} + delay ${dmax} exceed the model's ${m.lm.maxPositions} positions`,
        { limit: 'lm.max_positions', value: m.lm.maxPositions, requested: frames + dmax });
    }
    const r = await this.runJob(req.signal, () => handle.generate({
      frames, ...(req.styleAudio ? { styleAudio: req.styleAudio } : {}), tokenIds, streams,
      cfg: check(req.cfg ?? d.cfg, 'cfg', 0, 100), cfgBeta,
      temperature: check(req.temperature ?? d.temperature, 'temperature', 0, 100),
      topK: check(req.topK ?? d.topK, 'topK', 0, 1 << 20, true),
      topP: check(req.topP ?? d.topP, 'topP', 0, 1),
      greedy: req.greedy ?? false, seed, variations, firstVariation: variation,
      ...(req.mode ? { mode: req.mode } : {}),
      chunkFrames: check(req.chunkFrames ?? 0, 'chunkFrames', 0, 1 << 20, true), decode: req.decode ?? true,
      ...(req.chunkLookahead !== undefined ? { chunkLookahead: check(req.chunkLookahead, 'chunkLookahead', 0, 1 << 16, true) } : {}),
    }, (e) => {
      if (e.type === 'progress') req.onStep?.(e.step, e.total);
      else req.onChunk?.(e.firstFrame, e.audio);
    }));
    const takes = takesOf(r, m.codec.codebooks, frames);
    return { takes, mode: r.mode, tokenIds, prefixLength: r.prefixLength, rows: r.rows, lmCalls: r.lmCalls, timings: r.timings, stepMs: r.stepMs };
  }
}
