// Reads and validates a model package's manifest.json (docs/model-package.md section 2).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StylebridgeError } from '../../common/errors.js';

/** Largest manifest.json accepted, in bytes. */
export const MAX_MANIFEST_BYTES = 1 << 20;
/** The format versions this code understands. */
export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [1];
export const GRAPH_NAMES = ['text_encoder', 'style_encoder', 'lm', 'lm_kv', 'lm_fused', 'codec_encode', 'codec_decode'] as const;
export type GraphName = (typeof GRAPH_NAMES)[number];
export type ModelFamily = 'musicgen-style' | 'musicgen';

export interface GraphEntry {
  readonly file: string;
  readonly variants: Readonly<Record<string, string>>;
  readonly sha256?: string;
}

export interface ModelManifest {
  readonly format: 'stylebridge-model-package';
  readonly formatVersion: number;
  readonly family: ModelFamily;
  readonly name: string;
  readonly description?: string;
  readonly codec: { sampleRate: number; channels: 1; hopLength: number; frameRate: number; codebooks: number; card: number };
  readonly lm: { dim: number; layers: number; heads: number; specialToken: number; delayPattern: readonly number[]; maxPositions: number };
  readonly text: { maxTokens: number } | null;
  readonly style: {
    sampleRate: number;
    excerptSeconds: { min: number; max: number; default: number };
    maxStreams: number;
    frontend: { kernel: number; hop: number };
    downsample: number;
  } | null;
  readonly tokenizer: { file: string; type: 'unigram'; padId: number; eosId: number; unkId: number } | null;
  readonly defaults: { topK: number; topP: number; temperature: number; cfg: number; cfgBeta: number | null; streams: number };
  readonly graphs: Readonly<Partial<Record<GraphName, GraphEntry>>>;
}

type Obj = Record<string, unknown>;

function bad(field: string, why: string, value?: unknown): never {
  throw new StylebridgeError('MODEL_MANIFEST_INVALID', `manifest.json: ${field} ${why}`, { field, ...(value !== undefined ? { value } : {}) });
}

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(field, 'must be an object', v);
  return v as Obj;
}

function int(o: Obj, key: string, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${field}.${key}`, `must be an integer in ${min}..${max}`, v);
  return v;
}

function num(o: Obj, key: string, field: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) bad(`${field}.${key}`, `must be a number in ${min}..${max}`, v);
  return v;
}

function str(o: Obj, key: string, field: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > 256) bad(`${field}.${key}`, 'must be a non-empty string of at most 256 characters', v);
  return v;
}

/** A relative path inside the package: no `..`, no absolute path, no backslash, no NUL. */
function relPath(o: Obj, key: string, field: string): string {
  const v = str(o, key, field);
  if (v.startsWith('/') || v.includes('\\') || v.includes('\0') || v.split('/').some((p) => p === '..' || p === '')) {
    bad(`${field}.${key}`, 'must be a relative path inside the package folder', v);
  }
  return v;
}

/** Validates a parsed manifest.json. Throws MODEL_VERSION_UNSUPPORTED or MODEL_MANIFEST_INVALID. */
export function parseManifest(raw: unknown): ModelManifest {
  const m = obj(raw, 'manifest');
  if (m.format !== 'stylebridge-model-package') {
    throw new StylebridgeError('MODEL_VERSION_UNSUPPORTED', `manifest.json: format must be "stylebridge-model-package"`, { field: 'format', value: m.format });
  }
  if (typeof m.format_version !== 'number' || !SUPPORTED_FORMAT_VERSIONS.includes(m.format_version)) {
    throw new StylebridgeError('MODEL_VERSION_UNSUPPORTED', `manifest.json: format_version ${String(m.format_version)} is not supported (known: ${SUPPORTED_FORMAT_VERSIONS.join(', ')})`,
      { field: 'format_version', value: m.format_version });
  }
  const family = m.family;
  if (family !== 'musicgen-style' && family !== 'musicgen') bad('family', 'must be "musicgen-style" or "musicgen"', family);
  const name = str(m, 'name', 'manifest');
  const description = m.description === undefined ? undefined : str(m, 'description', 'manifest');

  const c = obj(m.codec, 'codec');
  const codec = {
    sampleRate: int(c, 'sample_rate', 'codec', 8000, 192000),
    channels: int(c, 'channels', 'codec', 1, 1) as 1,
    hopLength: int(c, 'hop_length', 'codec', 1, 1 << 16),
    frameRate: num(c, 'frame_rate', 'codec', 1, 1000),
    codebooks: int(c, 'codebooks', 'codec', 1, 64),
    card: int(c, 'card', 'codec', 2, 1 << 20),
  };
  if (Math.abs(codec.frameRate - codec.sampleRate / codec.hopLength) > 1e-9 * codec.frameRate) {
    bad('codec.frame_rate', 'must equal sample_rate / hop_length', codec.frameRate);
  }

  const l = obj(m.lm, 'lm');
  const delay = l.delay_pattern;
  if (!Array.isArray(delay) || delay.length !== codec.codebooks || !delay.every((d) => Number.isInteger(d) && d >= 0 && d <= 64)) {
    bad('lm.delay_pattern', `must be ${codec.codebooks} integers in 0..64`, delay);
  }
  const lm = {
    dim: int(l, 'dim', 'lm', 1, 65536),
    layers: int(l, 'layers', 'lm', 1, 1024),
    heads: int(l, 'heads', 'lm', 1, 1024),
    specialToken: int(l, 'special_token', 'lm', 0, 1 << 20),
    delayPattern: delay as number[],
    maxPositions: int(l, 'max_positions', 'lm', 1, 1 << 24),
  };
  if (lm.dim % lm.heads !== 0) bad('lm.dim', 'must be a multiple of lm.heads', lm.dim);
  if (lm.specialToken !== codec.card) bad('lm.special_token', 'must equal codec.card', lm.specialToken);

  const cond = obj(m.conditioning, 'conditioning');
  const text = cond.text === null ? null : { maxTokens: int(obj(cond.text, 'conditioning.text'), 'max_tokens', 'conditioning.text', 1, 4096) };
  let style: ModelManifest['style'] = null;
  if (cond.style !== null) {
    const s = obj(cond.style, 'conditioning.style');
    const ex = obj(s.excerpt_seconds, 'conditioning.style.excerpt_seconds');
    const fe = obj(s.frontend, 'conditioning.style.frontend');
    const excerptSeconds = {
      min: num(ex, 'min', 'conditioning.style.excerpt_seconds', 0.1, 600),
      max: num(ex, 'max', 'conditioning.style.excerpt_seconds', 0.1, 600),
      default: num(ex, 'default', 'conditioning.style.excerpt_seconds', 0.1, 600),
    };
    if (!(excerptSeconds.min <= excerptSeconds.default && excerptSeconds.default <= excerptSeconds.max)) {
      bad('conditioning.style.excerpt_seconds', 'must satisfy min <= default <= max', excerptSeconds);
    }
    style = {
      sampleRate: int(s, 'sample_rate', 'conditioning.style', 8000, 192000),
      excerptSeconds,
      maxStreams: int(s, 'max_streams', 'conditioning.style', 1, 64),
      frontend: { kernel: int(fe, 'kernel', 'conditioning.style.frontend', 1, 1 << 20), hop: int(fe, 'hop', 'conditioning.style.frontend', 1, 1 << 20) },
      downsample: int(s, 'downsample', 'conditioning.style', 1, 4096),
    };
  }
  if (family === 'musicgen-style' && style === null) bad('conditioning.style', 'is required for family musicgen-style');
  if (family === 'musicgen' && style !== null) bad('conditioning.style', 'must be null for family musicgen');
  if (family === 'musicgen' && text === null) bad('conditioning.text', 'is required for family musicgen');

  let tokenizer: ModelManifest['tokenizer'] = null;
  if (text !== null) {
    const t = obj(m.tokenizer, 'tokenizer');
    if (t.type !== 'unigram') bad('tokenizer.type', 'must be "unigram"', t.type);
    tokenizer = {
      file: relPath(t, 'file', 'tokenizer'), type: 'unigram',
      padId: int(t, 'pad_id', 'tokenizer', 0), eosId: int(t, 'eos_id', 'tokenizer', 0), unkId: int(t, 'unk_id', 'tokenizer', 0),
    };
  }

  const d = obj(m.defaults, 'defaults');
  const cfgBeta = d.cfg_beta === null ? null : num(d, 'cfg_beta', 'defaults', 0, 100);
  const defaults = {
    topK: int(d, 'top_k', 'defaults', 0, 1 << 20), // larger than card means all tokens (section 4.5)
    topP: num(d, 'top_p', 'defaults', 0, 1),
    temperature: num(d, 'temperature', 'defaults', 0, 100),
    cfg: num(d, 'cfg', 'defaults', 0, 100),
    cfgBeta,
    streams: style ? int(d, 'streams', 'defaults', 1, style.maxStreams) : int(d, 'streams', 'defaults', 0, 64),
  };

  const g = obj(m.graphs, 'graphs');
  const graphs: Partial<Record<GraphName, GraphEntry>> = {};
  const required: GraphName[] = ['lm', 'lm_kv', 'codec_encode', 'codec_decode'];
  if (text) required.push('text_encoder');
  if (style) required.push('style_encoder');
  for (const name of GRAPH_NAMES) {
    if (g[name] === undefined) {
      if (required.includes(name)) bad(`graphs.${name}`, 'is required');
      continue;
    }
    const e = obj(g[name], `graphs.${name}`);
    const variants: Record<string, string> = {};
    if (e.variants !== undefined) {
      const v = obj(e.variants, `graphs.${name}.variants`);
      for (const k of Object.keys(v)) variants[k] = relPath(v, k, `graphs.${name}.variants`);
    }
    let sha256: string | undefined;
    if (e.sha256 !== undefined) {
      if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) bad(`graphs.${name}.sha256`, 'must be 64 lowercase hex digits', e.sha256);
      sha256 = e.sha256;
    }
    graphs[name] = { file: relPath(e, 'file', `graphs.${name}`), variants, ...(sha256 ? { sha256 } : {}) };
  }
  return {
    format: 'stylebridge-model-package', formatVersion: m.format_version, family, name,
    ...(description !== undefined ? { description } : {}),
    codec, lm, text, style, tokenizer, defaults, graphs,
  };
}

/** Reads `dir/manifest.json`; throws MODEL_MANIFEST_MISSING, MODEL_LIMIT_EXCEEDED, MODEL_MANIFEST_INVALID, MODEL_VERSION_UNSUPPORTED. */
export async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, 'manifest.json');
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch (err) {
    throw new StylebridgeError('MODEL_MANIFEST_MISSING', `no manifest.json in ${dir}`, { dir }, { cause: err });
  }
  if (size > MAX_MANIFEST_BYTES) {
    throw new StylebridgeError('MODEL_LIMIT_EXCEEDED', `manifest.json is ${size} bytes, more than ${MAX_MANIFEST_BYTES}`, { limit: 'MAX_MANIFEST_BYTES', value: MAX_MANIFEST_BYTES, size });
  }
  const text = await readFile(path, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StylebridgeError('MODEL_MANIFEST_INVALID', `manifest.json is not valid JSON: ${(err as Error).message}`, { field: 'manifest' }, { cause: err });
  }
  return parseManifest(raw);
}
