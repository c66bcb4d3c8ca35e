// Schema versioning of the project database: creation, ordered migrations, rollback on failure, refusal of newer or foreign databases.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hasCode } from '../../src/common/errors.js';
import { openProject } from '../../src/node/library/project-library.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, migrate, type Migration } from '../../src/node/library/schema.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-lib-mig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('project schema', () => {
  test('a new project is created at the current schema version with WAL, foreign keys and the Stylebridge application id', (t) => {
    const dir = tempDir(t);
    const lib = openProject(join(dir, 'p'));
    assert.equal(lib.schemaVersion, SCHEMA_VERSION);
    lib.close();
    const db = new Database(join(dir, 'p', 'stylebridge.db'));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('application_id', { simple: true }), APPLICATION_ID);
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    assert.deepEqual(tables, ['bounce_choices', 'bounce_stems', 'bounces', 'captures', 'meta', 'takes']);
    db.close();
  });

  test('migration numbers run 1..N without gaps', () => {
    assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
    assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
  });

  test('a database written by a newer version is refused with LIBRARY_SCHEMA_TOO_NEW and left untouched', (t) => {
    const dir = tempDir(t);
    openProject(dir).close();
    const db = new Database(join(dir, 'stylebridge.db'));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => openProject(dir), (e) => hasCode(e, 'LIBRARY_SCHEMA_TOO_NEW'));
    assert.throws(() => openProject(dir, { readOnly: true }), (e) => hasCode(e, 'LIBRARY_SCHEMA_TOO_NEW'));
    const again = new Database(join(dir, 'stylebridge.db'));
    assert.equal(again.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
    again.close();
  });

  test('pending migrations run in order, each exactly once', () => {
    const ran: number[] = [];
    const list: Migration[] = [1, 2, 3].map((v) => ({ version: v, description: `step ${v}`, up: (db) => { ran.push(v); db.exec(`CREATE TABLE t${v} (x)`); } }));
    const db = new Database(':memory:');
    assert.deepEqual(migrate(db, list.slice(0, 1)), { from: 0, to: 1 });
    assert.deepEqual(migrate(db, list), { from: 1, to: 3 });
    assert.deepEqual(migrate(db, list), { from: 3, to: 3 });
    assert.deepEqual(ran, [1, 2, 3]);
    db.close();
  });

  test('a failing migration is rolled back and leaves the database at the previous version', () => {
    const db = new Database(':memory:');
    const list: Migration[] = [
      { version: 1, description: 'ok', up: (d) => d.exec('CREATE TABLE a (x)') },
      { version: 2, description: 'fails half way', up: (d) => { d.exec('CREATE TABLE b (x)'); d.exec('INSERT INTO nowhere VALUES (1)'); } },
    ];
    assert.throws(() => migrate(db, list), (e) => hasCode(e, 'LIBRARY_MIGRATION_FAILED') && (e as { details: { version: number } }).details.version === 2);
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    assert.deepEqual(tables, ['a']);
    db.close();
  });

  test('a migration list with a gap is rejected before anything runs', () => {
    const db = new Database(':memory:');
    assert.throws(() => migrate(db, [{ version: 2, description: 'x', up: () => undefined }]), (e) => hasCode(e, 'INTERNAL'));
    assert.equal(db.pragma('user_version', { simple: true }), 0);
    db.close();
  });

  test('an SQLite database of another application is refused, not migrated', (t) => {
    const dir = tempDir(t);
    const db = new Database(join(dir, 'stylebridge.db'));
    db.exec('CREATE TABLE someone_elses (x)');
    db.close();
    assert.throws(() => openProject(dir), (e) => hasCode(e, 'LIBRARY_OPEN_FAILED'));
    const again = new Database(join(dir, 'stylebridge.db'));
    assert.equal(again.pragma('user_version', { simple: true }), 0);
    again.close();
  });

  test('a stylebridge.db that is not an SQLite file gets LIBRARY_OPEN_FAILED', (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'stylebridge.db'), 'this is not a database, just text that is long enough to look like a header');
    assert.throws(() => openProject(dir), (e) => hasCode(e, 'LIBRARY_OPEN_FAILED'));
  });

  test('a read-only open of a database that needs migrating gets LIBRARY_SCHEMA_TOO_OLD', (t) => {
    const dir = tempDir(t);
    new Database(join(dir, 'stylebridge.db')).close();
    assert.throws(() => openProject(dir, { readOnly: true }), (e) => hasCode(e, 'LIBRARY_SCHEMA_TOO_OLD'));
  });

  test('opening a missing project read-only or with create:false fails instead of creating it', (t) => {
    const dir = tempDir(t);
    assert.throws(() => openProject(join(dir, 'none'), { readOnly: true }), (e) => hasCode(e, 'LIBRARY_OPEN_FAILED'));
    assert.throws(() => openProject(join(dir, 'none'), { create: false }), (e) => hasCode(e, 'LIBRARY_OPEN_FAILED'));
  });
});
