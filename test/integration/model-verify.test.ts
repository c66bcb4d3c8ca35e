// verifyModelPackage on damaged copies of the tiny package: every fault gets its stable MODEL_* code.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, truncate, writeFile, unlink, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyModelPackage, MAX_TOKENIZER_BYTES } from '../../src/node/models/verify.js';
import { readManifest, MAX_MANIFEST_BYTES } from '../../src/node/models/manifest.js';
import { TINY_PACKAGE_DIR } from '../support/model-fixtures.js';

let root: string;
let n = 0;

async function copyPackage(): Promise<string> {
  const dir = join(root, `p${n++}`);
  await cp(TINY_PACKAGE_DIR, dir, { recursive: true });
  return dir;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests edit arbitrary manifest fields
type Json = any;

async function editManifest(dir: string, edit: (m: Json) => void): Promise<void> {
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Json;
  edit(m);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
}

const codes = (r: { problems: readonly { code: string }[] }) => [...new Set(r.problems.map((p) => p.code))];

describe('verifyModelPackage', () => {
  before(async () => { root = await mkdtemp(join(tmpdir(), 'sb-model-verify-')); });
  after(async () => { await rm(root, { recursive: true, force: true }); });

  test('a folder that does not exist or has no manifest is MODEL_MANIFEST_MISSING', async () => {
    assert.deepEqual(codes(await verifyModelPackage(join(root, 'nope'))), ['MODEL_MANIFEST_MISSING']);
    const dir = await copyPackage();
    await unlink(join(dir, 'manifest.json'));
    const r = await verifyModelPackage(dir);
    assert.equal(r.ok, false);
    assert.equal(r.manifest, null);
    assert.deepEqual(codes(r), ['MODEL_MANIFEST_MISSING']);
  });

  test('a manifest that is not JSON is MODEL_MANIFEST_INVALID', async () => {
    const dir = await copyPackage();
    await writeFile(join(dir, 'manifest.json'), '{"format": "stylebridge-model-package", ');
    assert.deepEqual(codes(await verifyModelPackage(dir)), ['MODEL_MANIFEST_INVALID']);
  });

  test('an unknown format_version or format is MODEL_VERSION_UNSUPPORTED', async () => {
    const dir = await copyPackage();
    await editManifest(dir, (m) => { m.format_version = 2; });
    assert.deepEqual(codes(await verifyModelPackage(dir)), ['MODEL_VERSION_UNSUPPORTED']);
    await editManifest(dir, (m) => { m.format_version = 1; m.format = 'something-else'; });
    assert.deepEqual(codes(await verifyModelPackage(dir)), ['MODEL_VERSION_UNSUPPORTED']);
  });

  test('missing or ill-typed fields are MODEL_MANIFEST_INVALID and name the field', async () => {
    const cases: [string, (m: Json) => void][] = [
      ['family', (m) => { m.family = 'jasco'; }],
      ['codec.card', (m) => { m.codec.card = 'many'; }],
      ['lm.delay_pattern', (m) => { m.lm.delay_pattern = [0, 1]; }],
      ['lm.special_token', (m) => { m.lm.special_token = 7; }],
      ['lm.dim', (m) => { m.lm.heads = 5; }],
      ['codec.frame_rate', (m) => { m.codec.frame_rate = 75; }],
      ['graphs.lm', (m) => { delete m.graphs.lm; }],
      ['graphs.lm_kv.file', (m) => { m.graphs.lm_kv.file = '../../etc/passwd'; }],
      ['graphs.lm.file', (m) => { m.graphs.lm.file = '/abs/lm.onnx'; }],
      ['defaults.top_p', (m) => { m.defaults.top_p = 2; }],
      ['defaults.streams', (m) => { m.defaults.streams = 9; }],
      ['conditioning.style.excerpt_seconds', (m) => { m.conditioning.style.excerpt_seconds.default = 9; }],
      ['graphs.lm.sha256', (m) => { m.graphs.lm.sha256 = 'xyz'; }],
    ];
    for (const [field, edit] of cases) {
      const dir = await copyPackage();
      await editManifest(dir, edit);
      const r = await verifyModelPackage(dir);
      assert.deepEqual(codes(r), ['MODEL_MANIFEST_INVALID'], field);
      assert.equal(r.problems[0]!.details!.field, field, field);
    }
  });

  test('a manifest larger than MAX_MANIFEST_BYTES is MODEL_LIMIT_EXCEEDED', async () => {
    const dir = await copyPackage();
    await writeFile(join(dir, 'manifest.json'), ' '.repeat(MAX_MANIFEST_BYTES + 1));
    await assert.rejects(readManifest(dir), { code: 'MODEL_LIMIT_EXCEEDED' });
    assert.deepEqual(codes(await verifyModelPackage(dir)), ['MODEL_LIMIT_EXCEEDED']);
  });

  test('a tokenizer file larger than MAX_TOKENIZER_BYTES is MODEL_LIMIT_EXCEEDED', async () => {
    const dir = await copyPackage();
    await truncate(join(dir, 'tokenizer.json'), MAX_TOKENIZER_BYTES + 1); // sparse: no real 64 MiB write
    const r = await verifyModelPackage(dir);
    assert.deepEqual(codes(r), ['MODEL_LIMIT_EXCEEDED']);
    assert.equal(r.problems[0]!.details!.limit, 'MAX_TOKENIZER_BYTES');
  });

  test('a missing graph, variant or tokenizer is MODEL_FILE_MISSING naming the file', async () => {
    const dir = await copyPackage();
    await unlink(join(dir, 'style_encoder.onnx'));
    await unlink(join(dir, 'lm_kv.int4.onnx'));
    await unlink(join(dir, 'tokenizer.json'));
    const r = await verifyModelPackage(dir);
    assert.deepEqual(codes(r), ['MODEL_FILE_MISSING']);
    assert.deepEqual(r.problems.map((p) => p.details!.file).sort(), ['lm_kv.int4.onnx', 'style_encoder.onnx', 'tokenizer.json']);
  });

  test('a truncated graph is MODEL_FILE_CORRUPT, by checksum or, without checksums, by ONNX Runtime', async () => {
    const dir = await copyPackage();
    await truncate(join(dir, 'codec_decode.onnx'), 1000);
    const r = await verifyModelPackage(dir);
    assert.deepEqual(codes(r), ['MODEL_FILE_CORRUPT']);
    assert.match(r.problems[0]!.message, /sha256/);
    const r2 = await verifyModelPackage(dir, { checksums: false });
    assert.deepEqual(codes(r2), ['MODEL_FILE_CORRUPT']);
    assert.match(r2.problems[0]!.message, /ONNX Runtime cannot load/);
  });

  test('a malformed tokenizer is MODEL_FILE_CORRUPT', async () => {
    const dir = await copyPackage();
    await writeFile(join(dir, 'tokenizer.json'), '{"model": {"type": "WordLevel", "vocab": {}}}');
    assert.deepEqual(codes(await verifyModelPackage(dir)), ['MODEL_FILE_CORRUPT']);
  });

  test('a graph with the wrong tensors is MODEL_SIGNATURE_MISMATCH naming the tensor', async () => {
    const dir = await copyPackage();
    await copyFile(join(dir, 'codec_decode.onnx'), join(dir, 'text_encoder.onnx'));
    const r = await verifyModelPackage(dir, { checksums: false });
    assert.deepEqual(codes(r), ['MODEL_SIGNATURE_MISMATCH']);
    const tensors = r.problems.map((p) => p.details!.tensor);
    assert.ok(tensors.includes('input_ids') && tensors.includes('text_embeds') && tensors.includes('codes'));
  });

  test('a graph whose sizes disagree with the manifest (wrong shape) is MODEL_SIGNATURE_MISMATCH', async () => {
    const dir = await copyPackage();
    await editManifest(dir, (m) => { m.codec.card = 1024; m.lm.special_token = 1024; });
    const r = await verifyModelPackage(dir);
    assert.deepEqual(codes(r), ['MODEL_SIGNATURE_MISMATCH']);
    const p = r.problems.find((x) => x.details!.graph === 'lm' && x.details!.tensor === 'logits');
    assert.ok(p, 'lm logits size is reported');
    assert.match(p.message, /size of dimension 2/);
  });

  test('a graph with fewer layers than the manifest says misses cache tensors', async () => {
    const dir = await copyPackage();
    await editManifest(dir, (m) => { m.lm.layers = 3; });
    const r = await verifyModelPackage(dir);
    assert.deepEqual(codes(r), ['MODEL_SIGNATURE_MISMATCH']);
    assert.ok(r.problems.some((p) => p.details!.tensor === 'past_key.2' && p.details!.problem === 'missing'));
  });

  test('random bytes in place of a graph are MODEL_FILE_CORRUPT', async () => {
    const dir = await copyPackage();
    await writeFile(join(dir, 'lm.onnx'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 255)));
    const r = await verifyModelPackage(dir, { checksums: false });
    assert.deepEqual(codes(r), ['MODEL_FILE_CORRUPT']);
  });
});
