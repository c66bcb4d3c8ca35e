// Captures, takes and bounces in the project library: what is stored, what comes back, and how bad input and limits are refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../../src/common/errors.js';
import { openProject, type ProjectLibrary } from '../../src/node/library/project-library.js';
import type { LibraryOptions } from '../../src/node/library/options.js';
import { captureInput, readWavHeader, takeInput, wavBytes } from '../support/library-fixtures.js';

function project(t: { after: (fn: () => void) => void }, opts?: LibraryOptions): { lib: ProjectLibrary; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sb-lib-rec-'));
  const lib = openProject(dir, opts);
  t.after(() => { lib.close(); rmSync(dir, { recursive: true, force: true }); });
  return { lib, dir };
}

const code = (c: string) => (e: unknown) => hasCode(e, c as never);

describe('captures', () => {
  test('a capture is stored with its source, timing and file, and reads back identical', async (t) => {
    const { lib, dir } = project(t);
    const input = captureInput();
    const cap = await lib.addCapture(input);
    assert.match(cap.id, /^cap_/);
    assert.equal(cap.file, `captures/${cap.id}.wav`);
    assert.deepEqual(cap.source, input.source);
    assert.equal(cap.bpm, 120);
    assert.deepEqual(cap.meter, { numerator: 4, denominator: 4 });
    assert.equal(cap.barIndex, 8);
    assert.equal(cap.durationSeconds, 4800 / 48000);
    assert.equal(cap.key, 'A minor');
    assert.equal(cap.status, 'ok');
    const onDisk = readFileSync(join(dir, 'captures', `${cap.id}.wav`));
    assert.deepEqual(new Uint8Array(onDisk), input.audio.bytes);
    assert.equal(cap.sha256, createHash('sha256').update(onDisk).digest('hex'));
    assert.deepEqual(lib.getCapture(cap.id), cap);
    assert.deepEqual(new Uint8Array(lib.readFile(cap)), new Uint8Array(onDisk));
  });

  test('a capture with a field out of range is refused with LIBRARY_BAD_RECORD naming the field, and nothing is written', async (t) => {
    const { lib, dir } = project(t);
    const cases: Array<[string, Partial<Parameters<ProjectLibrary['addCapture']>[0]>]> = [
      ['bpm', { bpm: 5 }],
      ['meter', { meter: { numerator: 4, denominator: 3 } }],
      ['sampleRate', { sampleRate: 1000 }],
      ['channels', { channels: 0 }],
      ['bars', { bars: 0 }],
      ['barIndex', { barIndex: -1 }],
      ['source.kind', { source: { kind: 'tape' as 'file' } }],
    ];
    for (const [field, over] of cases) {
      await assert.rejects(lib.addCapture(captureInput(over)), (e) => hasCode(e, 'LIBRARY_BAD_RECORD') && (e as { details: { field: string } }).details.field === field, field);
    }
    assert.equal(lib.listCaptures().length, 0);
    assert.deepEqual(await import('node:fs').then((fs) => fs.readdirSync(join(dir, 'captures'))), []);
  });

  test('audio whose bytes do not match the extension, or an extension not allowed, gets LIBRARY_BAD_AUDIO', async (t) => {
    const { lib } = project(t);
    await assert.rejects(lib.addCapture(captureInput({ audio: { bytes: wavBytes(100), extension: 'flac' } })), code('LIBRARY_BAD_AUDIO'));
    await assert.rejects(lib.addCapture(captureInput({ audio: { bytes: new Uint8Array(100), extension: 'wav' } })), code('LIBRARY_BAD_AUDIO'));
    await assert.rejects(lib.addCapture(captureInput({ audio: { bytes: wavBytes(100), extension: 'exe' } })), code('LIBRARY_BAD_AUDIO'));
  });

  test('audio larger than maxFileBytes gets LIBRARY_FILE_TOO_LARGE', async (t) => {
    const { lib } = project(t, { maxFileBytes: 1000 });
    await lib.addCapture(captureInput({ audio: { bytes: wavBytes(200, 2), extension: 'wav' } }, 200));
    await assert.rejects(lib.addCapture(captureInput({ audio: { bytes: wavBytes(300, 2), extension: 'wav' } }, 300)),
      (e) => hasCode(e, 'LIBRARY_FILE_TOO_LARGE') && (e as { details: { maxFileBytes: number } }).details.maxFileBytes === 1000);
  });

  test('text longer than maxTextChars gets LIBRARY_BAD_RECORD', async (t) => {
    const { lib } = project(t, { maxTextChars: 10 });
    await lib.addCapture(captureInput({ source: { kind: 'plugin', trackName: 'Bass' } }));
    await assert.rejects(lib.addCapture(captureInput({ source: { kind: 'plugin', trackName: 'A very long track name' } })), code('LIBRARY_BAD_RECORD'));
  });
});

describe('takes', () => {
  test('a take keeps every render parameter, its seed and the full request, so it can be regenerated', async (t) => {
    const { lib } = project(t);
    const cap = await lib.addCapture(captureInput());
    const input = takeInput(cap.id, { variationIndex: 2, seed: 987654321 });
    const take = await lib.addTake(input);
    assert.equal(take.captureId, cap.id);
    assert.deepEqual(take.request, input.request);
    assert.deepEqual(
      [take.engineId, take.engineVersion, take.prompt, take.strength, take.cfg, take.cfgBeta, take.topK, take.topP, take.temperature, take.seed, take.variationIndex],
      ['concat', '1.0.0', 'dusty breakbeat', 3, 3, 5, 250, 0, 1, 987654321, 2]);
    assert.deepEqual([take.bpm, take.bars, take.sampleRate, take.channels, take.frames], [120, 1, 48000, 2, 4800]);
    assert.deepEqual(take.info, { units: 16 });
    assert.equal(take.favourite, false);
    assert.equal(take.deleted, false);
    assert.equal(readWavHeader(lib.readFile(take)).frames, 4800);
    assert.deepEqual(lib.getTake(take.id), take);
  });

  test('a take for an unknown capture gets LIBRARY_NOT_FOUND and leaves no file', async (t) => {
    const { lib, dir } = project(t);
    await assert.rejects(lib.addTake(takeInput('cap_000000000000000000000')), code('LIBRARY_NOT_FOUND'));
    assert.deepEqual(await import('node:fs').then((fs) => fs.readdirSync(join(dir, 'takes'))), []);
  });

  test('a take whose variation index is not below request.variations, or whose request is not JSON, is refused', async (t) => {
    const { lib } = project(t);
    const cap = await lib.addCapture(captureInput());
    await assert.rejects(lib.addTake(takeInput(cap.id, { variationIndex: 4 })), code('LIBRARY_BAD_RECORD'));
    const cyclic: Record<string, unknown> = { ...takeInput(cap.id).request };
    cyclic.self = cyclic;
    await assert.rejects(lib.addTake(takeInput(cap.id, { request: cyclic as never })), code('LIBRARY_BAD_RECORD'));
    await assert.rejects(lib.addTake(takeInput(cap.id, { seed: 1.5 })), code('LIBRARY_BAD_RECORD'));
    const withAudio = { ...takeInput(cap.id).request, source: { sampleRate: 48000, channels: [new Float32Array(48000)] } };
    await assert.rejects(lib.addTake(takeInput(cap.id, { request: withAudio })),
      (e) => hasCode(e, 'LIBRARY_BAD_RECORD') && (e as { details: { field: string } }).details.field === 'request.source');
  });

  test('a request larger than maxJsonBytes is refused with LIBRARY_BAD_RECORD', async (t) => {
    const { lib } = project(t, { maxJsonBytes: 1024 });
    const cap = await lib.addCapture(captureInput());
    await lib.addTake(takeInput(cap.id));
    const big = { ...takeInput(cap.id).request, notes: 'x'.repeat(2000) };
    await assert.rejects(lib.addTake(takeInput(cap.id, { request: big })),
      (e) => hasCode(e, 'LIBRARY_BAD_RECORD') && (e as { details: { field: string } }).details.field === 'request');
  });

  test('favourites, soft delete, restore and purge behave as listed, and purge removes the file', async (t) => {
    const { lib } = project(t);
    const cap = await lib.addCapture(captureInput());
    const a = await lib.addTake(takeInput(cap.id, { variationIndex: 0 }));
    const b = await lib.addTake(takeInput(cap.id, { variationIndex: 1 }));
    assert.equal(lib.setFavourite(a.id, true).favourite, true);
    assert.deepEqual(lib.listTakes({ favouriteOnly: true }).map((x) => x.id), [a.id]);
    assert.equal(lib.deleteTake(b.id).deleted, true);
    assert.deepEqual(lib.listTakes().map((x) => x.id), [a.id]);
    assert.deepEqual(lib.listTakes({ includeDeleted: true }).map((x) => x.id).sort(), [a.id, b.id].sort());
    assert.equal(lib.restoreTake(b.id).deleted, false);
    lib.deleteTake(b.id);
    assert.deepEqual(lib.purgeDeletedTakes(), [b.id]);
    assert.equal(existsSync(lib.pathOf(b)), false);
    assert.throws(() => lib.getTake(b.id), code('LIBRARY_NOT_FOUND'));
    assert.throws(() => lib.setFavourite('take_000000000000000000000', true), code('LIBRARY_NOT_FOUND'));
    assert.throws(() => lib.getTake('../../etc/passwd'), code('LIBRARY_NOT_FOUND'));
  });

  test('listTakes filters by capture', async (t) => {
    const { lib } = project(t);
    const c1 = await lib.addCapture(captureInput());
    const c2 = await lib.addCapture(captureInput());
    const t1 = await lib.addTake(takeInput(c1.id));
    await lib.addTake(takeInput(c2.id));
    assert.deepEqual(lib.listTakes({ captureId: c1.id }).map((x) => x.id), [t1.id]);
  });
});

describe('bounces', () => {
  test('a bounce writes one stem per track into its own folder and records the take chosen for each', async (t) => {
    const { lib, dir } = project(t);
    const cap = await lib.addCapture(captureInput());
    const take = await lib.addTake(takeInput(cap.id));
    const b = await lib.addBounce({
      fromBar: 4, toBar: 8, format: 'wav',
      stems: [
        { track: 'Drums', takeIds: [take.id], audio: { bytes: wavBytes(1000), extension: 'wav' } },
        { track: 'Bass / Sub', takeIds: [], audio: { bytes: wavBytes(1000, 1), extension: 'wav' } },
      ],
    });
    assert.equal(b.folder, `bounces/${b.id}`);
    assert.deepEqual(b.stems.map((s) => [s.track, s.takeIds, s.file]),
      [['Drums', [take.id], `bounces/${b.id}/01-Drums.wav`], ['Bass / Sub', [], `bounces/${b.id}/02-Bass _ Sub.wav`]]);
    for (const s of b.stems) assert.ok(existsSync(join(dir, ...s.file.split('/'))));
    assert.deepEqual(lib.getBounce(b.id), b);
    assert.deepEqual(lib.listBounces().map((x) => x.id), [b.id]);
  });

  test('a stem can be an arrangement of one take per bar; those takes survive a purge', async (t) => {
    const { lib } = project(t);
    const cap = await lib.addCapture(captureInput());
    const [a, b] = [await lib.addTake(takeInput(cap.id)), await lib.addTake(takeInput(cap.id, { variationIndex: 1 }))];
    const bounce = await lib.addBounce({ fromBar: 0, toBar: 3, format: 'wav', stems: [{ track: 'Drums', takeIds: [a.id, b.id, a.id], audio: { bytes: wavBytes(100), extension: 'wav' } }] });
    assert.deepEqual(lib.getBounce(bounce.id).stems[0]!.takeIds, [a.id, b.id, a.id]);
    await assert.rejects(lib.addBounce({ fromBar: 0, toBar: 1, format: 'wav', stems: [{ track: 'Drums', takeIds: [a.id, b.id], audio: { bytes: wavBytes(100), extension: 'wav' } }] }),
      (e) => hasCode(e, 'LIBRARY_BAD_RECORD') && (e as { details: { field: string } }).details.field === 'stems[0].takeIds');
    lib.deleteTake(a.id);
    assert.deepEqual(lib.purgeDeletedTakes(), []);
    assert.equal(lib.getTake(a.id).deleted, true);
  });

  test('a bounce can be written to an absolute folder outside the project', async (t) => {
    const { lib } = project(t);
    const out = mkdtempSync(join(tmpdir(), 'sb-lib-out-'));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    const b = await lib.addBounce({ fromBar: 0, toBar: 1, format: 'wav', outDir: out, stems: [{ track: 'Keys', takeIds: [], audio: { bytes: wavBytes(10), extension: 'wav' } }] });
    assert.equal(b.folder, out);
    assert.equal(b.stems[0]!.file, join(out, '01-Keys.wav'));
    assert.ok(existsSync(b.stems[0]!.file));
  });

  test('a bounce with more stems than maxBounceStems, a bad range, a mixed format or an unknown take is refused', async (t) => {
    const { lib } = project(t, { maxBounceStems: 2 });
    const stem = (track: string, ext = 'wav') => ({ track, takeIds: [] as string[], audio: { bytes: wavBytes(10), extension: ext } });
    await assert.rejects(lib.addBounce({ fromBar: 0, toBar: 4, format: 'wav', stems: [stem('a'), stem('b'), stem('c')] }),
      (e) => hasCode(e, 'LIBRARY_BAD_RECORD') && (e as { details: { field: string } }).details.field === 'stems');
    await assert.rejects(lib.addBounce({ fromBar: 4, toBar: 4, format: 'wav', stems: [stem('a')] }), code('LIBRARY_BAD_RECORD'));
    await assert.rejects(lib.addBounce({ fromBar: 0, toBar: 4, format: 'flac', stems: [stem('a')] }), code('LIBRARY_BAD_RECORD'));
    await assert.rejects(lib.addBounce({ fromBar: 0, toBar: 4, format: 'wav', stems: [{ ...stem('a'), takeIds: ['take_000000000000000000000'] }] }), code('LIBRARY_NOT_FOUND'));
    await assert.rejects(lib.addBounce({ fromBar: 0, toBar: 4, format: 'wav', stems: [{ ...stem('a'), name: '../escape' }] }), code('LIBRARY_BAD_RECORD'));
    assert.deepEqual(lib.listBounces(), []);
  });
});

describe('opening and closing', () => {
  test('a second read-write open of the same project gets LIBRARY_LOCKED; after close it opens', (t) => {
    const { lib, dir } = project(t);
    assert.throws(() => openProject(dir), code('LIBRARY_LOCKED'));
    lib.close();
    const again = openProject(dir);
    again.close();
  });

  test('a read-only open works beside the writer, sees its rows and refuses writes with LIBRARY_READ_ONLY', async (t) => {
    const { lib, dir } = project(t);
    const cap = await lib.addCapture(captureInput());
    const ro = openProject(dir, { readOnly: true });
    t.after(() => ro.close());
    assert.equal(ro.getCapture(cap.id).id, cap.id);
    await assert.rejects(ro.addCapture(captureInput()), code('LIBRARY_READ_ONLY'));
    assert.throws(() => ro.sweep(), code('LIBRARY_READ_ONLY'));
  });

  test('a closed library refuses every call with LIBRARY_CLOSED', async (t) => {
    const { lib } = project(t);
    lib.close();
    assert.throws(() => lib.listTakes(), code('LIBRARY_CLOSED'));
    await assert.rejects(lib.addCapture(captureInput()), code('LIBRARY_CLOSED'));
    lib.close();
  });
});
