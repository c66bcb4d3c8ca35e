// The orphan sweep on open: leftovers of a crash are removed, the user's own files are kept, lost files mark their rows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { hasCode } from '../../src/common/errors.js';
import { atomicTempPath } from '../../src/node/fs-atomic.js';
import { newId } from '../../src/node/library/layout.js';
import { openProject } from '../../src/node/library/project-library.js';
import { captureInput, takeInput, wavBytes } from '../support/library-fixtures.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-lib-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('orphan sweep', () => {
  test('temp files of interrupted writes and audio files no row references are removed on open', async (t) => {
    const dir = tempDir(t);
    const lib = openProject(dir);
    const cap = await lib.addCapture(captureInput());
    const take = await lib.addTake(takeInput(cap.id));
    lib.close();
    // What a writer killed at various points leaves behind.
    const tempCap = atomicTempPath(join(dir, 'captures', `${newId('cap', Date.now())}.wav`));
    writeFileSync(tempCap, wavBytes(10).subarray(0, 30));
    const orphanTake = join(dir, 'takes', `${newId('take', Date.now())}.wav`);
    writeFileSync(orphanTake, wavBytes(10));
    const orphanBounce = join(dir, 'bounces', newId('bnc', Date.now()));
    mkdirSync(orphanBounce);
    writeFileSync(join(orphanBounce, '01-Drums.wav'), wavBytes(10));

    const again = openProject(dir);
    t.after(() => again.close());
    const s = again.openSweep!;
    assert.deepEqual(s.removedTemp, [`captures/${basename(tempCap)}`]);
    assert.deepEqual(s.removedOrphans.sort(), [`bounces/${basename(orphanBounce)}`, `takes/${basename(orphanTake)}`].sort());
    assert.equal(existsSync(tempCap) || existsSync(orphanTake) || existsSync(orphanBounce), false);
    assert.deepEqual(readdirSync(join(dir, 'takes')), [`${take.id}.wav`]);
    assert.deepEqual(readdirSync(join(dir, 'captures')), [`${cap.id}.wav`]);
  });

  test('files the library did not name are the user\'s: kept and reported as foreign', (t) => {
    const dir = tempDir(t);
    openProject(dir).close();
    writeFileSync(join(dir, 'takes', 'my loop.wav'), wavBytes(10));
    writeFileSync(join(dir, 'bounces', 'notes.txt'), 'mix notes');
    const lib = openProject(dir);
    t.after(() => lib.close());
    assert.deepEqual(lib.openSweep!.foreign.sort(), ['bounces/notes.txt', 'takes/my loop.wav']);
    assert.ok(existsSync(join(dir, 'takes', 'my loop.wav')));
  });

  test('a temp file inside a recorded bounce folder is removed and its stems kept', async (t) => {
    const dir = tempDir(t);
    const lib = openProject(dir);
    const b = await lib.addBounce({ fromBar: 0, toBar: 2, format: 'wav', stems: [{ track: 'Drums', takeIds: [], audio: { bytes: wavBytes(10), extension: 'wav' } }] });
    lib.close();
    const temp = atomicTempPath(join(dir, b.stems[0]!.file));
    writeFileSync(temp, 'partial');
    const again = openProject(dir);
    t.after(() => again.close());
    assert.equal(again.openSweep!.removedTemp.length, 1);
    assert.ok(existsSync(join(dir, b.stems[0]!.file)));
  });

  test('a row whose file is gone is marked missing instead of failing, and restored when the file comes back', async (t) => {
    const dir = tempDir(t);
    const lib = openProject(dir);
    const cap = await lib.addCapture(captureInput());
    const take = await lib.addTake(takeInput(cap.id));
    lib.close();
    const path = join(dir, take.file);
    const saved = readFileSync(path);
    unlinkSync(path);

    const lib2 = openProject(dir);
    assert.deepEqual(lib2.openSweep!.missing, [take.id]);
    assert.equal(lib2.getTake(take.id).status, 'missing');
    assert.equal(lib2.search({}).total, 1);
    assert.throws(() => lib2.readFile(lib2.getTake(take.id)), (e) => hasCode(e, 'LIBRARY_FILE_MISSING'));
    assert.deepEqual(lib2.checkIntegrity(), []);
    lib2.close();

    writeFileSync(path, saved);
    const lib3 = openProject(dir);
    t.after(() => lib3.close());
    assert.deepEqual(lib3.openSweep!.restored, [take.id]);
    assert.equal(lib3.getTake(take.id).status, 'ok');
  });

  test('a row whose file has the wrong size is marked damaged', async (t) => {
    const dir = tempDir(t);
    const lib = openProject(dir);
    const cap = await lib.addCapture(captureInput());
    lib.close();
    truncateSync(join(dir, cap.file), 100);
    const again = openProject(dir);
    t.after(() => again.close());
    assert.deepEqual(again.openSweep!.damaged, [cap.id]);
    assert.equal(again.getCapture(cap.id).status, 'damaged');
  });

  test('a sweep while takes and bounces are being written leaves their files alone, and their rows land', async (t) => {
    const dir = tempDir(t);
    const lib = openProject(dir);
    t.after(() => lib.close());
    const cap = await lib.addCapture(captureInput());
    const big = wavBytes(400_000, 2);
    const pending = [
      lib.addTake(takeInput(cap.id, { audio: { bytes: big, extension: 'wav' } }, 400_000)),
      lib.addBounce({ fromBar: 0, toBar: 1, format: 'wav', stems: [{ track: 'A', takeIds: [], audio: { bytes: big, extension: 'wav' } }, { track: 'B', takeIds: [], audio: { bytes: big, extension: 'wav' } }] }),
    ] as const;
    const reports = [];
    for (let i = 0; i < 20; i++) {
      reports.push(lib.sweep());
      await new Promise((r) => setImmediate(r));
    }
    const [take, bounce] = await Promise.all(pending);
    assert.deepEqual(reports.flatMap((r) => [...r.removedTemp, ...r.removedOrphans]), []);
    assert.equal(lib.readFile(take).length, big.length);
    for (const s of bounce.stems) assert.equal(lib.readFile(s).length, big.length);
    const after = lib.sweep();
    assert.deepEqual([after.removedTemp, after.removedOrphans, after.missing], [[], [], []]);
  });

  test('with sweepOnOpen false nothing is removed until sweep() is called', (t) => {
    const dir = tempDir(t);
    openProject(dir).close();
    const orphan = join(dir, 'takes', `${newId('take', Date.now())}.flac`);
    writeFileSync(orphan, 'fLaC....');
    const lib = openProject(dir, { sweepOnOpen: false });
    t.after(() => lib.close());
    assert.equal(lib.openSweep, null);
    assert.ok(existsSync(orphan));
    assert.deepEqual(lib.sweep().removedOrphans, [`takes/${basename(orphan)}`]);
    assert.equal(existsSync(orphan), false);
  });
});
