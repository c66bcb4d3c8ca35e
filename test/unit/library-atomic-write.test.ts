// Atomic file writes used by the library: whole content or the old file, and no temp file left after a failure.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { atomicTempPath, isAtomicTempName, writeFileAtomic, writeFileAtomicAsync } from '../../src/node/fs-atomic.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-atomic-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const bytes = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

for (const [name, write] of [['sync', writeFileAtomic], ['async', writeFileAtomicAsync]] as const) {
  describe(`writeFileAtomic (${name})`, () => {
    test('writes the bytes and replaces an existing file as a whole, leaving only the target in the folder', async (t) => {
      const dir = tempDir(t);
      const target = join(dir, 'a.wav');
      writeFileSync(target, bytes(1_000_000, 1));
      await write(target, bytes(300_000, 2));
      const back = readFileSync(target);
      assert.equal(back.length, 300_000);
      assert.ok(back.every((b) => b === 2));
      assert.deepEqual(readdirSync(dir), ['a.wav']);
    });

    test('a write that cannot be renamed into place leaves the old content and no temp file', async (t) => {
      const dir = tempDir(t);
      const target = join(dir, 'taken');
      mkdirSync(target);
      writeFileSync(join(target, 'inside'), 'keep');
      await assert.rejects(async () => { await write(target, bytes(10, 3)); });
      assert.deepEqual(readdirSync(dir), ['taken']);
      assert.equal(readFileSync(join(target, 'inside'), 'utf8'), 'keep');
    });

    test('a write into a missing folder fails without creating anything', async (t) => {
      const dir = tempDir(t);
      await assert.rejects(async () => { await write(join(dir, 'no', 'such.wav'), bytes(10, 1)); }, { code: 'ENOENT' });
      assert.deepEqual(readdirSync(dir), []);
    });
  });
}

test('temp names are recognised and never mistaken for real files', () => {
  const temp = basename(atomicTempPath('/x/takes/take_0abc.wav'));
  assert.ok(isAtomicTempName(temp), temp);
  assert.ok(temp.startsWith('.take_0abc.wav.'));
  for (const real of ['take_0abc.wav', '.hidden', 'a.sbtmp', '.a.wav.0123.sbtmp', '.a.wav.0123456789abcdefg.sbtmp']) {
    assert.equal(isAtomicTempName(real), false, real);
  }
});
