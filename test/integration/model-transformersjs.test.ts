// A MusicGen in the Optimum layout (test/fixtures/models/optimum-tiny) loads from disk in Transformers.js and generates, offline.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import type * as Transformers from '@huggingface/transformers';

const MODELS_DIR = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const MODEL_ID = 'optimum-tiny';

let tjs: typeof Transformers | undefined;
let missing: string | false = false;
try {
  tjs = await import('@huggingface/transformers');
} catch (err) {
  missing = `@huggingface/transformers is not installed (${(err as Error).message.slice(0, 80)})`;
}

describe('Optimum-layout MusicGen in Transformers.js', { skip: missing }, () => {
  const realFetch = globalThis.fetch;
  const fetched: string[] = [];
  before(() => {
    // Any network access fails the test: the library must read everything from disk.
    globalThis.fetch = ((input: unknown) => {
      fetched.push(String(input));
      return Promise.reject(new Error(`network access attempted: ${String(input)}`));
    }) as typeof fetch;
    tjs!.env.allowRemoteModels = false;
    tjs!.env.allowLocalModels = true;
    tjs!.env.localModelPath = MODELS_DIR;
  });
  after(() => { globalThis.fetch = realFetch; });

  test('the merged decoder is a real If(use_cache_branch) graph with the Optimum tensor names', async () => {
    const s = await ort.InferenceSession.create(`${MODELS_DIR}${MODEL_ID}/onnx/decoder_model_merged.onnx`);
    try {
      assert.ok(s.inputNames.includes('use_cache_branch'));
      assert.ok(s.inputNames.includes('encoder_hidden_states') && s.inputNames.includes('encoder_attention_mask'));
      assert.ok(s.inputNames.includes('past_key_values.0.decoder.key') && s.inputNames.includes('past_key_values.1.encoder.value'));
      assert.ok(!s.inputNames.includes('attention_mask') && !s.inputNames.includes('position_ids'));
      assert.ok(s.outputNames.includes('logits') && s.outputNames.includes('present.0.encoder.key'));
    } finally {
      await s.release();
    }
  });

  test('loads from disk with remote models disabled and generates audio with classifier-free guidance', async () => {
    const { AutoTokenizer, MusicgenForConditionalGeneration } = tjs!;
    const tokenizer = await AutoTokenizer.from_pretrained(MODEL_ID);
    const inputs = tokenizer('warm jazz piano');
    assert.deepEqual((inputs.input_ids as { tolist(): bigint[][] }).tolist(), [[22n, 9n, 7n, 1n]], 'the Unigram tokenizer.json is used');
    const model = await MusicgenForConditionalGeneration.from_pretrained(MODEL_ID, { dtype: 'fp32' });
    try {
      const maxNew = 16;
      const audio = await model.generate({ ...inputs, max_new_tokens: maxNew, do_sample: true, guidance_scale: 3, top_k: 50 }) as unknown as { dims: number[]; data: Float32Array };
      const frames = maxNew - 3; // the delay pattern costs K - 1 steps
      assert.deepEqual(audio.dims, [1, 1, frames * 640]);
      assert.ok(audio.data.every(Number.isFinite));
      const g1 = await model.generate({ ...inputs, max_new_tokens: 10, do_sample: false }) as unknown as { data: Float32Array };
      const g2 = await model.generate({ ...inputs, max_new_tokens: 10, do_sample: false }) as unknown as { data: Float32Array };
      assert.deepEqual(g1.data, g2.data, 'greedy generation is deterministic');
    } finally {
      await model.dispose();
    }
    assert.deepEqual(fetched, []);
  });
});
