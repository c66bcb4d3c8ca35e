// Options of the project library: every limit is named here with its default beside it.

/** File extensions the library stores (lower case, no dot). The bytes must start with the matching header. */
export const DEFAULT_AUDIO_EXTENSIONS = ['wav', 'flac', 'aiff', 'aif', 'mp3', 'ogg'] as const;

export interface LibraryOptions {
  /** Open without writing: no lock, no migration, no sweep. Default false. */
  readonly readOnly?: boolean;
  /** Create the folder and the database when they do not exist. Default true (ignored when readOnly). */
  readonly create?: boolean;
  /** Run the orphan sweep when the project opens (read-write only). Default true. */
  readonly sweepOnOpen?: boolean;
  /** Largest audio file accepted, in bytes. Default 1 GiB. */
  readonly maxFileBytes?: number;
  /** Largest stored render request or info object, as JSON text, in bytes. Default 64 KiB. */
  readonly maxJsonBytes?: number;
  /** Longest free text (prompt, track name, DAW name, key, note), in characters. Default 2000. */
  readonly maxTextChars?: number;
  /** Most stems one bounce may hold. Default 256. */
  readonly maxBounceStems?: number;
  /** Largest page a search or list may return. Default 1000; the default page is 100. */
  readonly maxSearchLimit?: number;
  /** How long a statement waits for a lock held by a reader before failing, in ms. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Allowed audio extensions. Default DEFAULT_AUDIO_EXTENSIONS. */
  readonly audioExtensions?: readonly string[];
  /** Clock for created_at, in ms since the epoch. Default Date.now (tests pass a fixed clock). */
  readonly now?: () => number;
}

export interface ResolvedLibraryOptions {
  readonly readOnly: boolean;
  readonly create: boolean;
  readonly sweepOnOpen: boolean;
  readonly maxFileBytes: number;
  readonly maxJsonBytes: number;
  readonly maxTextChars: number;
  readonly maxBounceStems: number;
  readonly maxSearchLimit: number;
  readonly defaultSearchLimit: number;
  readonly busyTimeoutMs: number;
  readonly audioExtensions: readonly string[];
  readonly now: () => number;
}

export const LIBRARY_DEFAULTS = {
  readOnly: false,
  create: true,
  sweepOnOpen: true,
  maxFileBytes: 1024 * 1024 * 1024,
  maxJsonBytes: 64 * 1024,
  maxTextChars: 2000,
  maxBounceStems: 256,
  maxSearchLimit: 1000,
  defaultSearchLimit: 100,
  busyTimeoutMs: 5000,
  audioExtensions: DEFAULT_AUDIO_EXTENSIONS as readonly string[],
} as const;

export function resolveOptions(opts: LibraryOptions = {}): ResolvedLibraryOptions {
  const positive = (name: string, v: number | undefined, d: number): number => {
    if (v === undefined) return d;
    if (!Number.isInteger(v) || v <= 0) throw new TypeError(`openProject: option ${name} must be a positive integer, got ${String(v)}`);
    return v;
  };
  const maxSearchLimit = positive('maxSearchLimit', opts.maxSearchLimit, LIBRARY_DEFAULTS.maxSearchLimit);
  return {
    readOnly: opts.readOnly ?? LIBRARY_DEFAULTS.readOnly,
    create: opts.create ?? LIBRARY_DEFAULTS.create,
    sweepOnOpen: opts.sweepOnOpen ?? LIBRARY_DEFAULTS.sweepOnOpen,
    maxFileBytes: positive('maxFileBytes', opts.maxFileBytes, LIBRARY_DEFAULTS.maxFileBytes),
    maxJsonBytes: positive('maxJsonBytes', opts.maxJsonBytes, LIBRARY_DEFAULTS.maxJsonBytes),
    maxTextChars: positive('maxTextChars', opts.maxTextChars, LIBRARY_DEFAULTS.maxTextChars),
    maxBounceStems: positive('maxBounceStems', opts.maxBounceStems, LIBRARY_DEFAULTS.maxBounceStems),
    maxSearchLimit,
    defaultSearchLimit: Math.min(LIBRARY_DEFAULTS.defaultSearchLimit, maxSearchLimit),
    busyTimeoutMs: positive('busyTimeoutMs', opts.busyTimeoutMs, LIBRARY_DEFAULTS.busyTimeoutMs),
    audioExtensions: (opts.audioExtensions ?? LIBRARY_DEFAULTS.audioExtensions).map((e) => e.toLowerCase()),
    now: opts.now ?? Date.now,
  };
}
