// convert_audiocraft.py on synthetic checkpoints with the audiocraft / Hugging Face key layouts (real weights: untested).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyModelPackage } from '../../src/node/models/verify.js';
import { PackageRunner } from '../../src/node/models/generate.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = '/usr/bin/python3';

function pythonMissing(): string | false {
  const r = spawnSync(PYTHON, ['-c', 'import torch, onnx, numpy, yaml'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} is not available`;
  return r.status === 0 ? false : `${PYTHON} lacks torch/onnx/numpy/yaml (apt-get install python3-torch python3-onnx python3-numpy python3-yaml)`;
}

describe('audiocraft checkpoint conversion', { skip: pythonMissing() }, () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'sb-convert-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('a synthetic MusicGen-Style checkpoint converts into a package whose modules equal the originals', () => {
    const r = spawnSync(PYTHON, ['tools/model/make_synthetic_audiocraft.py', '--out', dir], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout.slice(-2000) + r.stderr.slice(-3000));
    const report = JSON.parse(r.stdout) as { ok: boolean; mapping: Record<string, number | boolean> };
    assert.equal(report.ok, true);
    assert.equal(report.mapping['codec codes equal'], true);
    for (const k of ['lm logits', 'text embeds', 'style embeds', 'codec audio']) assert.ok((report.mapping[k] as number) < 1e-5, k);
  });

  test('the converted package verifies and generates', async () => {
    const pkg = join(dir, 'package');
    const v = await verifyModelPackage(pkg);
    assert.deepEqual(v.problems, []);
    const runner = await PackageRunner.open(pkg);
    try {
      const style = new Float32Array(24000 * 2).map((_, i) => 0.3 * Math.sin(i * 0.03));
      const r = await runner.generate({ frames: 6, styleAudio: style, prompt: 'jazz drums', seed: 4 });
      assert.equal(r.mode, 'double');
      assert.equal(r.codes.length, 4);
      assert.ok(r.codes.every((row) => row.length === 6 && row.every((c) => c >= 0 && c < runner.manifest.codec.card)));
      const audio = await runner.decode(r.codes);
      assert.equal(audio.length, 6 * runner.manifest.codec.hopLength);
    } finally {
      await runner.release();
    }
  });

  test('a checkpoint that is not an audiocraft file is refused with a clear message', () => {
    const r = spawnSync(PYTHON, ['tools/model/convert_audiocraft.py', '--lm', join(dir, 't5.bin'), '--compression', join(dir, 'compression.bin'),
      '--t5', join(dir, 't5.bin'), '--t5-tokenizer', join(dir, 'tokenizer.json'), '--mert', join(dir, 'mert.bin'), '--out', join(dir, 'bad')],
    { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not an audiocraft checkpoint/);
  });
});
