// Runs a model package with onnxruntime-node in JavaScript: docs/model-package.md section 4, step by step.
// The native addon is the fast path; this loop is the readable one, used to check packages and parity vectors.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { StylebridgeError } from '../../common/errors.js';
import { readManifest, type GraphName, type ModelManifest } from './manifest.js';
import { variationRng } from './pcg32.js';
import { NATIVE_DOMAIN, usesNativeOperators } from './signatures.js';
import { combineGuidance, pickToken, type GuidanceMode } from './sampling.js';
import { UnigramTokenizer } from './unigram-tokenizer.js';

export interface GenerateRequest {
  /** Codec frames to generate (frame_rate per second). */
  readonly frames: number;
  /** Mono style excerpt at the manifest's style sample rate. */
  readonly styleAudio?: Float32Array;
  readonly prompt?: string;
  readonly streams?: number;
  readonly cfg?: number;
  /** null selects single guidance. */
  readonly cfgBeta?: number | null;
  readonly temperature?: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly greedy?: boolean;
  readonly seed: number;
  readonly variation?: number;
  /** Force a guidance mode; by default section 4.3 chooses. */
  readonly mode?: GuidanceMode;
  readonly signal?: AbortSignal;
  readonly onStep?: (done: number, total: number) => void;
}

export interface GenerateResult {
  /** codes[k][t], K rows of T frames. */
  readonly codes: Int32Array[];
  readonly mode: GuidanceMode;
  readonly tokenIds: readonly number[];
  readonly prefixLength: number;
  readonly rows: number;
  readonly lmCalls: number;
}

export interface RunnerOptions {
  /** Which LM form runs the loop (default lm_kv). lm_fused runs without in-place binding: its present_* become the next caches. */
  readonly lm?: 'lm' | 'lm_kv' | 'lm_fused';
  /** A variant of that graph from the manifest ("int8", "int4"). */
  readonly variant?: string;
  readonly intraOpNumThreads?: number;
}

type Sess = ort.InferenceSession;

/** A MODEL_BAD_REQUEST error naming the request field. */
export function badRequest(field: string, message: string, value?: unknown): StylebridgeError {
  return new StylebridgeError('MODEL_BAD_REQUEST', message, { field, ...(value !== undefined ? { value } : {}) });
}

/** `v` when it is a finite number (an integer if asked) in min..max; MODEL_BAD_REQUEST otherwise. */
export function checkNumber(v: number, field: string, min: number, max: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw badRequest(field, `${field} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}`, v);
  }
  return v;
}

export class PackageRunner {
  private constructor(
    readonly manifest: ModelManifest,
    private readonly sessions: Partial<Record<GraphName, Sess>>,
    private readonly tokenizer: UnigramTokenizer | null,
    private readonly lmForm: 'lm' | 'lm_kv' | 'lm_fused',
  ) {}

  static async open(dir: string, options: RunnerOptions = {}): Promise<PackageRunner> {
    const manifest = await readManifest(dir);
    const lmForm = options.lm ?? 'lm_kv';
    const so: ort.InferenceSession.SessionOptions = { intraOpNumThreads: options.intraOpNumThreads ?? 1, interOpNumThreads: 1 };
    const sessions: Partial<Record<GraphName, Sess>> = {};
    const wanted: GraphName[] = [lmForm, 'codec_decode'];
    if (manifest.text) wanted.push('text_encoder');
    if (manifest.style) wanted.push('style_encoder');
    for (const g of wanted) {
      const entry = manifest.graphs[g];
      if (!entry) throw badRequest('lm', `this package has no graph ${g}`, g);
      let file = entry.file;
      if (g === lmForm && options.variant) {
        const v = entry.variants[options.variant];
        if (!v) throw badRequest('variant', `graph ${g} has no variant ${options.variant}`, options.variant);
        file = v;
      }
      try {
        sessions[g] = await ort.InferenceSession.create(join(dir, file), so);
      } catch (err) {
        const message = (err as Error).message;
        if (usesNativeOperators(message)) {
          throw new StylebridgeError('MODEL_NATIVE_REQUIRED', `${file} uses the native addon's own operators (${NATIVE_DOMAIN}); this loop runs on onnxruntime-node, which lacks them`, { file }, { cause: err });
        }
        throw new StylebridgeError('MODEL_FILE_CORRUPT', `cannot load ${file}: ${message.slice(0, 300)}`, { file }, { cause: err });
      }
    }
    let tokenizer: UnigramTokenizer | null = null;
    if (manifest.tokenizer) {
      tokenizer = UnigramTokenizer.fromJson(await readFile(join(dir, manifest.tokenizer.file), 'utf8'), manifest.tokenizer, manifest.tokenizer.file);
    }
    return new PackageRunner(manifest, sessions, tokenizer, lmForm);
  }

  /** Token ids of a prompt (section 5); [] when it is empty. */
  tokenize(prompt: string): number[] {
    if (!this.tokenizer || !this.manifest.text) throw badRequest('prompt', 'this model takes no text');
    return this.tokenizer.encode(prompt, this.manifest.text.maxTokens);
  }

  async release(): Promise<void> {
    for (const s of Object.values(this.sessions)) await s.release();
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const m = this.manifest;
    const d = m.defaults;
    const { dim: D, heads: H, layers: L, delayPattern: delays, specialToken: special } = m.lm;
    const K = m.codec.codebooks;
    const card = m.codec.card;
    const frames = checkNumber(req.frames, 'frames', 1, m.lm.maxPositions, true);
    const cfg = checkNumber(req.cfg ?? d.cfg, 'cfg', 0, 100);
    const cfgBeta = req.cfgBeta === undefined ? d.cfgBeta : req.cfgBeta === null ? null : checkNumber(req.cfgBeta, 'cfgBeta', 0, 100);
    const pick = {
      temperature: checkNumber(req.temperature ?? d.temperature, 'temperature', 0, 100),
      topK: checkNumber(req.topK ?? d.topK, 'topK', 0, 1 << 20, true),
      topP: checkNumber(req.topP ?? d.topP, 'topP', 0, 1),
      greedy: req.greedy ?? false,
    };
    const rng = variationRng(checkNumber(req.seed, 'seed', 0, Number.MAX_SAFE_INTEGER, true), checkNumber(req.variation ?? 0, 'variation', 0, 1 << 20, true));

    // Conditioning blocks (section 4.2)
    let style: ort.Tensor | null = null;
    if (req.styleAudio) {
      if (!m.style) throw badRequest('styleAudio', 'this model takes no style audio');
      const sr = m.style.sampleRate;
      const n = req.styleAudio.length;
      const min = Math.floor(m.style.excerptSeconds.min * sr);
      const max = Math.ceil(m.style.excerptSeconds.max * sr);
      if (n < min || n > max) throw badRequest('styleAudio', `style excerpt has ${n} samples; allowed ${min}..${max} at ${sr} Hz`, n);
      const streams = checkNumber(req.streams ?? d.streams, 'streams', 1, m.style.maxStreams, true);
      const out = await this.sessions.style_encoder!.run({
        audio: new ort.Tensor('float32', req.styleAudio, [1, n]),
        num_streams: new ort.Tensor('int64', BigInt64Array.of(BigInt(streams)), [1]),
      });
      style = out.style_embeds!;
    }
    let text: ort.Tensor | null = null;
    const tokenIds = req.prompt !== undefined && m.text ? this.tokenize(req.prompt) : [];
    if (req.prompt !== undefined && !m.text && req.prompt.trim() !== '') throw badRequest('prompt', 'this model takes no text');
    if (tokenIds.length > 0) {
      const ids = BigInt64Array.from(tokenIds, (v) => BigInt(v));
      const out = await this.sessions.text_encoder!.run({
        input_ids: new ort.Tensor('int64', ids, [1, ids.length]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      });
      text = out.text_embeds!;
    }
    const hasStyle = style !== null;
    const hasText = text !== null;
    let mode: GuidanceMode;
    if (req.mode) {
      if (req.mode === 'double' && !(hasStyle && hasText && cfgBeta !== null)) throw badRequest('mode', 'double guidance needs style audio, a prompt and cfgBeta');
      mode = req.mode;
    } else {
      mode = hasStyle && hasText && cfgBeta !== null ? 'double' : 'single';
    }
    const ns = style ? style.dims[1]! : 0;
    const nt = text ? text.dims[1]! : 0;
    const P = ns + nt;
    const rows = mode === 'none' ? 1 : mode === 'single' ? 2 : 3;
    const dmax = Math.max(...delays);
    const capacity = P + frames + dmax;
    if (capacity > m.lm.maxPositions) {
      throw new StylebridgeError('MODEL_LIMIT_EXCEEDED', `prefix ${P} + frames ${frames} + delay ${dmax} exceeds the model's ${m.lm.maxPositions} positions`,
        { limit: 'lm.max_positions', value: m.lm.maxPositions, requested: capacity });
    }
    // Rows' prefixes: row 0 [style|text], row 1 [style|0] (double) or zeros (single), last row zeros.
    const prefix = new Float32Array(rows * P * D);
    const sData = style ? (style.data as Float32Array) : null;
    const tData = text ? (text.data as Float32Array) : null;
    const fill = (row: number, withStyle: boolean, withText: boolean) => {
      const base = row * P * D;
      if (withStyle && sData) prefix.set(sData, base);
      if (withText && tData) prefix.set(tData, base + ns * D);
    };
    fill(0, true, true);
    if (mode === 'double') fill(1, true, false);

    // The loop (section 4.4)
    const sTotal = frames + dmax + 1;
    const seq = Array.from({ length: K }, () => new Int32Array(sTotal).fill(special));
    const dh = D / H;
    const lmSession = this.sessions[this.lmForm]!;
    let past: ort.Tensor[] = [];
    let caches: Float32Array[] = [];
    if (this.lmForm === 'lm') {
      for (let i = 0; i < 2 * L; i++) past.push(new ort.Tensor('float32', new Float32Array(0), [rows, H, 0, dh]));
    } else {
      caches = Array.from({ length: 2 * L }, () => new Float32Array(rows * H * capacity * dh));
    }
    let position = 0;
    const call = async (s: number, withPrefix: boolean): Promise<Float32Array> => {
      const codes = new BigInt64Array(rows * K);
      for (let r = 0; r < rows; r++) for (let k = 0; k < K; k++) codes[r * K + k] = BigInt(seq[k]![s]!);
      const p = withPrefix ? P : 0;
      const feeds: Record<string, ort.Tensor> = {
        prefix: new ort.Tensor('float32', withPrefix ? prefix : new Float32Array(0), [rows, p, D]),
        codes: new ort.Tensor('int64', codes, [rows, K, 1]),
      };
      const names = ['key', 'value'];
      if (this.lmForm === 'lm') {
        for (let i = 0; i < 2 * L; i++) feeds[`past_${names[i % 2]}.${i >> 1}`] = past[i]!;
      } else {
        feeds.position = new ort.Tensor('int64', BigInt64Array.of(BigInt(position)), [1]);
        for (let i = 0; i < 2 * L; i++) feeds[`cache_${names[i % 2]}.${i >> 1}`] = new ort.Tensor('float32', caches[i]!, [rows, H, capacity, dh]);
      }
      const out = await lmSession.run(feeds);
      const n = p + 1;
      if (this.lmForm === 'lm') {
        past = Array.from({ length: 2 * L }, (_, i) => out[`present_${names[i % 2]}.${i >> 1}`]!);
      } else if (this.lmForm === 'lm_fused') {
        // onnxruntime-node cannot bind an output to an input's memory: the whole buffer comes back each call.
        for (let i = 0; i < 2 * L; i++) caches[i] = out[`present_${names[i % 2]}.${i >> 1}`]!.data as Float32Array;
      } else {
        for (let i = 0; i < 2 * L; i++) {
          const nw = out[`new_${names[i % 2]}.${i >> 1}`]!.data as Float32Array;
          const buf = caches[i]!;
          for (let bh = 0; bh < rows * H; bh++) buf.set(nw.subarray(bh * n * dh, (bh + 1) * n * dh), (bh * capacity + position) * dh);
        }
      }
      position += n;
      return out.logits!.data as Float32Array;
    };

    let logits = await call(0, true);
    let lmCalls = 1;
    const rowLogits = Array.from({ length: rows }, () => new Float32Array(card));
    const combined = new Float64Array(card);
    for (let s = 1; s < sTotal; s++) {
      if (req.signal?.aborted) throw new StylebridgeError('CANCELLED');
      for (let k = 0; k < K; k++) {
        const t = s - 1 - delays[k]!;
        if (t < 0 || t >= frames) continue;
        for (let r = 0; r < rows; r++) rowLogits[r]!.set(logits.subarray((r * K + k) * card, (r * K + k + 1) * card));
        combineGuidance(rowLogits, mode, cfg, cfgBeta ?? 0, combined);
        seq[k]![s] = pickToken(combined, rng, pick);
      }
      req.onStep?.(s, sTotal - 1);
      if (s < sTotal - 1) {
        logits = await call(s, false);
        lmCalls++;
      }
    }
    const codes = Array.from({ length: K }, (_, k) => seq[k]!.slice(1 + delays[k]!, 1 + delays[k]! + frames));
    return { codes, mode, tokenIds, prefixLength: P, rows, lmCalls };
  }

  /** codec_decode: codes[k][t] -> mono audio at the codec rate. */
  async decode(codes: readonly Int32Array[]): Promise<Float32Array> {
    const K = codes.length;
    const T = codes[0]?.length ?? 0;
    const data = new BigInt64Array(K * T);
    for (let k = 0; k < K; k++) for (let t = 0; t < T; t++) data[k * T + t] = BigInt(codes[k]![t]!);
    const out = await this.sessions.codec_decode!.run({ codes: new ort.Tensor('int64', data, [1, K, T]) });
    return out.audio!.data as Float32Array;
  }
}
