// The Unigram tokenizer of docs/model-package.md section 5 (reads a Hugging Face tokenizer.json).
import { StylebridgeError } from '../../common/errors.js';

const META = '\u2581';
/** Whitespace as the contract defines it (the code points Python's str.isspace() accepts). */
// eslint-disable-next-line no-control-regex -- U+001C..U+001F are whitespace by the contract
const WHITESPACE = new RegExp('[\\t\\n\\v\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+', 'u');

export interface UnigramIds {
  readonly padId: number;
  readonly eosId: number;
  readonly unkId: number;
}

export class UnigramTokenizer {
  private readonly pieces = new Map<string, { id: number; score: number }>();
  private readonly unkScore: number;
  private readonly maxLen: number;

  constructor(vocab: ReadonlyArray<readonly [string, number]>, readonly ids: UnigramIds) {
    let min = Infinity;
    let maxLen = 1;
    vocab.forEach(([piece, score], id) => {
      if (!this.pieces.has(piece)) this.pieces.set(piece, { id, score });
      min = Math.min(min, score);
      maxLen = Math.max(maxLen, Array.from(piece).length);
    });
    this.unkScore = min - 10;
    this.maxLen = maxLen;
  }

  /** Parses tokenizer.json text; throws MODEL_FILE_CORRUPT when it is not a Unigram tokenizer. */
  static fromJson(text: string, ids: UnigramIds, file = 'tokenizer.json'): UnigramTokenizer {
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch (err) {
      throw new StylebridgeError('MODEL_FILE_CORRUPT', `${file} is not valid JSON`, { file }, { cause: err });
    }
    const model = (j as { model?: { type?: unknown; vocab?: unknown } } | null)?.model;
    const vocab = model?.vocab;
    if (model?.type !== 'Unigram' || !Array.isArray(vocab) || vocab.length === 0
      || !vocab.every((v) => Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number' && Number.isFinite(v[1]))) {
      throw new StylebridgeError('MODEL_FILE_CORRUPT', `${file} is not a Unigram tokenizer with a [piece, score] vocabulary`, { file });
    }
    for (const id of [ids.padId, ids.eosId, ids.unkId]) {
      if (!Number.isInteger(id) || id < 0 || id >= vocab.length) {
        throw new StylebridgeError('MODEL_FILE_CORRUPT', `${file}: special id ${id} is outside the vocabulary`, { file, id });
      }
    }
    return new UnigramTokenizer(vocab as [string, number][], ids);
  }

  static normalize(text: string): string {
    return text.normalize('NFKC').split(WHITESPACE).filter((w) => w.length > 0).join(' ');
  }

  /** Token ids with end-of-sequence appended; [] when the normalised text is empty. */
  encode(text: string, maxTokens: number): number[] {
    const norm = UnigramTokenizer.normalize(text);
    if (norm === '') return [];
    const ids: number[] = [];
    for (const word of norm.split(' ')) ids.push(...this.word(Array.from(META + word)));
    return [...ids.slice(0, Math.max(0, maxTokens - 1)), this.ids.eosId];
  }

  private word(cps: string[]): number[] {
    const n = cps.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const backStart = new Int32Array(n + 1);
    const backId = new Int32Array(n + 1);
    best[0] = 0;
    for (let e = 1; e <= n; e++) {
      for (let s = Math.max(0, e - this.maxLen); s < e; s++) {
        if (best[s] === -Infinity) continue;
        const hit = this.pieces.get(cps.slice(s, e).join(''));
        let cand: number;
        let id: number;
        if (hit) { cand = best[s]! + hit.score; id = hit.id; }
        else if (e - s === 1) { cand = best[s]! + this.unkScore; id = this.ids.unkId; }
        else continue;
        if (cand > best[e]!) { best[e] = cand; backStart[e] = s; backId[e] = id; }
      }
    }
    const out: number[] = [];
    for (let e = n; e > 0; e = backStart[e]!) out.push(backId[e]!);
    return out.reverse();
  }
}
