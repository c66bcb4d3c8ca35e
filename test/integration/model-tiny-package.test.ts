// The committed tiny package in real onnxruntime-node: tensor signatures, one prefill + step, and the parity vectors.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { readManifest } from '../../src/node/models/manifest.js';
import { verifyModelPackage } from '../../src/node/models/verify.js';
import { PackageRunner } from '../../src/node/models/generate.js';
import { tryLoadNativeAddon } from '../../src/node/native/load.js';
import { audioStats, loadParity, loadStyleExcerpt, TINY_PACKAGE_DIR } from '../support/model-fixtures.js';

const parity = loadParity();
const excerpt = loadStyleExcerpt();

describe('tiny model package', () => {
  test('verifies clean: manifest, tokenizer, checksums and every graph signature including the int8/int4/q8 variants', async () => {
    const r = await verifyModelPackage(TINY_PACKAGE_DIR);
    assert.deepEqual(r.problems, []);
    assert.equal(r.ok, true);
    const roles = r.files.map((f) => `${f.role}${f.variant ? `.${f.variant}` : ''}`).sort();
    assert.deepEqual(roles, ['codec_decode', 'codec_encode', 'lm', 'lm_fused', 'lm_fused.q8', 'lm_kv', 'lm_kv.int4', 'lm_kv.int8', 'style_encoder', 'text_encoder', 'tokenizer']);
    // The q8 graph uses the addon's own operator: the addon loads it for the signature check, or it is named unverified.
    const q8 = r.files.find((f) => f.variant === 'q8')!;
    if (tryLoadNativeAddon()) assert.deepEqual([q8.ok, q8.loadedBy, q8.unverified], [true, 'native', undefined]);
    else assert.deepEqual([q8.ok, typeof q8.unverified], [false, 'string']);
    for (const f of r.files.filter((x) => x.variant !== 'q8' && x.role !== 'tokenizer')) assert.equal(f.loadedBy, 'onnxruntime-node', f.file);
  });

  test('the JS loop refuses the native-only q8 variant with MODEL_NATIVE_REQUIRED', async () => {
    await assert.rejects(PackageRunner.open(TINY_PACKAGE_DIR, { lm: 'lm_fused', variant: 'q8' }), { code: 'MODEL_NATIVE_REQUIRED' });
  });

  test('one prefill and one step of lm and lm_kv give the same finite logits of shape [B, K, card]', async () => {
    const m = await readManifest(TINY_PACKAGE_DIR);
    const { dim: D, heads: H, layers: L, specialToken } = m.lm;
    const K = m.codec.codebooks;
    const dh = D / H;
    const B = 3, P = 5, C = 16;
    const prefix = new Float32Array(B * P * D).map((_, i) => Math.sin(i * 0.37));
    const codes0 = new BigInt64Array(B * K).fill(BigInt(specialToken));
    const codes1 = BigInt64Array.from({ length: B * K }, (_, i) => BigInt((i * 37) % m.codec.card));
    const lm = await ort.InferenceSession.create(join(TINY_PACKAGE_DIR, m.graphs.lm!.file));
    const kv = await ort.InferenceSession.create(join(TINY_PACKAGE_DIR, m.graphs.lm_kv!.file));
    try {
      const feeds: Record<string, ort.Tensor> = {
        prefix: new ort.Tensor('float32', prefix, [B, P, D]), codes: new ort.Tensor('int64', codes0, [B, K, 1]),
      };
      for (let i = 0; i < L; i++) for (const n of ['key', 'value']) feeds[`past_${n}.${i}`] = new ort.Tensor('float32', new Float32Array(0), [B, H, 0, dh]);
      const a = await lm.run(feeds);
      assert.deepEqual(a.logits!.dims, [B, K, m.codec.card]);
      assert.deepEqual(a['present_key.0']!.dims, [B, H, P + 1, dh]);
      const step: Record<string, ort.Tensor> = {
        prefix: new ort.Tensor('float32', new Float32Array(0), [B, 0, D]), codes: new ort.Tensor('int64', codes1, [B, K, 1]),
      };
      for (let i = 0; i < L; i++) for (const n of ['key', 'value']) step[`past_${n}.${i}`] = a[`present_${n}.${i}`]!;
      const b = await lm.run(step);
      assert.deepEqual(b.logits!.dims, [B, K, m.codec.card]);
      assert.ok((b.logits!.data as Float32Array).every(Number.isFinite));

      // Same two calls through fixed buffers
      const bufs = Array.from({ length: 2 * L }, () => new Float32Array(B * H * C * dh));
      const kvFeeds = (pre: Float32Array, p: number, codes: BigInt64Array, position: number) => {
        const f: Record<string, ort.Tensor> = {
          prefix: new ort.Tensor('float32', pre, [B, p, D]), codes: new ort.Tensor('int64', codes, [B, K, 1]),
          position: new ort.Tensor('int64', BigInt64Array.of(BigInt(position)), [1]),
        };
        for (let i = 0; i < L; i++) ['key', 'value'].forEach((n, j) => { f[`cache_${n}.${i}`] = new ort.Tensor('float32', bufs[2 * i + j]!, [B, H, C, dh]); });
        return f;
      };
      const c = await kv.run(kvFeeds(prefix, P, codes0, 0));
      assert.deepEqual(c['new_key.0']!.dims, [B, H, P + 1, dh]);
      for (let i = 0; i < L; i++) ['key', 'value'].forEach((n, j) => {
        const nw = c[`new_${n}.${i}`]!.data as Float32Array;
        for (let bh = 0; bh < B * H; bh++) bufs[2 * i + j]!.set(nw.subarray(bh * (P + 1) * dh, (bh + 1) * (P + 1) * dh), bh * C * dh);
      });
      const d = await kv.run(kvFeeds(new Float32Array(0), 0, codes1, P + 1));
      const la = a.logits!.data as Float32Array, lc = c.logits!.data as Float32Array;
      const lb = b.logits!.data as Float32Array, ld = d.logits!.data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < la.length; i++) maxDiff = Math.max(maxDiff, Math.abs(la[i]! - lc[i]!), Math.abs(lb[i]! - ld[i]!));
      assert.ok(maxDiff < 1e-4, `lm and lm_kv differ by ${maxDiff}`);
    } finally {
      await lm.release();
      await kv.release();
    }
  });

  for (const form of ['lm_kv', 'lm', 'lm_fused'] as const) {
    test(`a JavaScript loop over ${form} reproduces every parity vector token for token`, async () => {
      const runner = await PackageRunner.open(TINY_PACKAGE_DIR, { lm: form });
      try {
        for (const c of parity.cases) {
          const q = c.params;
          const r = await runner.generate({
            frames: q.frames, ...(q.style ? { styleAudio: excerpt } : {}), ...(q.prompt !== null ? { prompt: q.prompt } : {}),
            streams: q.streams, cfg: q.cfg, cfgBeta: q.cfg_beta, temperature: q.temperature, topK: q.top_k, topP: q.top_p,
            greedy: q.greedy, seed: q.seed, variation: q.variation, mode: q.mode,
          });
          assert.deepEqual(r.tokenIds, c.token_ids, c.name);
          assert.equal(r.prefixLength, c.prefix_len, c.name);
          assert.equal(r.lmCalls, c.lm_calls, c.name);
          assert.deepEqual(r.codes.map((row) => Array.from(row)), c.codes, c.name);
          if (form === 'lm_kv') {
            const audio = await runner.decode(r.codes);
            assert.equal(audio.length, c.audio.samples);
            const s = audioStats(audio);
            assert.ok(Math.abs(s.rms - c.audio.rms) < 1e-4 && Math.abs(s.peak - c.audio.peak) < 1e-4 && Math.abs(s.mean - c.audio.mean) < 1e-4, c.name);
          }
        }
      } finally {
        await runner.release();
      }
    });
  }

  test('the parity vectors cover greedy and sampling, all guidance modes and streams 1, 3 and 6', () => {
    const ps = parity.cases.map((c) => c.params);
    assert.ok(ps.some((p) => p.greedy) && ps.some((p) => !p.greedy));
    assert.deepEqual(new Set(ps.map((p) => p.mode)), new Set(['none', 'single', 'double']));
    assert.deepEqual(new Set(ps.filter((p) => p.style).map((p) => p.streams)), new Set([1, 3, 6]));
  });

  test('different seeds, variations and stream counts give different codes', () => {
    const key = (n: string) => JSON.stringify(parity.cases.find((c) => c.name === n)!.codes);
    assert.notEqual(key('sampled double streams3'), key('sampled double streams3 variation1'));
    assert.notEqual(key('sampled double streams3'), key('greedy double streams3'));
  });

  for (const variant of ['int8', 'int4']) {
    test(`the ${variant} LM variant generates valid codes`, async () => {
      const runner = await PackageRunner.open(TINY_PACKAGE_DIR, { lm: 'lm_kv', variant });
      try {
        const r = await runner.generate({ frames: 10, styleAudio: excerpt, prompt: 'jazz', seed: 1 });
        for (const row of r.codes) for (const v of row) assert.ok(v >= 0 && v < runner.manifest.codec.card);
      } finally {
        await runner.release();
      }
    });
  }

  test('requests outside the model limits are refused with stable codes', async () => {
    const runner = await PackageRunner.open(TINY_PACKAGE_DIR);
    try {
      await assert.rejects(runner.generate({ frames: 10, styleAudio: excerpt.subarray(0, 1000), seed: 1 }), { code: 'MODEL_BAD_REQUEST' });
      await assert.rejects(runner.generate({ frames: 10, styleAudio: excerpt, streams: 7, seed: 1 }), { code: 'MODEL_BAD_REQUEST' });
      await assert.rejects(runner.generate({ frames: 1010, styleAudio: excerpt, seed: 1 }), { code: 'MODEL_LIMIT_EXCEEDED' });
      await assert.rejects(runner.generate({ frames: 10, seed: -1 }), { code: 'MODEL_BAD_REQUEST' });
      await assert.rejects(runner.generate({ frames: 10, styleAudio: excerpt, mode: 'double', seed: 1 }), { code: 'MODEL_BAD_REQUEST' });
    } finally {
      await runner.release();
    }
  });
});
