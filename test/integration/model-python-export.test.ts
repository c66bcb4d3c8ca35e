// The Python reference side (tools/model): rebuilding the tiny package reproduces the committed fixture and passes its ONNX self-check.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TINY_PACKAGE_DIR } from '../support/model-fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = '/usr/bin/python3';

function torchMissing(): string | false {
  const r = spawnSync(PYTHON, ['-c', 'import torch, onnx, numpy'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} is not available`;
  return r.status === 0 ? false : `${PYTHON} lacks torch/onnx/numpy (apt-get install python3-torch python3-onnx python3-numpy)`;
}

const skip = torchMissing();

describe('Python model tools', { skip }, () => {
  let out: string;
  before(async () => { out = await mkdtemp(join(tmpdir(), 'sb-model-build-')); });
  after(async () => { await rm(out, { recursive: true, force: true }); });

  test('build_package.py builds the tiny package, every graph within tolerance of torch in onnxruntime-node', () => {
    const r = spawnSync(PYTHON, ['tools/model/build_package.py', '--size', 'tiny', '--out', out, '--parity'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    const report = JSON.parse(r.stdout) as { bytes: number; check: Record<string, unknown> };
    assert.ok(report.bytes < 10 * 1024 * 1024, `tiny package is ${report.bytes} bytes`);
    for (const c of ['text_encoder', 'style_encoder streams=1', 'style_encoder streams=6', 'lm prefill', 'lm step', 'lm_kv prefill', 'lm_kv step', 'codec_encode', 'codec_decode', 'lm_kv.int8 step', 'lm_kv.int4 step', 'lm_fused.q8 step']) {
      assert.ok(c in report.check, `self-check covers ${c}`);
    }
    // q8 graphs run in the native addon; with the addon built, the check must really have run them.
    const q8 = report.check['lm_fused.q8 step'] as { skipped?: string; logits?: { err: number } };
    if (existsSync(join(ROOT, 'build/native/Release/stylebridge_native.node')) && process.env.STYLEBRIDGE_DISABLE_NATIVE !== '1') {
      assert.equal(q8.skipped, undefined, `the q8 check was skipped: ${q8.skipped}`);
      assert.ok(q8.logits && q8.logits.err < 0.25, JSON.stringify(q8));
    }
  });

  test('the rebuilt package is identical to the committed fixture (graphs by checksum, parity vectors exactly)', async () => {
    const mine = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { graphs: Record<string, { sha256: string }> };
    const committed = JSON.parse(await readFile(join(TINY_PACKAGE_DIR, 'manifest.json'), 'utf8')) as typeof mine;
    assert.deepEqual(mine, committed, 'rebuild test/fixtures/models/tiny with tools/model/build_package.py after changing the tools');
    assert.equal(await readFile(join(out, 'parity.json'), 'utf8'), await readFile(join(TINY_PACKAGE_DIR, 'parity.json'), 'utf8'));
  });
});
