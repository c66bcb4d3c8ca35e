// The records of a project library (captures, takes, bounces) as the rest of the host sees them. All JSON-serialisable.
import type { RenderRequest } from '../../common/engine.js';
import type { Meter } from '../../common/timing.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Health of a record's file, as the last sweep found it. "missing": no file; "damaged": its size differs from the record. */
export type FileStatus = 'ok' | 'missing' | 'damaged';

/** Encoded audio handed to the library: it stores the bytes as they are (it never encodes). */
export interface AudioFileInput {
  readonly bytes: Uint8Array;
  /** File extension without the dot, e.g. "wav", "flac". The bytes must start with its header. */
  readonly extension: string;
}

/** Where a capture came from: a plugin on a DAW track, or a file dropped in. */
export interface CaptureSource {
  readonly kind: 'plugin' | 'file';
  readonly daw?: string;
  /** Plugin format: "vst3", "clap", "lv2", "au". */
  readonly pluginFormat?: string;
  /** The plugin instance id (stable for the DAW session). */
  readonly trackId?: string;
  readonly trackName?: string;
  /** Original path of a dropped file. */
  readonly file?: string;
}

export interface CaptureInput {
  readonly source: CaptureSource;
  readonly bpm: number;
  readonly meter: Meter;
  /** How many whole bars the audio holds (>= 1). */
  readonly bars: number;
  /** The 0-based index of the first captured bar in the DAW timeline. */
  readonly barIndex: number;
  readonly sampleRate: number;
  readonly channels: number;
  /** Length in sample frames of the decoded audio. */
  readonly frames: number;
  /** Musical key when known, e.g. "A minor". */
  readonly key?: string;
  readonly note?: string;
  readonly audio: AudioFileInput;
}

interface FileFacts {
  /** Path relative to the project folder, with "/" separators (absolute for bounces written outside it). */
  readonly file: string;
  readonly bytes: number;
  /** Hex SHA-256 of the file's bytes. */
  readonly sha256: string;
  readonly status: FileStatus;
}

export interface CaptureRecord extends FileFacts {
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly source: CaptureSource;
  readonly bpm: number;
  readonly meter: Meter;
  readonly bars: number;
  readonly barIndex: number;
  readonly sampleRate: number;
  readonly channels: number;
  readonly frames: number;
  readonly durationSeconds: number;
  readonly key: string | null;
  readonly note: string | null;
}

/**
 * A render request as stored with a take: the engine's RenderRequest without the source audio (the
 * capture is the source) plus the engine's identity. Engine-specific extra fields are kept as given.
 */
export type StoredRenderRequest = Omit<RenderRequest, 'source'> & {
  readonly engineId: string;
  readonly engineVersion?: string;
  readonly [extra: string]: unknown;
};

export interface TakeInput {
  readonly captureId: string;
  /** The full request that produced this take; it and `seed` regenerate the take bit-for-bit. */
  readonly request: StoredRenderRequest;
  /** Which variation of the request this take is (0-based, < request.variations). */
  readonly variationIndex: number;
  /** The take's own seed (RenderedTake.seed). */
  readonly seed: number;
  /** Length in sample frames of the decoded audio. */
  readonly frames: number;
  /** Engine facts worth keeping (RenderedTake.info). */
  readonly info?: JsonObject;
  readonly audio: AudioFileInput;
}

export interface TakeRecord extends FileFacts {
  readonly id: string;
  readonly captureId: string;
  readonly createdAt: number;
  readonly engineId: string;
  readonly engineVersion: string | null;
  readonly model: string | null;
  readonly prompt: string | null;
  readonly strength: number;
  readonly cfg: number | null;
  readonly cfgBeta: number | null;
  readonly topK: number | null;
  readonly topP: number | null;
  readonly temperature: number | null;
  readonly seed: number;
  readonly variationIndex: number;
  readonly bpm: number;
  readonly meter: Meter;
  readonly bars: number;
  readonly sampleRate: number;
  readonly channels: number;
  readonly frames: number;
  readonly durationSeconds: number;
  readonly favourite: boolean;
  readonly deleted: boolean;
  readonly request: JsonObject;
  readonly info: JsonObject;
}

export interface BounceStemInput {
  /** Track identity as the user knows it (track name or plugin instance id). */
  readonly track: string;
  /** The takes this stem is made of: one for the whole range, or one per bar (an arrangement); empty for the dry input. */
  readonly takeIds: readonly string[];
  /** File name without folder or extension; default: "<2-digit position>-<track>" made safe. */
  readonly name?: string;
  readonly audio: AudioFileInput;
}

export interface BounceInput {
  /** First bar of the range (0-based, inclusive). */
  readonly fromBar: number;
  /** Bar line where the range ends (exclusive): the bounce holds bars fromBar .. toBar-1. */
  readonly toBar: number;
  /** "wav" or "flac" (any allowed extension); every stem must use it. */
  readonly format: string;
  readonly stems: readonly BounceStemInput[];
  /** An absolute folder outside the project for the stems; default: "bounces/<id>" in the project. */
  readonly outDir?: string;
}

export interface BounceStemRecord extends FileFacts {
  readonly position: number;
  readonly track: string;
  readonly takeIds: readonly string[];
}

export interface BounceRecord {
  readonly id: string;
  readonly createdAt: number;
  readonly fromBar: number;
  readonly toBar: number;
  readonly format: string;
  /** "bounces/<id>" inside the project, or the absolute outDir. */
  readonly folder: string;
  readonly stems: readonly BounceStemRecord[];
}
