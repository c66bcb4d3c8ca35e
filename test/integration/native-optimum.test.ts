// The native loop over an Optimum-layout MusicGen (test/fixtures/models/optimum-tiny) against Transformers.js on the same files.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Transformers from '@huggingface/transformers';
import { StylebridgeError } from '../../src/common/errors.js';
import { MusicgenStyleEngine } from '../../src/node/engines/musicgen-style/index.js';
import { OptimumTokenizer } from '../../src/node/models/optimum-tokenizer.js';
import { OptimumGenerator, nativeAddonStatus, tryLoadNativeAddon } from '../../src/node/native/index.js';

const MODELS_DIR = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const MODEL_ID = 'optimum-tiny';
const DIR = join(MODELS_DIR, MODEL_ID);

let tjs: typeof Transformers | undefined;
let tjsMissing: string | false = false;
try {
  tjs = await import('@huggingface/transformers');
} catch (err) {
  tjsMissing = `@huggingface/transformers is not installed (${(err as Error).message.slice(0, 80)})`;
}
const addon = tryLoadNativeAddon();
const nativeMissing = !addon ? `native addon unavailable: ${nativeAddonStatus().reason}`
  : typeof addon.openOptimum !== 'function' ? 'the native addon predates openOptimum(); run `npm run build:native`' : false;

/** Prompts that exercise the library's tokenizer: spaces, tabs, unknown and fused characters, added tokens, NFKC. */
const PROMPTS = ['warm jazz piano', '', ' ', '  lead  ', 'warm\tjazz\npiano', 'Ünïcödé ☃ drums', 'ﬁ ① ＡＢＣ', 'drums</s>bass',
  '</s>', '<unk><pad>', 'a  b   c', 'xyzzy', '!!!???', 'é é éé', 'hip-hop 120bpm', 'the\u00a0bass', 'slow\u2581groove', ' trailing ', 'drumsdrums', 'ROCK'];

function code(err: unknown): string {
  return err instanceof StylebridgeError ? err.code : `not a StylebridgeError: ${String(err)}`;
}

async function rejectsWith(p: Promise<unknown> | (() => unknown), expected: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    assert.equal(code(err), expected, (err as Error).message);
    return;
  }
  assert.fail(`expected ${expected}`);
}

/** A copy of the fixture folder to damage. */
function copyFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-optimum-'));
  cpSync(DIR, dir, { recursive: true });
  return dir;
}

describe('Optimum tokenizer', { skip: tjsMissing }, () => {
  before(() => {
    tjs!.env.allowRemoteModels = false;
    tjs!.env.allowLocalModels = true;
  });

  test('gives the token ids of Transformers.js for the fixture tokenizer.json', async () => {
    tjs!.env.localModelPath = MODELS_DIR;
    const theirs = await tjs!.AutoTokenizer.from_pretrained(MODEL_ID);
    const ours = OptimumTokenizer.fromJson(readFileSync(join(DIR, 'tokenizer.json'), 'utf8'));
    for (const p of PROMPTS) {
      assert.deepEqual(ours.encode(p), Array.from(theirs(p).input_ids.data as BigInt64Array, Number), JSON.stringify(p));
    }
  });

  test('gives the token ids of Transformers.js for a T5-style chain (Precompiled, WhitespaceSplit then Metaspace)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-optimum-tok-'));
    try {
      const j = JSON.parse(readFileSync(join(DIR, 'tokenizer.json'), 'utf8'));
      j.normalizer = { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: '' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] };
      j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true }] };
      mkdirSync(join(root, 't5ish'));
      cpSync(join(DIR, 'tokenizer_config.json'), join(root, 't5ish', 'tokenizer_config.json'));
      writeFileSync(join(root, 't5ish', 'tokenizer.json'), JSON.stringify(j));
      tjs!.env.localModelPath = root;
      const theirs = await tjs!.AutoTokenizer.from_pretrained('t5ish');
      const ours = OptimumTokenizer.fromJson(JSON.stringify(j));
      for (const p of [...PROMPTS, 'a\u0007b\u200bc', 'x\uff5ey']) {
        assert.deepEqual(ours.encode(p), Array.from(theirs(p).input_ids.data as BigInt64Array, Number), JSON.stringify(p));
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('refuses a tokenizer.json that is not JSON, not Unigram, or uses an unsupported step', () => {
    const j = JSON.parse(readFileSync(join(DIR, 'tokenizer.json'), 'utf8'));
    assert.throws(() => OptimumTokenizer.fromJson('{'), (e) => code(e) === 'OPTIMUM_FILE_CORRUPT');
    assert.throws(() => OptimumTokenizer.fromJson(JSON.stringify({ ...j, model: { type: 'BPE', vocab: {} } })), (e) => code(e) === 'OPTIMUM_FILE_CORRUPT');
    assert.throws(() => OptimumTokenizer.fromJson(JSON.stringify({ ...j, normalizer: { type: 'BertNormalizer' } })), /normalizer BertNormalizer is not supported/);
    assert.throws(() => OptimumTokenizer.fromJson(JSON.stringify({ ...j, pre_tokenizer: { type: 'ByteLevel' } })), /pre_tokenizer ByteLevel is not supported/);
  });
});

describe('native Optimum loop against Transformers.js', { skip: nativeMissing || tjsMissing }, () => {
  let g: OptimumGenerator;
  let model: Transformers.MusicgenForConditionalGeneration;
  let tokenizer: Transformers.PreTrainedTokenizer;
  let captured: { data: BigInt64Array; dims: number[] } | undefined;
  const realFetch = globalThis.fetch;

  before(async () => {
    globalThis.fetch = ((input: unknown) => Promise.reject(new Error(`network access attempted: ${String(input)}`))) as typeof fetch;
    tjs!.env.allowRemoteModels = false;
    tjs!.env.allowLocalModels = true;
    tjs!.env.localModelPath = MODELS_DIR;
    tokenizer = await tjs!.AutoTokenizer.from_pretrained(MODEL_ID);
    model = await tjs!.MusicgenForConditionalGeneration.from_pretrained(MODEL_ID, { dtype: 'fp32' }) as Transformers.MusicgenForConditionalGeneration;
    // The library's codes, after its delay-pattern filter and before EnCodec.
    const m = model as unknown as { _apply_and_filter_by_delay_pattern_mask(o: unknown): { data: BigInt64Array; dims: number[] } };
    const filter = m._apply_and_filter_by_delay_pattern_mask.bind(model);
    m._apply_and_filter_by_delay_pattern_mask = (o) => (captured = filter(o));
    // Default ORT threads on both sides: the same work split, so EnCodec's output is comparable bit for bit.
    g = await OptimumGenerator.open(DIR, { provider: 'cpu' });
  });
  after(async () => {
    g?.release();
    await model?.dispose();
    globalThis.fetch = realFetch;
  });

  for (const guidance of [3, null]) {
    test(`greedy codes and decoded audio equal the library's (guidance ${guidance ?? 'none'}), for two prompts and several lengths`, async () => {
      for (const prompt of ['warm jazz piano', 'dark techno with kick and snare']) {
        for (const maxNewTokens of [4, 11, 40]) {
          const audio = await model.generate({ ...tokenizer(prompt), max_new_tokens: maxNewTokens, do_sample: false, guidance_scale: guidance } as never) as unknown as { data: Float32Array; dims: number[] };
          const r = await g.generate({ prompt, maxNewTokens, guidanceScale: guidance, greedy: true });
          const what = `${prompt} / ${maxNewTokens}`;
          assert.deepEqual(r.tokenIds, Array.from(tokenizer(prompt).input_ids.data as BigInt64Array, Number), what);
          assert.equal(r.mode, guidance ? 'single' : 'none');
          assert.equal(r.lmCalls, maxNewTokens);
          assert.deepEqual(captured!.dims, [1, 1, 4, maxNewTokens - 3], what); // batch 1 of [B, K, T], then unsqueezed in place for EnCodec
          assert.deepEqual(r.takes[0]!.codes.flatMap((c) => Array.from(c)), Array.from(captured!.data, Number), what);
          assert.equal(r.takes[0]!.audio.length, audio.data.length, what);
          assert.ok(Buffer.from(r.takes[0]!.audio.buffer).equals(Buffer.from(audio.data.buffer, audio.data.byteOffset, audio.data.byteLength)), `${what}: audio differs`);
        }
      }
    });
  }

  test('N variations in one batch equal single runs; sampling follows the seed; top-k 1 picks like greedy', async () => {
    const prompt = 'warm jazz piano';
    const one = await g.generate({ prompt, frames: 12, guidanceScale: 3, greedy: true });
    const batch = await g.generate({ prompt, frames: 12, guidanceScale: 3, greedy: true, variations: 3 });
    for (const t of batch.takes) assert.deepEqual(t.codes, one.takes[0]!.codes);
    const a = await g.generate({ prompt, frames: 12, guidanceScale: 3, seed: 7, topK: 50, variations: 2, decode: false });
    const b = await g.generate({ prompt, frames: 12, guidanceScale: 3, seed: 7, topK: 50, variations: 2, decode: false });
    assert.deepEqual(a.takes.map((t) => t.codes), b.takes.map((t) => t.codes));
    assert.notDeepEqual(a.takes[0]!.codes, a.takes[1]!.codes);
    assert.equal(a.takes[0]!.audio.length, 0);
    const second = await g.generate({ prompt, frames: 12, guidanceScale: 3, seed: 7, topK: 50, variation: 1, decode: false });
    assert.deepEqual(second.takes[0]!.codes, a.takes[1]!.codes, 'variation i of a batch is variation i alone');
    const k1 = await g.generate({ prompt, frames: 12, guidanceScale: 3, seed: 3, topK: 1 });
    assert.deepEqual(k1.takes[0]!.codes, one.takes[0]!.codes);
  });

  test('reports progress for every decoder step and stops within a step when aborted', async () => {
    const steps: number[] = [];
    const r = await g.generate({ prompt: 'slow groove', frames: 20, greedy: true, onStep: (done, total) => { steps.push(done); assert.equal(total, 23); } });
    assert.deepEqual(steps, Array.from({ length: 23 }, (_, i) => i + 1));
    assert.equal(r.frames, 20);
    assert.equal(r.stepMs.length, 22);
    const ac = new AbortController();
    let seen = 0;
    await rejectsWith(g.generate({ prompt: 'slow groove', frames: 500, signal: ac.signal, onStep: () => { if (++seen === 2) ac.abort(); } }), 'CANCELLED');
    assert.ok(seen < 503, `stopped after ${seen} of 503 steps`);
    const pre = new AbortController();
    pre.abort();
    await rejectsWith(g.generate({ prompt: 'x', frames: 5, signal: pre.signal }), 'CANCELLED');
  });

  test('out-of-range requests get MODEL_BAD_REQUEST or MODEL_LIMIT_EXCEEDED', async () => {
    await rejectsWith(g.generate({ prompt: 'x', frames: 5, maxNewTokens: 8 }), 'MODEL_BAD_REQUEST');
    await rejectsWith(g.generate({ prompt: 'x', maxNewTokens: 3 }), 'MODEL_BAD_REQUEST');
    await rejectsWith(g.generate({ prompt: 'x', frames: 5, variations: 17 }), 'MODEL_BAD_REQUEST');
    await rejectsWith(g.generate({ prompt: 'x', frames: 5, topP: 2 }), 'MODEL_BAD_REQUEST');
    // decoder.max_position_embeddings = 2048: the start token plus 2048 steps do not fit.
    await rejectsWith(g.generate({ prompt: 'x', maxNewTokens: 2048 }), 'MODEL_LIMIT_EXCEEDED');
    await rejectsWith(g.generate({ prompt: 'drum '.repeat(600), frames: 5 }), 'MODEL_LIMIT_EXCEEDED'); // tokenizer_config model_max_length 512
  });

  test('the musicgen-style engine renders takes from an Optimum folder with a prompt, and refuses style capture without one', async () => {
    const engine = new MusicgenStyleEngine({ model: DIR, provider: 'cpu' });
    try {
      const source = { sampleRate: 48000, channels: [new Float32Array(96000).map((_, i) => 0.3 * Math.sin(i * 0.03))] };
      const req = { source, bpm: 120, meter: { numerator: 4, denominator: 4 }, sourceBars: 1, bars: 1, variations: 2, strength: 3, seed: 4, sampleRate: 48000, channels: 2 };
      const takes = await engine.render({ ...req, prompt: 'warm jazz piano' });
      assert.equal(takes.length, 2);
      for (const t of takes) {
        assert.equal(t.audio.channels.length, 2);
        assert.equal(t.audio.channels[0]!.length, 96000);
        assert.equal(t.info.styleConditioned, false);
        assert.equal(t.info.guidance, 'single');
      }
      assert.equal(engine.backendInfo?.kind, 'optimum');
      await rejectsWith(engine.render(req), 'OPTIMUM_STYLE_UNSUPPORTED');
    } finally {
      await engine.close();
    }
  });
});

describe('native Optimum loop: damaged folders', { skip: nativeMissing }, () => {
  const cases: Array<[string, (dir: string) => void, string]> = [
    ['a missing decoder graph', (d) => rmSync(join(d, 'onnx', 'decoder_model_merged.onnx')), 'OPTIMUM_FILE_MISSING'],
    ['a missing config.json', (d) => rmSync(join(d, 'config.json')), 'OPTIMUM_FILE_MISSING'],
    ['a missing tokenizer.json', (d) => rmSync(join(d, 'tokenizer.json')), 'OPTIMUM_FILE_MISSING'],
    ['a text encoder that is not ONNX', (d) => writeFileSync(join(d, 'onnx', 'text_encoder.onnx'), 'not a graph'), 'OPTIMUM_FILE_CORRUPT'],
    ['an EnCodec graph in the decoder\'s place', (d) => cpSync(join(d, 'onnx', 'encodec_decode.onnx'), join(d, 'onnx', 'decoder_model_merged.onnx')), 'OPTIMUM_FILE_CORRUPT'],
    ['a tokenizer.json that is not JSON', (d) => writeFileSync(join(d, 'tokenizer.json'), '{'), 'OPTIMUM_FILE_CORRUPT'],
    ['a config.json that is not JSON', (d) => writeFileSync(join(d, 'config.json'), 'nope'), 'OPTIMUM_CONFIG_INVALID'],
    ['a config.json of another model type', (d) => editConfig(d, (c) => { c.model_type = 't5'; }), 'OPTIMUM_CONFIG_INVALID'],
    ['a layer count the graph does not have', (d) => editConfig(d, (c) => { (c.decoder as Record<string, unknown>).num_hidden_layers = 3; }), 'OPTIMUM_CONFIG_INVALID'],
    ['a head count the graph does not have', (d) => editConfig(d, (c) => { (c.decoder as Record<string, unknown>).num_attention_heads = 8; }), 'OPTIMUM_CONFIG_INVALID'],
    ['a missing vocab_size', (d) => editConfig(d, (c) => { delete (c.decoder as Record<string, unknown>).vocab_size; }), 'OPTIMUM_CONFIG_INVALID'],
  ];
  for (const [what, damage, expected] of cases) {
    test(`a folder with ${what} is refused with ${expected}`, async () => {
      const dir = copyFixture();
      try {
        damage(dir);
        await rejectsWith(async () => (await OptimumGenerator.open(dir, { provider: 'cpu', intraOpThreads: 1 })).release(), expected);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('a vocabulary size the logits do not have is found at the first step (OPTIMUM_CONFIG_INVALID)', async () => {
    const dir = copyFixture();
    try {
      editConfig(dir, (c) => { (c.decoder as Record<string, unknown>).vocab_size = 1024; });
      const g = await OptimumGenerator.open(dir, { provider: 'cpu', intraOpThreads: 1 });
      try {
        await rejectsWith(g.generate({ prompt: 'x', frames: 2 }), 'OPTIMUM_CONFIG_INVALID');
      } finally {
        g.release();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a released model refuses to generate (NATIVE_RELEASED)', async () => {
    const g = await OptimumGenerator.open(DIR, { provider: 'cpu', intraOpThreads: 1 });
    g.release();
    await rejectsWith(g.generate({ prompt: 'x', frames: 2 }), 'NATIVE_RELEASED');
  });
});

function editConfig(dir: string, f: (c: Record<string, unknown>) => void): void {
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  f(c);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
}
