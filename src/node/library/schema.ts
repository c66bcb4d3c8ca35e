// The project database schema as an ordered list of migrations, and the function that applies them.
//
// PRAGMA user_version holds the number of the last migration applied. Each migration runs in its own
// transaction together with the user_version update, so a failure (or a kill) leaves the database at
// the previous version. Never edit a released migration: append a new one.
import type Database from 'better-sqlite3';
import { StylebridgeError } from '../../common/errors.js';

/** Marks a database as a Stylebridge project ("SBRG"); a database with other tables and another id is refused. */
export const APPLICATION_ID = 0x53425247;

export interface Migration {
  /** 1, 2, 3 ... without gaps. */
  readonly version: number;
  readonly description: string;
  readonly up: (db: Database.Database) => void;
}

const FILE_COLUMNS = `
  file TEXT NOT NULL UNIQUE,
  bytes INTEGER NOT NULL CHECK (bytes >= 0),
  sha256 TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'missing', 'damaged'))`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'captures, takes, bounces and project metadata',
    up: (db) => {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.exec(`
        CREATE TABLE meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;

        CREATE TABLE captures (
          id TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL,
          source_kind TEXT NOT NULL CHECK (source_kind IN ('plugin', 'file')),
          daw TEXT,
          plugin_format TEXT,
          track_id TEXT,
          track_name TEXT,
          source_file TEXT,
          bpm REAL NOT NULL,
          meter_num INTEGER NOT NULL,
          meter_den INTEGER NOT NULL,
          bars INTEGER NOT NULL,
          bar_index INTEGER NOT NULL,
          sample_rate INTEGER NOT NULL,
          channels INTEGER NOT NULL,
          frames INTEGER NOT NULL,
          duration_s REAL NOT NULL,
          music_key TEXT,
          note TEXT,
          ${FILE_COLUMNS}
        ) STRICT;
        CREATE INDEX captures_created ON captures (created_at);
        CREATE INDEX captures_bpm ON captures (bpm);

        CREATE TABLE takes (
          id TEXT PRIMARY KEY,
          capture_id TEXT NOT NULL REFERENCES captures (id) ON DELETE RESTRICT,
          created_at INTEGER NOT NULL,
          engine_id TEXT NOT NULL,
          engine_version TEXT,
          model TEXT,
          prompt TEXT,
          strength REAL NOT NULL,
          cfg REAL,
          cfg_beta REAL,
          top_k INTEGER,
          top_p REAL,
          temperature REAL,
          seed INTEGER NOT NULL,
          variation_index INTEGER NOT NULL,
          bpm REAL NOT NULL,
          meter_num INTEGER NOT NULL,
          meter_den INTEGER NOT NULL,
          bars INTEGER NOT NULL,
          sample_rate INTEGER NOT NULL,
          channels INTEGER NOT NULL,
          frames INTEGER NOT NULL,
          duration_s REAL NOT NULL,
          favourite INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1)),
          deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
          request_json TEXT NOT NULL,
          info_json TEXT NOT NULL DEFAULT '{}',
          ${FILE_COLUMNS}
        ) STRICT;
        CREATE INDEX takes_capture ON takes (capture_id);
        CREATE INDEX takes_created ON takes (created_at);
        CREATE INDEX takes_engine ON takes (engine_id);
        CREATE INDEX takes_bpm ON takes (bpm);

        CREATE TABLE bounces (
          id TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL,
          from_bar INTEGER NOT NULL,
          to_bar INTEGER NOT NULL CHECK (to_bar > from_bar),
          format TEXT NOT NULL,
          folder TEXT NOT NULL UNIQUE
        ) STRICT;

        CREATE TABLE bounce_stems (
          bounce_id TEXT NOT NULL REFERENCES bounces (id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          track TEXT NOT NULL,
          ${FILE_COLUMNS},
          PRIMARY KEY (bounce_id, position)
        ) STRICT;

        -- The takes a stem was made of, in order: one for the whole range, or one per bar (an arrangement).
        CREATE TABLE bounce_choices (
          bounce_id TEXT NOT NULL,
          position INTEGER NOT NULL,
          slot INTEGER NOT NULL,
          take_id TEXT NOT NULL REFERENCES takes (id) ON DELETE RESTRICT,
          PRIMARY KEY (bounce_id, position, slot),
          FOREIGN KEY (bounce_id, position) REFERENCES bounce_stems (bounce_id, position) ON DELETE CASCADE
        ) STRICT;
        CREATE INDEX bounce_choices_take ON bounce_choices (take_id);
      `);
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('created_at', String(Date.now()));
    },
  },
];

/** The schema version this build writes: the last migration's number. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
}

/** Reads PRAGMA user_version. */
export function schemaVersionOf(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings `db` to the last version of `migrations`. Throws LIBRARY_SCHEMA_TOO_NEW (and changes nothing)
 * when the database is newer, and LIBRARY_MIGRATION_FAILED when a step fails (that step is rolled
 * back; earlier steps stay applied, each being complete).
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new StylebridgeError('INTERNAL', `Migration list is not ordered 1..N: entry ${i} has version ${m.version}.`);
  });
  const latest = migrations.length;
  const from = schemaVersionOf(db);
  if (from > latest) {
    throw new StylebridgeError('LIBRARY_SCHEMA_TOO_NEW',
      `The project database has schema version ${from}; this Stylebridge knows versions up to ${latest}.`, { version: from, supported: latest });
  }
  for (const m of migrations.slice(from)) {
    const step = db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      step.immediate();
    } catch (err) {
      throw new StylebridgeError('LIBRARY_MIGRATION_FAILED',
        `Migration ${m.version} (${m.description}) failed: ${(err as Error).message}`, { version: m.version }, { cause: err });
    }
  }
  return { from, to: latest };
}
