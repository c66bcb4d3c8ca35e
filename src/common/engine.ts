// The engine contract: what every generator (built-in concat, neural musicgen-style, later families) implements.
import type { AudioBuffer } from './audio-buffer.js';
import type { Meter } from './timing.js';

/** A feature an engine may or may not support, with the reason when it does not. */
export interface Support {
  readonly supported: boolean;
  /** Shown to the user when unsupported (CLI, UI). */
  readonly reason?: string;
}

export interface EngineCapabilities {
  /** Stable id used by `--engine` and the /ui API, e.g. "concat", "musicgen-style". */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Model family for neural engines (from the model package manifest); "builtin" for concat. */
  readonly family: string;
  readonly textPrompt: Support;
  readonly styleAudio: Support;
  /** Strength 1..6: 6 keeps closest to the source, 1 is freest. `meaning` says what a step changes. */
  readonly strength: { readonly min: number; readonly max: number; readonly default: number; readonly meaning: string };
  /** Classifier-free guidance coefficients, when the engine has them. */
  readonly guidance: Support & { readonly defaultCfg?: number; readonly defaultCfgBeta?: number };
  readonly maxVariations: number;
  readonly maxBars: number;
  /** Which compute device renders: "cpu", "cuda", ... (the app tells the user). */
  readonly device: string;
}

export interface RenderRequest {
  /** The style source: one or more bars of audio, starting on a bar line. */
  readonly source: AudioBuffer;
  /** Tempo of the source (BPM in quarter notes) and its meter. */
  readonly bpm: number;
  readonly meter: Meter;
  /** How many whole bars `source` holds (at least 1). */
  readonly sourceBars: number;
  /** Length of each variation in bars, at `bpm` and `meter`. */
  readonly bars: number;
  /** How many variations, all distinct. */
  readonly variations: number;
  /** 1..6, 6 = closest to the source. */
  readonly strength: number;
  /** Seed of variation 0; variation i uses a seed derived as documented by the engine. */
  readonly seed: number;
  /** Output sample rate; each take is exactly bars × bar length samples at this rate. */
  readonly sampleRate: number;
  /** Output channel count (1 or 2). */
  readonly channels: number;
  readonly prompt?: string;
  readonly cfg?: number;
  readonly cfgBeta?: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly temperature?: number;
  /** Engine-specific model location (neural engines). */
  readonly model?: string;
}

export interface RenderProgress {
  /** 0..1 over the whole request. */
  readonly fraction: number;
  readonly stage: string;
  readonly variation?: number;
}

export interface RenderedTake {
  readonly index: number;
  /** The seed that regenerates exactly this take with the same request. */
  readonly seed: number;
  readonly audio: AudioBuffer;
  /** Engine-specific facts worth keeping with the take (analysis, moves applied, timings). */
  readonly info: Readonly<Record<string, unknown>>;
}

export interface RenderOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: RenderProgress) => void;
  /** Called as soon as each take is complete (before render() resolves), for early audition. */
  readonly onTake?: (take: RenderedTake) => void;
}

export interface Engine {
  readonly id: string;
  capabilities(): EngineCapabilities;
  /** Renders all variations. Rejects with StylebridgeError (CANCELLED when the signal aborts). */
  render(request: RenderRequest, options?: RenderOptions): Promise<RenderedTake[]>;
}
