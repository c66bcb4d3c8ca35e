// The two ways to run a package: the native addon (fast, CUDA or CPU, batched) or the JavaScript loop (CPU fallback).
import { StylebridgeError } from '../../../common/errors.js';
import { PackageRunner } from '../../models/generate.js';
import { readManifest, type ModelManifest } from '../../models/manifest.js';
import { NativeGenerator, OptimumGenerator, isOptimumFolder, nativeAddonStatus, type NativeRuntimeOptions, type OptimumModelInfo } from '../../native/index.js';

export interface BackendRequest {
  readonly frames: number;
  readonly styleAudio?: Float32Array;
  readonly prompt?: string;
  readonly streams: number;
  readonly cfg?: number;
  readonly cfgBeta?: number | null;
  readonly topK?: number;
  readonly topP?: number;
  readonly temperature?: number;
  readonly seed: number;
  readonly variations: number;
  readonly signal?: AbortSignal;
  /** done/total over the whole request (all variations). */
  readonly onStep?: (done: number, total: number) => void;
}

export interface BackendResult {
  /** Mono audio per variation at the codec rate. */
  readonly audio: Float32Array[];
  readonly mode: string;
  readonly lmCalls: number;
  /** Mean wall time of one LM step, ms. */
  readonly stepMs: number;
}

export interface GenerationBackend {
  readonly kind: 'native' | 'js' | 'optimum';
  /** What capabilities().device shows: "cuda", "cpu (native)" or "cpu (js fallback)". */
  readonly device: string;
  /** Why this path was chosen (the addon's absence, CUDA's absence...). */
  readonly note: string;
  /** The package's manifest; null for an Optimum-layout folder (then `optimum` describes it). */
  readonly manifest: ModelManifest | null;
  /** Set for a text-only MusicGen in the Optimum layout (Transformers.js files). */
  readonly optimum?: OptimumModelInfo;
  generate(req: BackendRequest): Promise<BackendResult>;
  release(): Promise<void>;
}

export interface BackendOptions extends NativeRuntimeOptions {
  /** Use the JavaScript loop even when the addon is available. */
  readonly forceJs?: boolean;
  readonly variant?: string;
}

class NativeBackend implements GenerationBackend {
  readonly kind = 'native';
  constructor(private readonly g: NativeGenerator) {}
  get device(): string { return this.g.provider === 'cuda' ? 'cuda' : 'cpu (native)'; }
  get note(): string { return this.g.providerNote; }
  get manifest(): ModelManifest { return this.g.manifest; }
  async generate(req: BackendRequest): Promise<BackendResult> {
    const r = await this.g.generate({
      frames: req.frames, ...(req.styleAudio ? { styleAudio: req.styleAudio } : {}), ...(req.prompt !== undefined ? { prompt: req.prompt } : {}),
      streams: req.streams, ...(req.cfg !== undefined ? { cfg: req.cfg } : {}), ...(req.cfgBeta !== undefined ? { cfgBeta: req.cfgBeta } : {}),
      ...(req.topK !== undefined ? { topK: req.topK } : {}), ...(req.topP !== undefined ? { topP: req.topP } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      seed: req.seed, variations: req.variations, ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onStep ? { onStep: req.onStep } : {}),
    });
    const steps = r.stepMs.length;
    return { audio: r.takes.map((t) => t.audio), mode: r.mode, lmCalls: r.lmCalls, stepMs: steps ? r.stepMs.reduce((a, b) => a + b, 0) / steps : 0 };
  }
  async release(): Promise<void> { this.g.release(); }
}

class JsBackend implements GenerationBackend {
  readonly kind = 'js';
  readonly device = 'cpu (js fallback)';
  constructor(private readonly r: PackageRunner, readonly note: string) {}
  get manifest(): ModelManifest { return this.r.manifest; }
  async generate(req: BackendRequest): Promise<BackendResult> {
    const audio: Float32Array[] = [];
    let mode = '';
    let lmCalls = 0;
    const t0 = performance.now();
    for (let v = 0; v < req.variations; v++) {
      const r = await this.r.generate({
        frames: req.frames, ...(req.styleAudio ? { styleAudio: req.styleAudio } : {}), ...(req.prompt !== undefined ? { prompt: req.prompt } : {}),
        streams: req.streams, ...(req.cfg !== undefined ? { cfg: req.cfg } : {}), ...(req.cfgBeta !== undefined ? { cfgBeta: req.cfgBeta } : {}),
        ...(req.topK !== undefined ? { topK: req.topK } : {}), ...(req.topP !== undefined ? { topP: req.topP } : {}),
        ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
        seed: req.seed, variation: v, ...(req.signal ? { signal: req.signal } : {}),
        onStep: (done, total) => req.onStep?.(v * total + done, req.variations * total),
      });
      mode = r.mode;
      lmCalls += r.lmCalls;
      audio.push(await this.r.decode(r.codes));
    }
    return { audio, mode, lmCalls, stepMs: lmCalls ? (performance.now() - t0) / lmCalls : 0 };
  }
  async release(): Promise<void> { await this.r.release(); }
}

/** A text-only MusicGen in the Optimum layout, run by the native addon (cfg is Transformers.js's guidance_scale). */
class OptimumBackend implements GenerationBackend {
  readonly kind = 'optimum';
  readonly manifest = null;
  constructor(private readonly g: OptimumGenerator) {}
  get optimum(): OptimumModelInfo { return this.g.info; }
  get device(): string { return this.g.provider === 'cuda' ? 'cuda' : 'cpu (native)'; }
  get note(): string { return `Optimum layout, text only${this.g.providerNote ? `; ${this.g.providerNote}` : ''}`; }
  async generate(req: BackendRequest): Promise<BackendResult> {
    const r = await this.g.generate({
      prompt: req.prompt ?? '', frames: req.frames, ...(req.cfg !== undefined ? { guidanceScale: req.cfg } : {}),
      ...(req.topK !== undefined ? { topK: req.topK } : {}), ...(req.topP !== undefined ? { topP: req.topP } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      greedy: false, seed: req.seed, variations: req.variations, ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onStep ? { onStep: req.onStep } : {}),
    });
    const steps = r.stepMs.length;
    return { audio: r.takes.map((t) => t.audio), mode: r.mode, lmCalls: r.lmCalls, stepMs: steps ? r.stepMs.reduce((a, b) => a + b, 0) / steps : 0 };
  }
  async release(): Promise<void> { this.g.release(); }
}

/** The native backend when the addon loads, else the JavaScript loop (its note says why); an Optimum-layout folder needs the addon. */
export async function openBackend(dir: string, options: BackendOptions = {}): Promise<GenerationBackend> {
  const { forceJs, variant, ...runtime } = options;
  const status = nativeAddonStatus();
  if (isOptimumFolder(dir)) {
    if (!status.available || forceJs) {
      throw new StylebridgeError((status.code as 'NATIVE_MISSING' | undefined) ?? 'NATIVE_DISABLED', `an Optimum-layout model runs only in the native addon: ${status.reason}`, { dir });
    }
    return new OptimumBackend(await OptimumGenerator.open(dir, runtime));
  }
  if (status.available && !forceJs) {
    return new NativeBackend(await NativeGenerator.open(dir, { ...runtime, ...(variant ? { variant } : {}) }));
  }
  if (runtime.provider === 'cuda') {
    throw new StylebridgeError('NATIVE_PROVIDER_UNAVAILABLE', `CUDA needs the native addon: ${status.reason}`);
  }
  const note = forceJs ? 'JavaScript loop requested' : `native addon unavailable: ${status.reason}`;
  // lm_kv, unless the asked variant exists only for lm_fused (a q8 variant then fails with MODEL_NATIVE_REQUIRED).
  const graphs = (await readManifest(dir)).graphs;
  const lm = variant && !graphs.lm_kv?.variants[variant] && graphs.lm_fused?.variants[variant] ? 'lm_fused' : 'lm_kv';
  const runner = await PackageRunner.open(dir, { lm, ...(variant ? { variant } : {}), ...(runtime.intraOpThreads ? { intraOpNumThreads: runtime.intraOpThreads } : {}) });
  return new JsBackend(runner, note);
}
