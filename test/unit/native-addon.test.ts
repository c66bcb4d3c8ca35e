// The native addon: it loads, links onnxruntime-node's runtime, matches the PCG32 spec, opens sessions, reports providers.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pcg32, VARIATION_STREAM } from '../../src/node/models/pcg32.js';
import { NativeGenerator, nativeAddonStatus, probeNativeAddon, tryLoadNativeAddon } from '../../src/node/native/index.js';
import { inspectOnnxRuntime } from '../../src/node/onnx-providers.js';
import { loadParity, TINY_PACKAGE_DIR } from '../support/model-fixtures.js';

const addon = tryLoadNativeAddon();
const needAddon = addon ? false : `native addon unavailable: ${nativeAddonStatus().reason}`;

describe('native addon loading', () => {
  test('a missing addon file is reported as NATIVE_MISSING with its path and the build command', () => {
    const r = probeNativeAddon('/nonexistent/stylebridge_native.node');
    assert.ok('error' in r);
    assert.equal(r.error.code, 'NATIVE_MISSING');
    assert.match(r.error.message, /npm run build:native/);
    assert.equal(r.error.details?.path, '/nonexistent/stylebridge_native.node');
  });

  test('a file that is not a loadable addon is reported as NATIVE_LOAD_FAILED', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-native-'));
    try {
      const bogus = join(dir, 'stylebridge_native.node');
      writeFileSync(bogus, 'not an ELF file');
      const r = probeNativeAddon(bogus);
      assert.ok('error' in r);
      assert.equal(r.error.code, 'NATIVE_LOAD_FAILED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the status for doctor says whether the addon is usable and why', () => {
    const s = nativeAddonStatus();
    assert.equal(s.available, addon !== null);
    assert.ok(s.reason.length > 0);
    if (!s.available) assert.match(s.code ?? '', /^NATIVE_/);
  });
});

describe('native addon', { skip: needAddon }, () => {
  test('links the ONNX Runtime that onnxruntime-node ships: same version, one copy in the process', () => {
    const info = addon!.info();
    const ortPkg = createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string };
    assert.equal(info.ortVersion, ortPkg.version);
    if (process.platform === 'linux') {
      const libs = new Set(readFileSync('/proc/self/maps', 'utf8').split('\n')
        .filter((l) => /libonnxruntime\.so/.test(l)).map((l) => l.trim().split(/\s+/).pop()));
      assert.equal(libs.size, 1, [...libs].join(', '));
      assert.ok([...libs][0]!.startsWith(inspectOnnxRuntime().libraryDir!), [...libs][0]);
    }
  });

  test('PCG32 in C++ gives the documented check outputs and the same stream as the TypeScript generator', () => {
    const parity = loadParity();
    const [s, q] = parity.pcg32.seed;
    assert.deepEqual(Array.from(addon!.pcg32(BigInt(s), BigInt(q), parity.pcg32.u32.length)), parity.pcg32.u32);
    for (const seed of [0, 7, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      const ts = new Pcg32(BigInt(seed), VARIATION_STREAM);
      const expected = Array.from({ length: 64 }, () => ts.nextU32());
      assert.deepEqual(Array.from(addon!.pcg32(BigInt(seed), VARIATION_STREAM, 64)), expected, `seed ${seed}`);
    }
  });

  test('opens the tiny package on the CPU when asked, and says so', async () => {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cpu', intraOpThreads: 1 });
    try {
      assert.equal(g.provider, 'cpu');
      assert.equal(g.manifest.name, 'tiny-random');
    } finally {
      g.release();
    }
  });

  const cudaPossible = inspectOnnxRuntime().providers.find((p) => p.name === 'cuda')?.available === true;
  test('with provider auto and no usable CUDA it falls back to the CPU and gives the reason', { skip: cudaPossible ? 'CUDA is usable here' : false }, async () => {
    const g = await NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'auto', intraOpThreads: 1 });
    try {
      assert.equal(g.provider, 'cpu');
      assert.match(g.providerNote, /CUDA not used/);
    } finally {
      g.release();
    }
  });

  test('with provider cuda and no usable CUDA it refuses with NATIVE_PROVIDER_UNAVAILABLE', { skip: cudaPossible ? 'CUDA is usable here' : false }, async () => {
    await assert.rejects(NativeGenerator.open(TINY_PACKAGE_DIR, { provider: 'cuda' }), (e: { code: string }) => e.code === 'NATIVE_PROVIDER_UNAVAILABLE');
  });

  test('a damaged graph file is refused with MODEL_FILE_CORRUPT naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-native-pkg-'));
    try {
      cpSync(TINY_PACKAGE_DIR, dir, { recursive: true });
      for (const [file, lmGraph] of [['lm_fused.onnx', undefined], ['lm_kv.onnx', 'lm_kv']] as const) {
        writeFileSync(join(dir, file), readFileSync(join(dir, file)).subarray(0, 5000));
        await assert.rejects(NativeGenerator.open(dir, { provider: 'cpu', ...(lmGraph ? { lmGraph } : {}) }), (e: { code: string; message: string }) =>
          e.code === 'MODEL_FILE_CORRUPT' && e.message.includes(file));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a graph file missing from the package is MODEL_FILE_MISSING; an unknown format version is MODEL_VERSION_UNSUPPORTED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-native-pkg-'));
    try {
      cpSync(TINY_PACKAGE_DIR, dir, { recursive: true });
      rmSync(join(dir, 'codec_decode.onnx'));
      await assert.rejects(NativeGenerator.open(dir, { provider: 'cpu' }), (e: { code: string; details?: { file?: string } }) =>
        e.code === 'MODEL_FILE_MISSING' && e.details?.file === 'codec_decode.onnx');
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, format_version: 2 }));
      await assert.rejects(NativeGenerator.open(dir, { provider: 'cpu' }), (e: { code: string }) => e.code === 'MODEL_VERSION_UNSUPPORTED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unknown variant and a missing package folder are refused with stable codes', async () => {
    await assert.rejects(NativeGenerator.open(TINY_PACKAGE_DIR, { variant: 'int3' }), (e: { code: string }) => e.code === 'MODEL_BAD_REQUEST');
    const missing = join(tmpdir(), 'sb-no-such-package');
    assert.equal(existsSync(missing), false);
    await assert.rejects(NativeGenerator.open(missing), (e: { code: string }) => e.code === 'MODEL_MANIFEST_MISSING');
  });
});
