// `stylebridge models list|add|verify` on the committed tiny package and on broken copies of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
