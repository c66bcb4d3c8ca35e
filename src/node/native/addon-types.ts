// The native addon's interface (native/src/addon.cpp), declared once; everything else imports these types.
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
}

/** What openModel() needs: absolute graph paths and the manifest numbers (the manifest is read in TypeScript). */
export interface NativeModelConfig {
  readonly textEncoder?: string;
  readonly styleEncoder?: string;
  readonly lmKv: string;
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

export interface NativeGenerateRequest {
  readonly frames: number;
  readonly styleAudio?: Float32Array;
  readonly tokenIds?: readonly number[];
  readonly streams?: number;
  readonly cfg?: number;
  readonly cfgBeta?: number | null;
  readonly temperature?: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly greedy?: boolean;
  readonly seed: number;
  /** How many variations share the batch (N x guidance rows). */
  readonly variations?: number;
  /** Variation index of the first one (its generator uses seed + firstVariation). */
  readonly firstVariation?: number;
  readonly mode?: GuidanceMode;
  /** Frames per streamed audio chunk; 0 (default) streams nothing. */
  readonly chunkFrames?: number;
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
  /** ms of `steps` LM step calls at batch `batch` after a prefix of `prefix` and `past` filled positions. */
  benchSteps(batch: number, prefix: number, past: number, steps: number): Promise<Float32Array>;
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

export interface NativeAddon {
  info(): { ortVersion: string; ortApiVersion: number; audioIo: boolean; hardwareConcurrency: number };
  openModel(config: NativeModelConfig): Promise<NativeModelHandle>;
  /** First n outputs of PCG32 seed(initstate, initseq) (tests). */
  pcg32(initstate: bigint, initseq: bigint, n: number): Uint32Array;
}
