// The tokenizer.json of an Optimum-layout MusicGen (a Hugging Face Unigram tokenizer), encoded as Transformers.js does.
import { StylebridgeError } from '../../common/errors.js';

/**
 * What Transformers.js 4.3 does with a T5-style tokenizer.json, step by step:
 * - added tokens (e.g. `</s>`) found verbatim in the text are split out first and kept whole;
 * - each remaining section is normalised (the `normalizer` chain), pre-tokenised (the `pre_tokenizer`
 *   chain; Metaspace replaces every space with U+2581 and prepends one, without splitting), and each
 *   pre-token is segmented by a Unigram lattice (best total score; on a tie the longer last piece);
 * - a character with no single-character piece is unknown; adjacent unknown pieces fuse into one `unk`;
 * - the post-processor template appends its special tokens (`</s>` for T5).
 * The library's `Precompiled` normaliser is not SentencePiece's character map but a fixed rule (drop
 * control characters, map listed spaces to U+0020, NFKC); this follows the library, not SentencePiece.
 */

type Normalizer = (text: string) => string;
type PreTokenizer = (words: string[], section: number) => string[];
type Obj = Record<string, unknown>;

interface AddedToken { readonly id: number; readonly content: string }

// eslint-disable-next-line no-control-regex -- the library drops these control characters
const CONTROLS = /[\u0001-\u0008\u000B\u000E-\u001F\u007F\u008F\u009F]/g;
// eslint-disable-next-line no-control-regex -- and maps these spaces (tab, newlines included) to U+0020
const SPACES = /[\u0009\u000A\u000C\u000D\u00A0\u1680\u2000-\u200F\u2028\u2029\u202F\u205F\u2581\u3000\uFEFF\uFFFD]/g;

function corrupt(file: string, why: string): StylebridgeError {
  return new StylebridgeError('OPTIMUM_FILE_CORRUPT', `${file}: ${why}`, { file });
}

function pattern(file: string, p: unknown): RegExp {
  const o = (p ?? {}) as Obj;
  if (typeof o.String === 'string') return new RegExp(o.String.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu');
  if (typeof o.Regex === 'string') {
    try {
      return new RegExp(o.Regex, 'gu');
    } catch {
      throw corrupt(file, `the Replace pattern ${o.Regex} is not supported`);
    }
  }
  throw corrupt(file, 'a Replace normalizer has no String or Regex pattern');
}

function normalizer(file: string, c: unknown): Normalizer {
  if (c === null || c === undefined) return (t) => t;
  const o = c as Obj;
  switch (o.type) {
    case 'Sequence': {
      const all = ((o.normalizers ?? []) as unknown[]).map((x) => normalizer(file, x));
      return (t) => all.reduce((s, f) => f(s), t);
    }
    case 'NFC': case 'NFD': case 'NFKC': case 'NFKD': {
      const form = o.type;
      return (t) => t.normalize(form);
    }
    case 'Replace': {
      const re = pattern(file, o.pattern);
      const content = typeof o.content === 'string' ? o.content : '';
      return (t) => t.replaceAll(re, content);
    }
    case 'Precompiled':
      return (t) => {
        const s = t.replace(CONTROLS, '').replace(SPACES, ' ');
        return s.includes('\uFF5E') ? s.split('\uFF5E').map((x) => x.normalize('NFKC')).join('\uFF5E') : s.normalize('NFKC');
      };
    case 'Strip':
      return (t) => (o.strip_left && o.strip_right ? t.trim() : o.strip_left ? t.trimStart() : o.strip_right ? t.trimEnd() : t);
    case 'Lowercase':
      return (t) => t.toLowerCase();
    case 'Prepend': {
      const pre = typeof o.prepend === 'string' ? o.prepend : '';
      return (t) => pre + t;
    }
    default:
      throw corrupt(file, `normalizer ${String(o.type)} is not supported`);
  }
}

function preTokenizer(file: string, c: unknown): PreTokenizer {
  if (c === null || c === undefined) return (w) => w;
  const o = c as Obj;
  switch (o.type) {
    case 'Sequence': {
      const all = ((o.pretokenizers ?? []) as unknown[]).map((x) => preTokenizer(file, x));
      return (w, section) => all.reduce((acc, f) => f(acc, section), w);
    }
    case 'WhitespaceSplit':
      return (w) => w.flatMap((x) => x.match(/\S+/g) ?? []);
    case 'Metaspace': {
      const rep = typeof o.replacement === 'string' ? o.replacement : '\u2581';
      const scheme = typeof o.prepend_scheme === 'string' ? o.prepend_scheme : 'always';
      return (w, section) => w.map((x) => {
        const s = x.replaceAll(' ', rep);
        return !s.startsWith(rep) && (scheme === 'always' || (scheme === 'first' && section === 0)) ? rep + s : s;
      });
    }
    default:
      throw corrupt(file, `pre_tokenizer ${String(o.type)} is not supported`);
  }
}

export class OptimumTokenizer {
  private constructor(
    private readonly ids: Map<string, number>,
    private readonly scores: Map<string, number>,
    private readonly maxPiece: number,
    private readonly unkId: number,
    private readonly unkScore: number,
    private readonly added: readonly AddedToken[],
    private readonly normalize: Normalizer,
    private readonly preTokenize: PreTokenizer,
    private readonly suffix: readonly string[],
  ) {}

  /** Parses tokenizer.json text; throws OPTIMUM_FILE_CORRUPT when it is not a Unigram tokenizer this code can run. */
  static fromJson(text: string, file = 'tokenizer.json'): OptimumTokenizer {
    let j: Obj;
    try {
      j = JSON.parse(text) as Obj;
    } catch (err) {
      throw new StylebridgeError('OPTIMUM_FILE_CORRUPT', `${file} is not valid JSON`, { file }, { cause: err });
    }
    const model = (j?.model ?? {}) as Obj;
    const vocab = model.vocab;
    if (model.type !== 'Unigram' || !Array.isArray(vocab) || vocab.length === 0
      || !vocab.every((v) => Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number' && Number.isFinite(v[1]))) {
      throw corrupt(file, 'not a Unigram tokenizer with a [piece, score] vocabulary');
    }
    const unkId = model.unk_id;
    if (typeof unkId !== 'number' || !Number.isInteger(unkId) || unkId < 0 || unkId >= vocab.length) throw corrupt(file, 'model.unk_id is missing or outside the vocabulary');
    const ids = new Map<string, number>();
    const scores = new Map<string, number>();
    let min = Infinity;
    let maxPiece = 1;
    (vocab as [string, number][]).forEach(([piece, score], id) => {
      ids.set(piece, id); // a repeated piece takes its last id, as the library's map does
      min = Math.min(min, score);
      maxPiece = Math.max(maxPiece, Array.from(piece).length);
    });
    const unkScore = min - 10;
    for (const [piece, id] of ids) scores.set(piece, id === unkId ? unkScore : (vocab[id] as [string, number])[1]);
    const added: AddedToken[] = [];
    for (const a of (Array.isArray(j.added_tokens) ? j.added_tokens : []) as Obj[]) {
      if (typeof a?.content !== 'string' || typeof a.id !== 'number' || !Number.isInteger(a.id) || a.content === '') throw corrupt(file, 'an added token lacks content or id');
      if (a.normalized === true || a.lstrip === true || a.rstrip === true) throw corrupt(file, `added token ${a.content}: normalized, lstrip and rstrip added tokens are not supported`);
      added.push({ id: a.id, content: a.content });
      ids.set(a.content, a.id);
    }
    const suffix: string[] = [];
    const post = j.post_processor as Obj | null | undefined;
    if (post) {
      if (post.type !== 'TemplateProcessing' || !Array.isArray(post.single)) throw corrupt(file, `post_processor ${String(post.type)} is not supported`);
      let seenA = false;
      for (const item of post.single as Obj[]) {
        const special = (item?.SpecialToken as Obj | undefined)?.id;
        if (typeof special === 'string') {
          if (!seenA) throw corrupt(file, 'special tokens before the sequence are not supported');
          suffix.push(special);
        } else if ((item?.Sequence as Obj | undefined)?.id === 'A') {
          seenA = true;
        }
      }
    }
    return new OptimumTokenizer(ids, scores, maxPiece, unkId, unkScore, added, normalizer(file, j.normalizer), preTokenizer(file, j.pre_tokenizer), suffix);
  }

  /** Token ids of `text` with the template's special tokens appended (an empty text gives just those). */
  encode(text: string): number[] {
    const tokens: string[] = [];
    this.splitAdded(text).forEach((section, index) => {
      if (section.added) { tokens.push(section.text); return; }
      const norm = this.normalize(section.text);
      if (norm.length === 0) return;
      const pieces = this.preTokenize([norm], index).flatMap((w) => this.segment(w));
      tokens.push(...this.fuseUnknown(pieces));
    });
    tokens.push(...this.suffix);
    return tokens.map((t) => this.ids.get(t) ?? this.unkId);
  }

  /** Sections of the text, added tokens matched verbatim (longest at each position) and kept whole. */
  private splitAdded(text: string): { text: string; added: boolean }[] {
    const out: { text: string; added: boolean }[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      let hit = '';
      for (const a of this.added) if (a.content.length > hit.length && text.startsWith(a.content, i)) hit = a.content;
      if (!hit) { i++; continue; }
      if (i > start) out.push({ text: text.slice(start, i), added: false });
      out.push({ text: hit, added: true });
      i += hit.length;
      start = i;
    }
    if (start < text.length) out.push({ text: text.slice(start), added: false });
    return out;
  }

  /** The best-scoring segmentation of one pre-token; an unknown character is its own piece. */
  private segment(word: string): string[] {
    const cps = Array.from(word);
    const n = cps.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1);
    best[0] = 0;
    for (let e = 1; e <= n; e++) {
      for (let s = Math.max(0, e - this.maxPiece); s < e; s++) { // s ascending: the longer piece first on ties
        const piece = cps.slice(s, e).join('');
        const score = this.scores.get(piece) ?? (e - s === 1 ? this.unkScore : undefined);
        if (score === undefined) continue;
        const cand = best[s]! + score;
        if (cand > best[e]!) { best[e] = cand; from[e] = s; }
      }
    }
    const pieces: string[] = [];
    for (let e = n; e > 0; e = from[e]!) pieces.push(cps.slice(from[e]!, e).join(''));
    return pieces.reverse();
  }

  private fuseUnknown(pieces: string[]): string[] {
    const out: string[] = [];
    let lastUnknown = false;
    for (const p of pieces) {
      const unknown = (this.ids.get(p) ?? this.unkId) === this.unkId;
      if (!(unknown && lastUnknown)) out.push(p);
      lastUnknown = unknown;
    }
    return out;
  }
}
