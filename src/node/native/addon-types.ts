// The native addon's interface (native/src/addon.cpp), declared once; everything else imports these types.
import type { GenerateRequest } from '../models/generate.js';
import type { GuidanceMode } from '../models/sampling.js';

/** Which execution provider to use: CUDA then CPU ("auto"), CUDA or fail ("cuda"), or CPU only. */
export type ProviderChoice = 'auto' | 'cuda' | 'cpu';

export interface NativeRuntimeOptions {
  readonly provider?: ProviderChoice;
  /** CUDA device index (default 0). */
  readonly deviceId?: number;
  /** ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose (one per physical core). */
  readonly intraOpThreads?: number;
  readonly interOpThreads?: number;
  /** ONNX Runtime's session.intra_op_thread_affinities, e.g. "1;2" pins the 2 extra threads of 3 to cores 1 and 2. */
  readonly affinity?: string;
  /** Whether idle ONNX Runtime threads spin between steps (default true). */
  readonly spinning?: boolean;
  /**
   * Ceiling on one generation's KV cache in bytes (host RAM, or GPU memory under CUDA), checked before the cache is
   * allocated: a request above it fails with NATIVE_OUT_OF_MEMORY. 0: no ceiling. NativeGenerator defaults it to
   * DEFAULT_MAX_KV_CACHE_BYTES.
   */
  readonly maxKvCacheBytes?: number;
}

/** What openModel() needs: absolute graph paths and the manifest numbers (the manifest is read in TypeScript). */
export interface NativeModelConfig {
  readonly textEncoder?: string;
  readonly styleEncoder?: string;
  readonly lmKv: string;
  /** lmKv is a graph `lm_fused`: its present_* outputs are bound to the cache buffers (docs/model-package.md 3.5). */
  readonly lmInPlace?: boolean;
  readonly codecDecode: string;
  readonly dim: number;
  readonly layers: number;
  readonly heads: number;
  readonly codebooks: number;
  readonly card: number;
  readonly specialToken: number;
  readonly maxPositions: number;
  readonly hopLength: number;
  readonly sampleRate: number;
  readonly delays: readonly number[];
  readonly runtime?: NativeRuntimeOptions;
}

/** The request fields that cross to the addon as the package runner's request (models/generate.ts) declares them. */
type RunnerFields = 'frames' | 'styleAudio' | 'streams' | 'cfg' | 'cfgBeta' | 'temperature' | 'topK' | 'topP' | 'greedy' | 'seed' | 'mode';

/**
 * The runner's request as the addon takes it: the prompt already tokenized, a batch of variations from
 * firstVariation instead of one variation, streaming options; no signal or callbacks (NativeJob.cancel and onEvent).
 */
export interface NativeGenerateRequest extends Pick<GenerateRequest, RunnerFields> {
  readonly tokenIds?: readonly number[];
  /** How many variations share the batch (N x guidance rows; default 1). */
  readonly variations?: number;
  /** Variation index of the first one (its generator uses seed + firstVariation). */
  readonly firstVariation?: number;
  /** Frames per streamed audio chunk; 0 (default) streams nothing. */
  readonly chunkFrames?: number;
  /** Known frames decoded after each chunk so its end matches the final decode (default 8). */
  readonly chunkLookahead?: number;
  /** Decode the whole take at the end (default true). */
  readonly decode?: boolean;
}

export type NativeEvent =
  | { readonly type: 'progress'; readonly step: number; readonly total: number }
  /** audio[v] holds frames firstFrame.. of variation v at the codec rate. */
  | { readonly type: 'chunk'; readonly firstFrame: number; readonly audio: Float32Array[] };

export interface NativeGenerateResult {
  readonly mode: GuidanceMode;
  readonly prefixLength: number;
  readonly rows: number;
  readonly lmCalls: number;
  readonly frames: number;
  /** codes[v][k * frames + t] */
  readonly codes: Int32Array[];
  /** Mono audio per variation at the codec rate (empty when decode is false). */
  readonly audio: Float32Array[];
  readonly timings: {
    readonly styleMs: number; readonly textMs: number; readonly prefillMs: number;
    readonly stepsMs: number; readonly decodeMs: number; readonly streamDecodeMs: number;
  };
  /** Wall time of every single-step LM call. */
  readonly stepMs: Float32Array;
}

export interface NativeJob {
  readonly promise: Promise<NativeGenerateResult>;
  /** Stops the job before its next LM step; the promise then rejects with code CANCELLED. */
  cancel(): void;
}

export interface NativeModelHandle {
  /** "cuda" or "cpu": the provider the LM runs on. */
  readonly provider: string;
  /** Why CUDA is or is not used. */
  readonly providerNote: string;
  generate(request: NativeGenerateRequest, onEvent: (e: NativeEvent) => void): NativeJob;
  /** ms of each of `steps` LM step calls at batch `batch` after a prefill of `prefix` positions (cache length 1 + prefix + i at call i). */
  benchSteps(batch: number, prefix: number, steps: number): Promise<Float32Array>;
  release(): void;
}

/** What openOptimum() needs: the Optimum layout's graph paths and config numbers (native/src/optimum_addon.cpp). */
export interface NativeOptimumConfig {
  readonly textEncoder: string;
  readonly decoder: string;
  readonly codecDecode: string;
  readonly layers: number;
  readonly heads: number;
  readonly hidden: number;
  readonly codebooks: number;
  readonly card: number;
  readonly padToken: number;
  readonly maxPositions: number;
  readonly runtime?: NativeRuntimeOptions;
}

/** The Optimum loop's request: sampling and batching as NativeGenerateRequest, decoder steps and one guidance scale. */
export interface NativeOptimumRequest
  extends Pick<NativeGenerateRequest, 'greedy' | 'temperature' | 'topK' | 'topP' | 'variations' | 'firstVariation' | 'decode'>,
    Partial<Pick<NativeGenerateRequest, 'seed'>> {
  readonly tokenIds: readonly number[];
  readonly maxNewTokens: number;
  /** > 1: classifier-free guidance; null: none. */
  readonly guidanceScale?: number | null;
}

export interface NativeOptimumHandle {
  readonly provider: string;
  readonly providerNote: string;
  generate(request: NativeOptimumRequest, onEvent: (e: NativeEvent) => void): NativeJob;
  release(): void;
}

export interface NativeAudioDevice {
  readonly index: number;
  readonly name: string;
  readonly hostApi: string;
  readonly maxInputChannels: number;
  readonly maxOutputChannels: number;
  readonly defaultSampleRate: number;
  readonly defaultLowOutputLatency: number;
}

export interface NativeAudioStreamOptions {
  /** Pick the default devices of the first host API whose name contains this ("JACK", "ALSA", "Core", "WASAPI"). */
  readonly hostApi?: string;
  readonly inputDevice?: number;
  readonly outputDevice?: number;
  /** 0 for an output-only stream (default 0). */
  readonly inputChannels?: number;
  /** 0 for an input-only stream (default 2). */
  readonly outputChannels?: number;
  readonly sampleRate?: number;
  /** The device buffer size in frames (16..8192, default 128). */
  readonly framesPerBuffer?: number;
  /** Capacity of each ring between JS and the callback, in frames (default 16384). */
  readonly ringFrames?: number;
}

export interface NativeAudioStats {
  readonly callbacks: number;
  readonly frames: number;
  /** Callbacks that PortAudio flagged with an under/overflow (JACK xruns included). */
  readonly xruns: number;
  /** Callbacks that found too little output in the ring after playback began. */
  readonly ringUnderruns: number;
  /** Callbacks whose input did not fit in the ring (JS read too slowly). */
  readonly ringOverruns: number;
  readonly writableFrames: number;
  readonly readableFrames: number;
  readonly maxCallbackUs: number;
  readonly periodUs: number;
  readonly meanIntervalUs: number;
  /** |interval - period| percentiles over the last 65536 callbacks. */
  readonly jitterP50Us: number;
  readonly jitterP99Us: number;
  readonly jitterMaxUs: number;
  readonly cpuLoad?: number;
  readonly outputLatency?: number;
  readonly inputLatency?: number;
  readonly sampleRate?: number;
}

export interface NativeAudioStream {
  start(): void;
  stop(): void;
  close(): void;
  /** Queues interleaved output frames; returns how many frames fit in the ring. */
  write(interleaved: Float32Array): number;
  /** Says the last output frame is queued: an empty ring afterwards is the end, not an underrun (write() re-arms). */
  endOutput(): void;
  /** Takes up to maxFrames captured interleaved frames. */
  read(maxFrames?: number): Float32Array;
  stats(): NativeAudioStats;
}

/** A tensor crossing runGraph: float32 or int64 only. */
export type NativeFeed =
  | { dtype: 'float32'; dims: number[]; data: Float32Array }
  | { dtype: 'int64'; dims: number[]; data: BigInt64Array };

export interface NativeGraphSignature {
  inputs: { name: string; dtype: string; shape: (number | string)[] }[];
  outputs: { name: string; dtype: string; shape: (number | string)[] }[];
}

export interface NativeAddon {
  /** Present when the addon was built with PortAudio (info().audioIo). */
  listAudioDevices?(): NativeAudioDevice[];
  AudioStream?: new (options: NativeAudioStreamOptions) => NativeAudioStream;
  portAudioVersion?: string;
  /** int8Kernel: which kernel runs com.stylebridge.Q8MatMul here ('avx512-vnni', 'avx2' or 'scalar'). */
  info(): { ortVersion: string; ortApiVersion: number; int8Kernel: string; audioIo: boolean; hardwareConcurrency: number };
  /**
   * Opens one ONNX graph on the CPU with the addon's runtime (the com.stylebridge operators included) and lists its
   * inputs and outputs; a symbolic dimension is its name. Rejects MODEL_FILE_CORRUPT when ONNX Runtime refuses it.
   */
  inspectGraph(path: string): Promise<NativeGraphSignature>;
  /** Opens a graph as inspectGraph does and runs it once on `feeds` with `threads` (1..64, default 1) threads. */
  runGraph(path: string, feeds: Record<string, NativeFeed>, threads?: number): Promise<NativeGraphSignature & { values: Record<string, NativeFeed> }>;
  openModel(config: NativeModelConfig): Promise<NativeModelHandle>;
  /** Opens a text-only MusicGen in the Optimum layout (docs/model-package.md section 9). */
  openOptimum(config: NativeOptimumConfig): Promise<NativeOptimumHandle>;
  /** First n outputs of PCG32 seed(initstate, initseq) (tests). */
  pcg32(initstate: bigint, initseq: bigint, n: number): Uint32Array;
  /** Read bandwidth (GB/s) of `threads` threads over a `megabytes` buffer, best of `repeats` (benchmarks). */
  memoryBandwidth(megabytes: number, threads: number, repeats: number): number;
}
