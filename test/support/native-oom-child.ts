// Child process for the native out-of-memory test: under a real address-space limit, generations that cannot get
// their memory must fail cleanly with NATIVE_OUT_OF_MEMORY, and normal ones must work afterwards.
// Usage: node --import tsx test/support/native-oom-child.ts HEADROOM_BYTES
// Opens the tiny package twice (through NativeGenerator, and straight through the addon, which accepts batches the
// facade refuses), warms both up, then sets its own soft address-space limit (prlimit --as) to its current size plus
// HEADROOM_BYTES and asks for:
//   cache: 256 variations of the longest take the model allows, codes only: a KV cache of hundreds of MiB;
//   full:  16 variations of that take, decoded, through the facade: tens of MiB of cache, more for the decode;
//   after: the small warm-up generation again, on both handles.
// Prints one JSON line with the outcomes. The maxKvCacheBytes ceiling is off (0): the allocations themselves fail.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNativeAddon } from '../../src/node/native/load.js';
import { MAX_BATCH_VARIATIONS, NativeGenerator } from '../../src/node/native/native-generator.js';
import { loadStyleExcerpt, TINY_PACKAGE_DIR } from './model-fixtures.js';

const headroom = Number(process.argv.at(-1));
if (!Number.isInteger(headroom) || headroom <= 0) {
  process.stderr.write('usage: native-oom-child.ts HEADROOM_BYTES\n');
  process.exit(2);
}

/** Variations of the request that goes straight to the addon (its own ceiling is 256). */
const RAW_VARIATIONS = 256;

type Outcome = { ok: true } | { ok: false; code: string; message: string };
const outcome = async (f: () => Promise<unknown>): Promise<Outcome> => {
  try {
    await f();
    return { ok: true };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ok: false, code: String(e.code), message: String(e.message) };
  }
};
const vmBytes = (): number => Number(/^VmSize:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;

const runtime = { provider: 'cpu', intraOpThreads: 1, interOpThreads: 1, maxKvCacheBytes: 0 } as const;
const g = await NativeGenerator.open(TINY_PACKAGE_DIR, runtime);
const m = g.manifest;
const graph = (name: 'text_encoder' | 'style_encoder' | 'lm_kv' | 'codec_decode') => join(TINY_PACKAGE_DIR, m.graphs[name]!.file);
const raw = await loadNativeAddon().openModel({
  textEncoder: graph('text_encoder'), styleEncoder: graph('style_encoder'), lmKv: graph('lm_kv'), codecDecode: graph('codec_decode'),
  dim: m.lm.dim, layers: m.lm.layers, heads: m.lm.heads, codebooks: m.codec.codebooks, card: m.codec.card,
  specialToken: m.lm.specialToken, maxPositions: m.lm.maxPositions, hopLength: m.codec.hopLength,
  sampleRate: m.codec.sampleRate, delays: m.lm.delayPattern, runtime,
});

const styleAudio = loadStyleExcerpt();
const prompt = 'warm jazz piano';
const tokenIds = g.tokenize(prompt);
const small = { frames: 20, prompt, styleAudio, seed: 3, variations: 1 };
const rawSmall = { frames: 20, tokenIds, styleAudio, cfgBeta: m.defaults.cfgBeta, seed: 3, variations: 1 };
await g.generate(small);
const warm = await g.generate(small);
await raw.generate(rawSmall, () => {}).promise;

const dh = m.lm.dim / m.lm.heads;
const dmax = Math.max(...m.lm.delayPattern);
const frames = m.lm.maxPositions - dmax - warm.prefixLength;
const cacheBytes = (variations: number) => 2 * m.lm.layers * variations * warm.rows * m.lm.heads * (warm.prefixLength + frames + dmax) * dh * 4;

const vm = vmBytes();
const limit = vm + headroom;
execFileSync('prlimit', [`--pid=${process.pid}`, `--as=${limit}:unlimited`]);
const cache = await outcome(() => raw.generate({ ...rawSmall, frames, variations: RAW_VARIATIONS, decode: false }, () => {}).promise);
const full = await outcome(() => g.generate({ ...small, frames, variations: MAX_BATCH_VARIATIONS }));
const after = await outcome(async () => {
  await g.generate(small);
  await raw.generate(rawSmall, () => {}).promise;
});
g.release();
raw.release();
process.stdout.write(`${JSON.stringify({
  vmBytes: vm, limit, frames, cacheBytes: { cache: cacheBytes(RAW_VARIATIONS), full: cacheBytes(MAX_BATCH_VARIATIONS) }, cache, full, after,
})}\n`);
