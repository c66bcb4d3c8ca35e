// Running out of memory in the native addon: a clean NATIVE_OUT_OF_MEMORY (never a crash), and the process keeps serving.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StylebridgeError } from '../../src/common/errors.js';
import { nativeAddonStatus } from '../../src/node/native/index.js';
import { MAX_BATCH_VARIATIONS, NativeGenerator } from '../../src/node/native/native-generator.js';
import { loadStyleExcerpt, TINY_PACKAGE_DIR } from '../support/model-fixtures.js';

const native = nativeAddonStatus();
const skipNative = native.available ? false : `native addon unavailable: ${native.reason}`;
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Address space the child may add after it warms up (far below the KV caches it then asks for). */
const CHILD_HEADROOM_BYTES = 16 << 20;

async function rejectsWith(p: Promise<unknown>, code: string): Promise<StylebridgeError> {
  const err = await p.then(() => assert.fail(`expected ${code}, the call succeeded`), (e: unknown) => e);
  assert.ok(err instanceof StylebridgeError, String(err));
  assert.equal(err.code, code, err.message);
  return err;
}

describe('native addon out of memory', { skip: skipNative }, () => {
  const styleAudio = loadStyleExcerpt();
  const small = { frames: 20, prompt: 'warm jazz piano', styleAudio, seed: 3, decode: false } as const;

  test('a request whose KV cache would exceed maxKvCacheBytes fails with NATIVE_OUT_OF_MEMORY before allocating; at the ceiling it runs, and the model keeps serving', async () => {
    const probe = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1 });
    let bytes: number;
    try {
      const r = await probe.generate(small);
      const m = probe.manifest;
      const capacity = r.prefixLength + 100 + Math.max(...m.lm.delayPattern);
      bytes = 2 * m.lm.layers * MAX_BATCH_VARIATIONS * r.rows * m.lm.heads * capacity * (m.lm.dim / m.lm.heads) * 4;
    } finally {
      probe.release();
    }
    const big = { ...small, frames: 100, variations: MAX_BATCH_VARIATIONS };

    const tight = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1, maxKvCacheBytes: bytes - 1 });
    try {
      const err = await rejectsWith(tight.generate(big), 'NATIVE_OUT_OF_MEMORY');
      assert.match(err.message, new RegExp(`would take ${bytes} bytes .* more than maxKvCacheBytes ${bytes - 1}`));
      const again = await tight.generate(small);
      assert.equal(again.takes.length, 1);
    } finally {
      tight.release();
    }

    const exact = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1, maxKvCacheBytes: bytes });
    try {
      const r = await exact.generate(big);
      assert.equal(r.takes.length, MAX_BATCH_VARIATIONS);
    } finally {
      exact.release();
    }
  });

  test('maxKvCacheBytes must be a non-negative integer', async () => {
    for (const bad of [-1, 1.5]) {
      await rejectsWith(NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1, maxKvCacheBytes: bad }), 'INVALID_ARGUMENT');
    }
  });

  const childSkip = process.platform !== 'linux' ? 'the address-space limit test reads /proc and uses prlimit (Linux)'
    : spawnSync('sh', ['-c', 'command -v prlimit']).status !== 0 ? 'prlimit not installed (Debian: util-linux)' : false;

  test('under a real address-space limit, generations that cannot get their memory fail with NATIVE_OUT_OF_MEMORY (KV cache and ONNX Runtime allocations), and the same process then generates normally', { skip: childSkip }, () => {
    const child = join(root, 'test', 'support', 'native-oom-child.ts');
    assert.ok(existsSync(child));
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, String(CHILD_HEADROOM_BYTES)], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.signal, null, `the child was killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, `the child exited ${r.status}: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      limit: number; cacheBytes: { cache: number; full: number };
      cache: { ok: boolean; code?: string; message?: string }; full: { ok: boolean; code?: string; message?: string }; after: { ok: boolean; code?: string; message?: string };
    };
    assert.ok(out.cacheBytes.full > 2 * CHILD_HEADROOM_BYTES, 'the requests ask for far more than the headroom');
    // The cache itself could not be allocated (std::bad_alloc in the addon), with its size in the message.
    assert.equal(out.cache.ok, false);
    assert.equal(out.cache.code, 'NATIVE_OUT_OF_MEMORY', out.cache.message);
    assert.match(out.cache.message!, new RegExp(`KV cache \\(${out.cacheBytes.cache / 1048576} MiB\\)`));
    // Through the facade: whichever allocation fails first (cache, ONNX Runtime's arena in a run) is reported the same way.
    assert.equal(out.full.ok, false);
    assert.equal(out.full.code, 'NATIVE_OUT_OF_MEMORY', out.full.message);
    assert.deepEqual(out.after, { ok: true });
  });
});
