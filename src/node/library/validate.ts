// Checks every record field that comes from outside before it reaches SQLite or the disk; failures are LIBRARY_BAD_RECORD.
import { StylebridgeError } from '../../common/errors.js';
import type { ErrorCode } from '../../common/error-codes.js';
import { assertBpm, assertMeter, assertSampleRate, type Meter } from '../../common/timing.js';
import type { AudioFileInput, JsonObject } from './records.js';
import type { ResolvedLibraryOptions } from './options.js';

/** Sanity bounds of record fields (not user-tunable: beyond them a value is a bug, not a big project). */
export const RECORD_BOUNDS = {
  maxChannels: 64,
  maxBars: 100_000,
  maxBarIndex: 1_000_000,
  maxVariations: 1000,
  maxIdChars: 200,
} as const;

export class FieldChecker {
  constructor(private readonly opts: ResolvedLibraryOptions, private readonly code: ErrorCode = 'LIBRARY_BAD_RECORD') {}

  fail(field: string, expected: string, value: unknown): never {
    const shown = typeof value === 'string' && value.length > 80 ? `${value.slice(0, 80)}...` : value;
    throw new StylebridgeError(this.code, `Field ${field} must be ${expected}; got ${describe(shown)}.`, { field, expected });
  }

  object(field: string, v: unknown): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'an object', v);
    return v as Record<string, unknown>;
  }

  text(field: string, v: unknown, maxChars = this.opts.maxTextChars): string {
    if (typeof v !== 'string' || v.length === 0 || v.length > maxChars) this.fail(field, `a non-empty string of at most ${maxChars} characters`, v);
    return v;
  }

  optText(field: string, v: unknown, maxChars = this.opts.maxTextChars): string | null {
    return v === undefined || v === null ? null : this.text(field, v, maxChars);
  }

  int(field: string, v: unknown, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) this.fail(field, `an integer in ${min}..${max}`, v);
    return v;
  }

  optInt(field: string, v: unknown, min: number, max: number): number | null {
    return v === undefined || v === null ? null : this.int(field, v, min, max);
  }

  num(field: string, v: unknown, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) this.fail(field, `a finite number in ${min}..${max}`, v);
    return v;
  }

  optNum(field: string, v: unknown, min?: number, max?: number): number | null {
    return v === undefined || v === null ? null : this.num(field, v, min, max);
  }

  bool(field: string, v: unknown): boolean {
    if (typeof v !== 'boolean') this.fail(field, 'true or false', v);
    return v;
  }

  bpm(field: string, v: unknown): number {
    return this.viaTiming(field, 'a tempo in 20..999 BPM', v, () => assertBpm(v as number)) as number;
  }

  meter(field: string, v: unknown): Meter {
    const m = this.object(field, v);
    this.viaTiming(field, 'a supported meter {numerator, denominator}', v, () => assertMeter(m as unknown as Meter));
    return { numerator: m.numerator as number, denominator: m.denominator as number };
  }

  sampleRate(field: string, v: unknown): number {
    return this.viaTiming(field, 'an integer sample rate in 22050..192000', v, () => assertSampleRate(v as number)) as number;
  }

  /** A JSON object that survives JSON round-trip and fits maxJsonBytes. */
  json(field: string, v: unknown): { value: JsonObject; text: string } {
    this.object(field, v);
    let text: string;
    try {
      text = JSON.stringify(v);
    } catch (err) {
      this.fail(field, `JSON-serialisable (${(err as Error).message})`, '[unserialisable]');
    }
    const bytes = Buffer.byteLength(text);
    if (bytes > this.opts.maxJsonBytes) this.fail(field, `at most ${this.opts.maxJsonBytes} bytes of JSON (maxJsonBytes)`, `${bytes} bytes`);
    return { value: JSON.parse(text) as JsonObject, text };
  }

  private viaTiming(field: string, expected: string, v: unknown, check: () => void): unknown {
    try {
      check();
    } catch (err) {
      if (err instanceof StylebridgeError) this.fail(field, expected, v);
      throw err;
    }
    return v;
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}

/** Header checks per extension: the first bytes a real file of that type starts with. */
const HEADERS: Record<string, (b: Uint8Array) => boolean> = {
  wav: (b) => (ascii(b, 0, 4) === 'RIFF' || ascii(b, 0, 4) === 'RF64' || ascii(b, 0, 4) === 'BW64') && ascii(b, 8, 4) === 'WAVE',
  aiff: (b) => ascii(b, 0, 4) === 'FORM' && (ascii(b, 8, 4) === 'AIFF' || ascii(b, 8, 4) === 'AIFC'),
  flac: (b) => ascii(b, 0, 4) === 'fLaC',
  ogg: (b) => ascii(b, 0, 4) === 'OggS',
  mp3: (b) => ascii(b, 0, 3) === 'ID3' || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0),
};
HEADERS.aif = HEADERS.aiff!;

function ascii(b: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...b.subarray(at, at + n));
}

/** Validates encoded audio: allowed extension, size within maxFileBytes, bytes that start like that format. */
export function checkAudio(field: string, audio: unknown, opts: ResolvedLibraryOptions): { bytes: Uint8Array; extension: string } {
  const c: FieldChecker = new FieldChecker(opts);
  const a = c.object(field, audio) as Partial<AudioFileInput>;
  if (!(a.bytes instanceof Uint8Array)) c.fail(`${field}.bytes`, 'a Uint8Array of encoded audio', a.bytes);
  const bytes = a.bytes;
  const ext = typeof a.extension === 'string' ? a.extension.replace(/^\./, '').toLowerCase() : '';
  if (!opts.audioExtensions.includes(ext) || !HEADERS[ext]) {
    throw new StylebridgeError('LIBRARY_BAD_AUDIO', `Extension ${JSON.stringify(a.extension)} is not one of ${opts.audioExtensions.join(', ')}.`,
      { field: `${field}.extension`, allowed: [...opts.audioExtensions] });
  }
  if (bytes.length > opts.maxFileBytes) {
    throw new StylebridgeError('LIBRARY_FILE_TOO_LARGE', `Audio of ${bytes.length} bytes exceeds maxFileBytes (${opts.maxFileBytes}).`,
      { field: `${field}.bytes`, bytes: bytes.length, maxFileBytes: opts.maxFileBytes });
  }
  if (bytes.length < 12 || !HEADERS[ext](bytes)) {
    throw new StylebridgeError('LIBRARY_BAD_AUDIO', `The bytes do not start with a ${ext} header.`, { field: `${field}.bytes`, extension: ext });
  }
  return { bytes, extension: ext };
}
