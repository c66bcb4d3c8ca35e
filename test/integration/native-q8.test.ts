// The q8 variant: com.stylebridge.Q8MatMul run by the native addon, against the float graph and in the generation loop.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { readManifest } from '../../src/node/models/manifest.js';
import { NativeGenerator, nativeAddonStatus, tryLoadNativeAddon, type NativeFeed } from '../../src/node/native/index.js';
import { loadStyleExcerpt, TINY_PACKAGE_DIR } from '../support/model-fixtures.js';

const addon = tryLoadNativeAddon();
const skip = addon ? false : `native addon unavailable: ${nativeAddonStatus().reason}`;
const excerpt = loadStyleExcerpt();

/** One prefill call of lm_fused: B rows, P prefix positions, empty caches of capacity C. */
async function prefillFeeds(B: number, P: number, C: number): Promise<Record<string, NativeFeed>> {
  const m = await readManifest(TINY_PACKAGE_DIR);
  const { dim: D, heads: H, layers: L, specialToken } = m.lm;
  const K = m.codec.codebooks;
  const feeds: Record<string, NativeFeed> = {
    prefix: { dtype: 'float32', dims: [B, P, D], data: new Float32Array(B * P * D).map((_, i) => Math.sin(i * 0.37) * 0.8) },
    codes: { dtype: 'int64', dims: [B, K, 1], data: new BigInt64Array(B * K).fill(BigInt(specialToken)) },
    position: { dtype: 'int64', dims: [1], data: BigInt64Array.of(0n) },
  };
  for (let i = 0; i < L; i++) {
    for (const kind of ['cache_key', 'cache_value']) {
      feeds[`${kind}.${i}`] = { dtype: 'float32', dims: [B, H, C, D / H], data: new Float32Array(B * H * C * (D / H)) };
    }
  }
  return feeds;
}

function maxAbs(a: Float32Array, b: Float32Array): { err: number; peak: number } {
  let err = 0, peak = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    peak = Math.max(peak, Math.abs(b[i]!));
  }
  return { err, peak };
}

describe('q8 variant (native addon)', { skip }, () => {
  test('runGraph runs the float graph as onnxruntime-node does, and the q8 logits stay within 2% of its peak', async () => {
    const feeds = await prefillFeeds(3, 6, 16);
    const session = await ort.InferenceSession.create(join(TINY_PACKAGE_DIR, 'lm_fused.onnx'), { intraOpNumThreads: 1 });
    let want: Float32Array;
    try {
      const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor(v.dtype, v.data, v.dims)]));
      want = (await session.run(ortFeeds))['logits']!.data as Float32Array;
    } finally {
      await session.release();
    }
    const fp32 = await addon!.runGraph(join(TINY_PACKAGE_DIR, 'lm_fused.onnx'), feeds);
    const q8 = await addon!.runGraph(join(TINY_PACKAGE_DIR, 'lm_fused.q8.onnx'), feeds, 2);
    assert.deepEqual(q8.values['logits']!.dims, fp32.values['logits']!.dims);
    const same = maxAbs(fp32.values['logits']!.data as Float32Array, want);
    assert.ok(same.err < 1e-4, `float graph through runGraph differs by ${same.err}`);
    const quant = maxAbs(q8.values['logits']!.data as Float32Array, want);
    assert.ok(quant.err / quant.peak < 0.02, `q8 logits error ${quant.err} of peak ${quant.peak}`);
    assert.ok(quant.err > 0, 'the q8 graph really quantizes (its logits are not the float ones)');
    const inputs = q8.inputs.map((t) => t.name);
    assert.ok(inputs.includes('cache_key.0') && q8.outputs.some((t) => t.name === 'present_key.0'));
  });

  test('the q8 kernel gives the same bits on one thread and on two (integer sums, split by columns)', async () => {
    const feeds = await prefillFeeds(2, 5, 8);
    const one = await addon!.runGraph(join(TINY_PACKAGE_DIR, 'lm_fused.q8.onnx'), feeds, 1);
    const two = await addon!.runGraph(join(TINY_PACKAGE_DIR, 'lm_fused.q8.onnx'), feeds, 2);
    assert.deepEqual(Array.from(two.values['logits']!.data as Float32Array), Array.from(one.values['logits']!.data as Float32Array));
  });

  test('generates with variant q8: valid codes, streamed audio, the same codes for the same seed', async () => {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 2, variant: 'q8' });
    try {
      assert.equal(g.lmGraph, 'lm_fused');
      const card = (await readManifest(TINY_PACKAGE_DIR)).codec.card;
      const req = { frames: 30, prompt: 'dusty drums', styleAudio: excerpt, streams: 3, seed: 9, variations: 2, mode: 'double' as const };
      const a = await g.generate(req);
      const b = await g.generate(req);
      assert.equal(a.takes.length, 2);
      for (const take of a.takes) {
        for (const row of take.codes) for (const v of row) assert.ok(v >= 0 && v < card, `code ${v}`);
        assert.ok(take.audio && take.audio.length > 0 && take.audio.every(Number.isFinite));
      }
      assert.deepEqual(a.takes.map((t) => t.codes.map((r) => Array.from(r))), b.takes.map((t) => t.codes.map((r) => Array.from(r))));
      assert.notDeepEqual(Array.from(a.takes[0]!.codes[0]!), Array.from(a.takes[1]!.codes[0]!));
    } finally {
      g.release();
    }
  });

  test('the addon names the q8 kernel it runs, as the CPU flags predict', (t) => {
    const status = nativeAddonStatus();
    assert.match(status.reason, /q8 kernel (avx512-vnni|avx2|scalar)/);
    let flags: string;
    try {
      flags = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? '';
    } catch {
      return t.skip('no /proc/cpuinfo to predict the kernel from');
    }
    if (process.arch !== 'x64' || !flags) return t.skip(`cannot predict the kernel on ${process.arch}`);
    const has = (f: string) => new RegExp(`\\b${f}\\b`).test(flags);
    const want = has('avx512_vnni') && has('avx512bw') ? 'avx512-vnni' : has('avx2') ? 'avx2' : 'scalar';
    assert.equal(status.int8Kernel, want);
  });

  test('a variant the package lacks, and runGraph with bad feeds, fail with stable codes', async () => {
    await assert.rejects(NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', lmGraph: 'lm_kv', variant: 'q8' }), (e: Error & { code?: string }) => e.code !== undefined && /q8/.test(e.message));
    const path = join(TINY_PACKAGE_DIR, 'lm_fused.q8.onnx');
    assert.throws(() => addon!.runGraph(path, { x: { dtype: 'float16', dims: [1], data: new Float32Array(1) } as unknown as NativeFeed }), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => addon!.runGraph(path, { x: { dtype: 'float32', dims: [2], data: new Float32Array(3) } }), { code: 'INVALID_ARGUMENT' });
    const feeds = await prefillFeeds(1, 2, 4);
    feeds['prefix'] = { dtype: 'float32', dims: [1, 2, 7], data: new Float32Array(14) };
    await assert.rejects(addon!.runGraph(path, feeds), { code: 'NATIVE_RUN_FAILED' });
  });
});
