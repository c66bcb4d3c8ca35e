// The native generation loop against the parity vectors and its runtime contract: batching, streaming, progress, cancel.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PackageRunner } from '../../src/node/models/generate.js';
import { readManifest } from '../../src/node/models/manifest.js';
import { inspectOnnxRuntime } from '../../src/node/onnx-providers.js';
import { defaultLmGraph } from '../../src/node/native/native-generator.js';
import { MAX_BATCH_VARIATIONS, NativeGenerator, nativeAddonStatus, tryLoadNativeAddon, type NativeGenerateRequest } from '../../src/node/native/index.js';
import { audioStats, loadParity, loadStyleExcerpt, TINY_PACKAGE_DIR, type ParityCase } from '../support/model-fixtures.js';

const addon = tryLoadNativeAddon();
const skip = addon ? false : `native addon unavailable: ${nativeAddonStatus().reason}`;
const parity = loadParity();
const excerpt = loadStyleExcerpt();

function requestOf(c: ParityCase): NativeGenerateRequest {
  const q = c.params;
  return {
    frames: q.frames, ...(q.style ? { styleAudio: excerpt } : {}), ...(q.prompt !== null ? { prompt: q.prompt } : {}),
    streams: q.streams, cfg: q.cfg, cfgBeta: q.cfg_beta, temperature: q.temperature, topK: q.top_k, topP: q.top_p,
    greedy: q.greedy, seed: q.seed, variation: q.variation, mode: q.mode,
  };
}

const rows = (codes: Int32Array[]) => codes.map((r) => Array.from(r));

describe('native generation loop', { skip }, () => {
  test('runs lm_fused (in-place cache) by default when the package has it, and lm_kv when asked', async () => {
    const fused = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1 });
    const kv = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1, lmGraph: 'lm_kv' });
    try {
      assert.equal(fused.lmGraph, 'lm_fused');
      assert.equal(kv.lmGraph, 'lm_kv');
      const req: NativeGenerateRequest = { frames: 40, prompt: 'warm jazz piano', styleAudio: excerpt, streams: 2, seed: 5, topK: 0, topP: 0.9, variations: 2 };
      const [a, b] = [await fused.generate(req), await kv.generate(req)];
      assert.deepEqual(a.takes.map((t) => rows(t.codes)), b.takes.map((t) => rows(t.codes)));
    } finally {
      fused.release();
      kv.release();
    }
    await assert.rejects(NativeGenerator.open(TINY_PACKAGE_DIR, { lmGraph: 'lm' as 'lm_kv' }), { code: 'MODEL_BAD_REQUEST' });
    // Where CUDA may run the LM, lm_kv is the default (CUDA's fused attention is float16 only).
    const m = await readManifest(TINY_PACKAGE_DIR);
    assert.equal(defaultLmGraph(m, 'cpu'), 'lm_fused');
    assert.equal(defaultLmGraph(m, 'cuda'), 'lm_kv');
    const cudaUsable = inspectOnnxRuntime().providers.some((p) => p.name === 'cuda' && p.available);
    assert.equal(defaultLmGraph(m, 'auto'), cudaUsable ? 'lm_kv' : 'lm_fused');
    const { lm_fused: _fused, ...graphs } = m.graphs;
    assert.equal(defaultLmGraph({ ...m, graphs }, 'cpu'), 'lm_kv');
  });

  for (const lmGraph of ['lm_fused', 'lm_kv'] as const) {
    test(`reproduces every parity vector token for token over ${lmGraph}, with the decoded audio statistics of the reference`, async () => {
      await parityRun(lmGraph);
    });
  }

  async function parityRun(lmGraph: 'lm_fused' | 'lm_kv'): Promise<void> {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1, lmGraph });
    assert.equal(g.lmGraph, lmGraph);
    try {
      for (const c of parity.cases) {
        const r = await g.generate(requestOf(c));
        assert.deepEqual(r.tokenIds, c.token_ids, c.name);
        assert.equal(r.prefixLength, c.prefix_len, c.name);
        assert.equal(r.rows, c.rows, c.name);
        assert.equal(r.mode, c.params.mode, c.name);
        assert.equal(r.lmCalls, c.lm_calls, c.name);
        assert.deepEqual(rows(r.takes[0]!.codes), c.codes, c.name);
        const audio = r.takes[0]!.audio;
        assert.equal(audio.length, c.audio.samples, c.name);
        const s = audioStats(audio);
        assert.ok(Math.abs(s.rms - c.audio.rms) < 1e-4 && Math.abs(s.peak - c.audio.peak) < 1e-4 && Math.abs(s.mean - c.audio.mean) < 1e-4, c.name);
        c.audio.first.forEach((v, i) => assert.ok(Math.abs(audio[i]! - v) < 1e-4, `${c.name} sample ${i}`));
      }
    } finally {
      g.release();
    }
  }

  test('with two ORT threads the vectors still hold (the logits differ only by float noise)', async () => {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 2, spinning: false });
    try {
      for (const c of parity.cases.filter((x) => !x.params.greedy).slice(0, 3)) {
        assert.deepEqual(rows((await g.generate({ ...requestOf(c), decode: false })).takes[0]!.codes), c.codes, c.name);
      }
    } finally {
      g.release();
    }
  });

  test('N variations in one batch equal the same variations generated one by one', async () => {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1 });
    try {
      const c = parity.cases.find((x) => x.name === 'sampled double streams3 variation1')!;
      const base = { ...requestOf(c), variation: 0, decode: false };
      const batch = await g.generate({ ...base, variations: 3 });
      assert.equal(batch.takes.length, 3);
      assert.equal(batch.rows, 3);
      assert.deepEqual(rows(batch.takes[1]!.codes), c.codes, 'variation 1 of the batch is the parity vector');
      for (const v of [0, 2]) {
        const one = await g.generate({ ...base, variation: v });
        assert.deepEqual(rows(batch.takes[v]!.codes), rows(one.takes[0]!.codes), `variation ${v}`);
      }
      assert.notDeepEqual(rows(batch.takes[0]!.codes), rows(batch.takes[2]!.codes));
    } finally {
      g.release();
    }
  });

  test('matches the JavaScript loop on a longer sampled request (96 frames, top-p, 2 variations)', async () => {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1 });
    const js = await PackageRunner.open(TINY_PACKAGE_DIR, { lm: 'lm_kv' });
    try {
      const req = { frames: 96, styleAudio: excerpt, prompt: 'deep house groove', streams: 2, seed: 123456789, topP: 0.95, temperature: 1.1 };
      const native = await g.generate({ ...req, variations: 2, decode: false });
      for (const v of [0, 1]) {
        const ref = await js.generate({ ...req, variation: v });
        assert.deepEqual(rows(native.takes[v]!.codes), rows(ref.codes), `variation ${v}`);
      }
    } finally {
      g.release();
      await js.release();
    }
  });

  test('streams decoded audio in order while generating, covering every frame once, equal to the final decode', async () => {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1 });
    try {
      const hop = g.manifest.codec.hopLength;
      const chunks: Array<{ first: number; len: number; afterStep: number }> = [];
      const streamed: Float32Array[] = [];
      let lastStep = 0;
      const r = await g.generate({
        frames: 50, styleAudio: excerpt, prompt: 'ambient', seed: 3, variations: 2, chunkFrames: 12,
        onStep: (s) => { lastStep = s; },
        onChunk: (first, audio) => {
          assert.equal(audio.length, 2);
          assert.equal(audio[0]!.length, audio[1]!.length);
          assert.ok(audio[0]!.every(Number.isFinite));
          chunks.push({ first, len: audio[0]!.length / hop, afterStep: lastStep });
          streamed.push(audio[1]!);
        },
      });
      assert.ok(chunks.length >= 4, `${chunks.length} chunks`);
      let next = 0;
      for (const ch of chunks) {
        assert.equal(ch.first, next);
        next += ch.len;
      }
      assert.equal(next, 50);
      assert.ok(chunks[0]!.afterStep < 50, 'the first chunk came before the last step');
      assert.equal(r.takes[0]!.audio.length, 50 * hop);
      // with its context and lookahead each chunk decodes to what the final decode gives for those frames
      const final = r.takes[1]!.audio;
      let offset = 0;
      let worst = 0;
      for (const part of streamed) {
        for (let i = 0; i < part.length; i++) worst = Math.max(worst, Math.abs(part[i]! - final[offset + i]!));
        offset += part.length;
      }
      assert.equal(offset, final.length);
      assert.ok(worst < 1e-5, `streamed audio differs from the final decode by ${worst}`);
    } finally {
      g.release();
    }
  });

  test('reports progress for every LM step, and an AbortSignal stops it within one step with CANCELLED', async () => {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1 });
    try {
      const steps: number[] = [];
      let total = 0;
      await g.generate({ frames: 20, prompt: 'x', seed: 1, decode: false, onStep: (s, t) => { steps.push(s); total = t; } });
      assert.equal(total, 20 + 3);
      assert.deepEqual(steps, Array.from({ length: total }, (_, i) => i + 1));

      const ac = new AbortController();
      let seen = 0;
      let atAbort = -1;
      const run = g.generate({
        frames: 900, prompt: 'long', seed: 1, variations: MAX_BATCH_VARIATIONS, decode: false, signal: ac.signal,
        onStep: (s) => { seen = s; if (s === 5) { atAbort = s; ac.abort(); } },
      });
      await assert.rejects(run, (e: { code: string }) => e.code === 'CANCELLED');
      assert.equal(atAbort, 5);
      // Steps computed while the abort travelled may still be reported; none is started once the flag is seen.
      assert.ok(seen < 900, `stopped at step ${seen}`);

      const soon = new AbortController();
      const early = g.generate({ frames: 400, prompt: 'long', seed: 1, variations: 4, decode: false, signal: soon.signal });
      soon.abort();
      await assert.rejects(early, (e: { code: string }) => e.code === 'CANCELLED');

      const pre = new AbortController();
      pre.abort();
      await assert.rejects(g.generate({ frames: 10, seed: 1, signal: pre.signal }), (e: { code: string }) => e.code === 'CANCELLED');
    } finally {
      g.release();
    }
  });

  test('runs off the JS thread: steps advance while JavaScript is busy', async () => {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1 });
    try {
      let reported = 0;
      const run = g.generate({ frames: 300, prompt: 'busy', seed: 2, decode: false, onStep: (s) => { reported = s; } });
      const until = Date.now() + 400;
      while (Date.now() < until) { /* keep the JS thread busy */ }
      assert.equal(reported, 0, 'no event can be delivered while JS is busy');
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.ok(reported > 1, `steps completed during the busy wait: ${reported}`);
      await run;
    } finally {
      g.release();
    }
  });

  test('refuses requests outside the model limits with stable codes', async () => {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1 });
    try {
      const max = g.manifest.lm.maxPositions;
      await assert.rejects(g.generate({ frames: max - 4, styleAudio: excerpt, prompt: 'too long', seed: 1 }), (e: { code: string }) => e.code === 'MODEL_LIMIT_EXCEEDED');
      await assert.rejects(g.generate({ frames: 10, seed: 1, variations: MAX_BATCH_VARIATIONS + 1 }), (e: { code: string }) => e.code === 'MODEL_BAD_REQUEST');
      await assert.rejects(g.generate({ frames: 10, seed: 1, streams: 7, styleAudio: excerpt }), (e: { code: string }) => e.code === 'MODEL_BAD_REQUEST');
      await assert.rejects(g.generate({ frames: 10, seed: 1, styleAudio: excerpt.subarray(0, 1000) }), (e: { code: string }) => e.code === 'MODEL_BAD_REQUEST');
      await assert.rejects(g.generate({ frames: 10, seed: 1, prompt: 'x', mode: 'double' }), (e: { code: string }) => e.code === 'MODEL_BAD_REQUEST');
      await assert.rejects(g.generate({ frames: 10, seed: -1 }), (e: { code: string }) => e.code === 'MODEL_BAD_REQUEST');
      g.release();
      await assert.rejects(g.generate({ frames: 10, seed: 1 }), (e: { code: string }) => e.code === 'NATIVE_RELEASED');
    } finally {
      g.release();
    }
  });
});
