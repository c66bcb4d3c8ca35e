// Search across a project: tempo range, meter, key, engine, prompt words, dates, paging, and refusal of bad queries.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../../src/common/errors.js';
import { openProject, type ProjectLibrary } from '../../src/node/library/project-library.js';
import type { TakeRecord } from '../../src/node/library/records.js';
import { captureInput, takeInput } from '../support/library-fixtures.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T12:00:00Z');

describe('library search', () => {
  let dir: string;
  let lib: ProjectLibrary;
  let clock = T0;
  const takes: Record<string, TakeRecord> = {};
  const ids = (r: { items: { id: string }[] }): string[] => r.items.map((x) => x.id).sort();
  const of = (...names: string[]): string[] => names.map((n) => takes[n]!.id).sort();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-lib-search-'));
    lib = openProject(dir, { now: () => clock, maxSearchLimit: 50 });
    // Three captures (day 0, 1, 2) and takes with different tempo, meter, key, engine and prompt.
    const specs = [
      { name: 'funk', bpm: 96, meter: { numerator: 4, denominator: 4 }, key: 'E minor', track: 'Drums', engine: 'concat', prompt: 'dusty funk break' },
      { name: 'waltz', bpm: 140, meter: { numerator: 3, denominator: 4 }, key: 'C major', track: 'Piano', engine: 'musicgen-style', prompt: 'jazz waltz, brushed drums' },
      { name: 'odd', bpm: 174, meter: { numerator: 7, denominator: 8 }, key: undefined, track: 'Synth', engine: 'musicgen-style', prompt: '100% odd_meter' },
    ];
    for (const s of specs) {
      const cap = await lib.addCapture(captureInput({ bpm: s.bpm, meter: s.meter, key: s.key, source: { kind: 'plugin', trackName: s.track } }));
      const request = { ...takeInput(cap.id).request, engineId: s.engine, bpm: s.bpm, meter: s.meter, prompt: s.prompt };
      takes[s.name] = await lib.addTake(takeInput(cap.id, { request }));
      clock += DAY;
    }
  });
  after(() => { lib.close(); rmSync(dir, { recursive: true, force: true }); });

  test('a tempo range is inclusive at both ends', () => {
    assert.deepEqual(ids(lib.search({ bpmMin: 96, bpmMax: 140 })), of('funk', 'waltz'));
    assert.deepEqual(ids(lib.search({ bpmMin: 141 })), of('odd'));
  });

  test('meter matches exactly, given as text or as an object', () => {
    assert.deepEqual(ids(lib.search({ meter: '7/8' })), of('odd'));
    assert.deepEqual(ids(lib.search({ meter: { numerator: 3, denominator: 4 } })), of('waltz'));
    assert.deepEqual(ids(lib.search({ meter: '6/8' })), []);
  });

  test('key matches case-insensitively through the capture', () => {
    assert.deepEqual(ids(lib.search({ key: 'e MINOR' })), of('funk'));
  });

  test('engine filters takes, and captures that have a take by that engine', () => {
    assert.deepEqual(ids(lib.search({ engineId: 'musicgen-style' })), of('waltz', 'odd'));
    assert.deepEqual(lib.search({ kind: 'captures', engineId: 'concat' }).items.map((c) => c.id), [takes.funk!.captureId]);
  });

  test('every word of the text must appear in the prompt or the track name, case-insensitively', () => {
    assert.deepEqual(ids(lib.search({ text: 'DRUMS' })), of('funk', 'waltz'));
    assert.deepEqual(ids(lib.search({ text: 'brushed waltz' })), of('waltz'));
    assert.deepEqual(ids(lib.search({ text: 'brushed funk' })), []);
  });

  test('captures match text in their track name or in the prompt of one of their takes', () => {
    const caps = (text: string): string[] => lib.search({ kind: 'captures', text }).items.map((c) => c.id);
    assert.deepEqual(caps('piano'), [takes.waltz!.captureId]);
    assert.deepEqual(caps('funk'), [takes.funk!.captureId]);
    assert.deepEqual(caps('synth odd_meter'), [takes.odd!.captureId]);
  });

  test('LIKE wildcards in the text are matched literally', () => {
    assert.deepEqual(ids(lib.search({ text: '100%' })), of('odd'));
    assert.deepEqual(ids(lib.search({ text: 'odd_meter' })), of('odd'));
    assert.deepEqual(ids(lib.search({ text: '%' })), of('odd'));
    assert.deepEqual(ids(lib.search({ text: '_' })), of('odd'));
  });

  test('a date range is inclusive and accepts ms or ISO strings', () => {
    assert.deepEqual(ids(lib.search({ createdFrom: T0 + DAY, createdTo: T0 + 2 * DAY })), of('waltz', 'odd'));
    assert.deepEqual(ids(lib.search({ createdTo: new Date(T0 + DAY / 2).toISOString() })), of('funk'));
    assert.deepEqual(lib.search({ kind: 'captures', createdFrom: T0 + 2 * DAY }).items.map((c) => c.id), [takes.odd!.captureId]);
  });

  test('results come newest first by default, with the total before paging', () => {
    const page = lib.search({ limit: 2 });
    assert.equal(page.total, 3);
    assert.deepEqual(page.items.map((x) => x.id), [takes.odd!.id, takes.waltz!.id]);
    assert.deepEqual(lib.search({ limit: 2, offset: 2 }).items.map((x) => x.id), [takes.funk!.id]);
    assert.deepEqual(lib.search({ order: 'oldest', limit: 1 }).items.map((x) => x.id), [takes.funk!.id]);
  });

  test('deleted takes are left out unless asked for', () => {
    lib.deleteTake(takes.funk!.id);
    try {
      assert.deepEqual(ids(lib.search({ engineId: 'concat' })), []);
      assert.deepEqual(ids(lib.search({ engineId: 'concat', includeDeleted: true })), of('funk'));
    } finally {
      lib.restoreTake(takes.funk!.id);
    }
  });

  test('criteria combine with AND', () => {
    assert.deepEqual(ids(lib.search({ engineId: 'musicgen-style', bpmMax: 150, text: 'jazz' })), of('waltz'));
  });

  test('an unknown field, a wrong type, an inverted range or a page above maxSearchLimit gets LIBRARY_BAD_QUERY', () => {
    const bad = (q: unknown, field: string): void => {
      assert.throws(() => lib.search(q as never), (e) => hasCode(e, 'LIBRARY_BAD_QUERY') && (e as { details: { field: string } }).details.field === field, field);
    };
    bad({ bpm_min: 90 }, 'bpm_min');
    bad({ bpmMin: '90' }, 'bpmMin');
    bad({ bpmMin: 150, bpmMax: 100 }, 'bpmMax');
    bad({ meter: '4/5' }, 'meter');
    bad({ createdFrom: 'yesterday' }, 'createdFrom');
    bad({ limit: 51 }, 'limit');
    bad({ kind: 'bounces' }, 'kind');
    bad({ kind: 'captures', favourite: true }, 'favourite');
    bad({ text: Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ') }, 'text');
  });
});
