// `stylebridge models list|add|verify` on the committed tiny package and on broken copies of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tryLoadNativeAddon } from '../../src/node/native/load.js';
import { runCliProcess } from '../support/cli.js';

const tiny = new URL('../fixtures/models/tiny', import.meta.url).pathname;

test('models verify accepts the tiny package, add installs it, list shows it, a second add is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-models-'));
  const env = { STYLEBRIDGE_MODELS_DIR: join(dir, 'models') };
  try {
    const v = await runCliProcess(['models', 'verify', tiny, '--json'], env);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.json<{ ok: boolean; family: string }>().family, 'musicgen-style');
    const a = await runCliProcess(['models', 'add', tiny, '--json'], env);
    assert.equal(a.code, 0, a.stderr);
    const l = await runCliProcess(['models', 'list', '--json'], env);
    const { models } = l.json<{ models: Array<{ name: string; family: string }> }>();
    assert.deepEqual(models.map((m) => [m.name, m.family]), [['tiny-random', 'musicgen-style']]);
    const again = await runCliProcess(['models', 'add', tiny], env);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /MODEL_ALREADY_INSTALLED/);
    const byName = await runCliProcess(['models', 'verify', 'tiny-random'], env);
    assert.equal(byName.code, 0, byName.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('models verify reports a truncated graph as MODEL_FILE_CORRUPT with exit code 6, and add refuses it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-models-bad-'));
  try {
    const copy = join(dir, 'broken');
    cpSync(tiny, copy, { recursive: true });
    const lm = join(copy, 'lm.onnx');
    truncateSync(lm, Math.floor(statSync(lm).size / 2));
    const v = await runCliProcess(['models', 'verify', copy]);
    assert.equal(v.code, 6, v.stdout + v.stderr);
    assert.match(v.stdout, /INVALID/);
    assert.match(v.stdout, /MODEL_FILE_CORRUPT/);
    const a = await runCliProcess(['models', 'add', copy], { STYLEBRIDGE_MODELS_DIR: join(dir, 'models') });
    assert.equal(a.code, 6);
    assert.match(a.stderr, /MODEL_FILE_CORRUPT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('models verify of a folder without a manifest fails with MODEL_MANIFEST_MISSING', async () => {
  const r = await runCliProcess(['models', 'verify', '/tmp']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /MODEL_MANIFEST_MISSING/);
});

/** Changes one byte of a Q8MatMul packed-weight initializer (in a TensorProto, raw_data, field 9, follows the name). */
function damagePackedWeights(file: string): void {
  const buf = readFileSync(file);
  for (let name = buf.indexOf('_p8'); name >= 0; name = buf.indexOf('_p8', name + 3)) {
    let i = name + 3;
    if (buf[i] !== 0x4a) continue; // the name as a node input, not an initializer
    let len = 0, shift = 0, b: number;
    do { b = buf[++i]!; len += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    if (len < 256) continue;
    buf[i + 1 + 100] = (buf[i + 1 + 100]! + 1) & 0xff;
    writeFileSync(file, buf);
    return;
  }
  assert.fail('no packed initializer found');
}

test('a q8 variant is checked by the native addon: a damaged packed weight is MODEL_FILE_CORRUPT; without the addon it is named unverified', async (t) => {
  if (!tryLoadNativeAddon()) return t.skip('the native addon is not built');
  const dir = mkdtempSync(join(tmpdir(), 'sb-models-q8-'));
  try {
    const clean = await runCliProcess(['models', 'verify', tiny, '--json'], { STYLEBRIDGE_DISABLE_NATIVE: '1' });
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    const q8 = clean.json<{ files: Array<{ variant?: string; ok: boolean; unverified?: string }> }>().files.find((f) => f.variant === 'q8')!;
    assert.equal(q8.ok, false);
    assert.match(q8.unverified ?? '', /native addon/);
    const text = await runCliProcess(['models', 'verify', tiny], { STYLEBRIDGE_DISABLE_NATIVE: '1' });
    assert.match(text.stdout, /not checked: lm_fused\.q8\.onnx/);

    const copy = join(dir, 'damaged');
    cpSync(tiny, copy, { recursive: true });
    damagePackedWeights(join(copy, 'lm_fused.q8.onnx'));
    const v = await runCliProcess(['models', 'verify', copy]);
    assert.equal(v.code, 6, v.stdout + v.stderr);
    assert.match(v.stdout, /MODEL_FILE_CORRUPT: graph lm_fused \(q8\).*colsum does not match/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
