// The project library: one folder holding stylebridge.db (SQLite) and the audio files of captures, takes and bounces.
//
// Crash safety comes from one ordering rule: the audio file is written first (atomically: temp,
// fsync, rename, fsync folder), then its row is committed in a transaction; removals go the other
// way (row first, then file). A kill at any point therefore leaves either a temp file or an audio
// file that no row references, never a row without its file; the sweep on the next open removes
// both kinds of leftovers. Only one process may hold a project read-write (LIBRARY_LOCKED otherwise).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StylebridgeError } from '../../common/errors.js';
import type { Meter } from '../../common/timing.js';
import { fsyncDir, writeFileAtomicAsync } from '../fs-atomic.js';
import { BOUNCES_DIR, CAPTURES_DIR, DB_FILE, LOCK_FILE, TAKES_DIR, isId, newId, safeStemName } from './layout.js';
import { resolveOptions, type LibraryOptions, type ResolvedLibraryOptions } from './options.js';
import type {
  BounceInput, BounceRecord, BounceStemRecord, CaptureInput, CaptureRecord, CaptureSource, FileStatus, JsonObject, TakeInput, TakeRecord,
} from './records.js';
import { APPLICATION_ID, SCHEMA_VERSION, migrate, schemaVersionOf } from './schema.js';
import { compileSearch, type SearchQuery } from './search.js';
import { resolveFile, sweepProject, type SweepReport } from './sweep.js';
import { FieldChecker, RECORD_BOUNDS, checkAudio } from './validate.js';

export interface ListTakesOptions {
  readonly captureId?: string;
  readonly favouriteOnly?: boolean;
  readonly includeDeleted?: boolean;
  readonly limit?: number;
  readonly offset?: number;
}

export type SearchResult =
  | { readonly kind: 'takes'; readonly total: number; readonly items: TakeRecord[] }
  | { readonly kind: 'captures'; readonly total: number; readonly items: CaptureRecord[] };

/** Opens (and by default creates) the project in `dir`. Synchronous: migrations and the sweep run before it returns. */
export function openProject(dir: string, opts: LibraryOptions = {}): ProjectLibrary {
  if (typeof dir !== 'string' || dir.length === 0) throw new StylebridgeError('LIBRARY_OPEN_FAILED', 'The project folder path is empty.', { dir });
  return new ProjectLibrary(resolve(dir), resolveOptions(opts));
}

type Row = Record<string, unknown>;

export class ProjectLibrary {
  /** Absolute path of the project folder. */
  readonly dir: string;
  readonly readOnly: boolean;
  /** What the sweep on open found and did (null when it did not run). */
  readonly openSweep: SweepReport | null = null;
  readonly #opts: ResolvedLibraryOptions;
  readonly #check: FieldChecker;
  #db: Database.Database | null;
  #lock: Database.Database | null = null;
  readonly #stmt: Record<string, Database.Statement>;
  /** Project-relative paths being written now (their rows are not committed yet): the sweep leaves them alone. */
  readonly #inFlight = new Set<string>();

  /** Use openProject(). */
  constructor(dir: string, opts: ResolvedLibraryOptions) {
    this.dir = dir;
    this.readOnly = opts.readOnly;
    this.#opts = opts;
    this.#check = new FieldChecker(opts);
    const dbPath = join(dir, DB_FILE);
    if (opts.readOnly || !opts.create) {
      if (!existsSync(dbPath)) throw new StylebridgeError('LIBRARY_OPEN_FAILED', `No project database at ${dbPath}.`, { dir });
    }
    try {
      if (!opts.readOnly) {
        this.#prepareFolders();
        this.#lock = acquireLock(join(dir, LOCK_FILE));
      }
      this.#db = openDatabase(dbPath, opts);
    } catch (err) {
      this.#lock?.close();
      throw err;
    }
    try {
      const version = schemaVersionOf(this.#db);
      if (!opts.readOnly) {
        assertStylebridgeDb(this.#db, dbPath);
        migrate(this.#db);
      } else if (version < SCHEMA_VERSION) {
        throw new StylebridgeError('LIBRARY_SCHEMA_TOO_OLD', `The project database has schema version ${version}; this Stylebridge needs ${SCHEMA_VERSION}.`,
          { version, required: SCHEMA_VERSION });
      } else if (version > SCHEMA_VERSION) {
        throw new StylebridgeError('LIBRARY_SCHEMA_TOO_NEW', `The project database has schema version ${version}; this Stylebridge knows versions up to ${SCHEMA_VERSION}.`,
          { version, supported: SCHEMA_VERSION });
      }
      this.#stmt = prepareStatements(this.#db);
      if (!opts.readOnly && opts.sweepOnOpen) this.openSweep = sweepProject(this.#db, dir);
    } catch (err) {
      this.#db.close();
      this.#db = null;
      this.#lock?.close();
      this.#lock = null;
      throw err;
    }
  }

  /** The schema version of the open database. */
  get schemaVersion(): number {
    return schemaVersionOf(this.#open());
  }

  /** Absolute path of a record's file. */
  pathOf(record: { readonly file: string }): string {
    return resolveFile(this.dir, record.file);
  }

  /** Reads a record's audio bytes; LIBRARY_FILE_MISSING when the file is gone or its size differs from the record. */
  readFile(record: { readonly file: string; readonly bytes: number }): Uint8Array {
    const path = this.pathOf(record);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new StylebridgeError('LIBRARY_FILE_MISSING', `Cannot read ${record.file}.`, { file: record.file }, { cause: err });
    }
    if (bytes.length !== record.bytes) {
      throw new StylebridgeError('LIBRARY_FILE_MISSING', `${record.file} has ${bytes.length} bytes; the record says ${record.bytes}.`, { file: record.file });
    }
    return bytes;
  }

  // ----- captures --------------------------------------------------------------------------------

  async addCapture(input: CaptureInput): Promise<CaptureRecord> {
    this.#writable();
    const c: FieldChecker = this.#check;
    const i = c.object('capture', input);
    const src = c.object('source', i.source);
    if (src.kind !== 'plugin' && src.kind !== 'file') c.fail('source.kind', '"plugin" or "file"', src.kind);
    const sampleRate = c.sampleRate('sampleRate', i.sampleRate);
    const row = {
      source_kind: src.kind as string,
      daw: c.optText('source.daw', src.daw),
      plugin_format: c.optText('source.pluginFormat', src.pluginFormat, 32),
      track_id: c.optText('source.trackId', src.trackId, RECORD_BOUNDS.maxIdChars),
      track_name: c.optText('source.trackName', src.trackName),
      source_file: c.optText('source.file', src.file, 4096),
      bpm: c.bpm('bpm', i.bpm),
      ...meterCols(c.meter('meter', i.meter)),
      bars: c.int('bars', i.bars, 1, RECORD_BOUNDS.maxBars),
      bar_index: c.int('barIndex', i.barIndex, 0, RECORD_BOUNDS.maxBarIndex),
      sample_rate: sampleRate,
      channels: c.int('channels', i.channels, 1, RECORD_BOUNDS.maxChannels),
      frames: c.int('frames', i.frames, 1, Number.MAX_SAFE_INTEGER),
      duration_s: 0,
      music_key: c.optText('key', i.key, 100),
      note: c.optText('note', i.note),
    };
    row.duration_s = row.frames / sampleRate;
    const audio = checkAudio('audio', i.audio, this.#opts);
    const now = this.#opts.now();
    const id = newId('cap', now);
    const file = `${CAPTURES_DIR}/${id}.${audio.extension}`;
    await this.#guard([file], async () => {
      await this.#writeFile(file, audio.bytes);
      this.#insert(() => this.#stmt.insertCapture!.run({
        ...row, id, created_at: now, file, bytes: audio.bytes.length, sha256: sha256(audio.bytes),
      }), file);
    });
    return this.getCapture(id);
  }

  getCapture(id: string): CaptureRecord {
    const r = this.#stmt.getCapture!.get(this.#id(id)) as Row | undefined;
    if (!r) throw notFound('capture', id);
    return captureFromRow(r);
  }

  listCaptures(opts: { limit?: number; offset?: number } = {}): CaptureRecord[] {
    const r = this.search({ kind: 'captures', order: 'newest', ...pick(opts, ['limit', 'offset']) });
    return r.items as CaptureRecord[];
  }

  // ----- takes -----------------------------------------------------------------------------------

  async addTake(input: TakeInput): Promise<TakeRecord> {
    this.#writable();
    const c: FieldChecker = this.#check;
    const i = c.object('take', input);
    const captureId = this.#id(c.text('captureId', i.captureId, RECORD_BOUNDS.maxIdChars));
    if ('source' in c.object('request', i.request)) c.fail('request.source', 'absent: the capture is the source, so store the request without its audio', 'present');
    const { value: request, text: requestJson } = c.json('request', i.request);
    const info = i.info === undefined ? { value: {}, text: '{}' } : c.json('info', i.info);
    const q = request as Record<string, unknown>;
    const sampleRate = c.sampleRate('request.sampleRate', q.sampleRate);
    const variations = c.int('request.variations', q.variations, 1, RECORD_BOUNDS.maxVariations);
    const row = {
      capture_id: captureId,
      engine_id: c.text('request.engineId', q.engineId, RECORD_BOUNDS.maxIdChars),
      engine_version: c.optText('request.engineVersion', q.engineVersion, 100),
      model: c.optText('request.model', q.model, 4096),
      prompt: typeof q.prompt === 'string' && q.prompt.length === 0 ? null : c.optText('request.prompt', q.prompt),
      strength: c.num('request.strength', q.strength),
      cfg: c.optNum('request.cfg', q.cfg),
      cfg_beta: c.optNum('request.cfgBeta', q.cfgBeta),
      top_k: c.optInt('request.topK', q.topK, 0, 1_000_000),
      top_p: c.optNum('request.topP', q.topP, 0, 1),
      temperature: c.optNum('request.temperature', q.temperature, 0),
      seed: c.int('seed', i.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      variation_index: c.int('variationIndex', i.variationIndex, 0, variations - 1),
      bpm: c.bpm('request.bpm', q.bpm),
      ...meterCols(c.meter('request.meter', q.meter)),
      bars: c.int('request.bars', q.bars, 1, RECORD_BOUNDS.maxBars),
      sample_rate: sampleRate,
      channels: c.int('request.channels', q.channels, 1, RECORD_BOUNDS.maxChannels),
      frames: c.int('frames', i.frames, 1, Number.MAX_SAFE_INTEGER),
      duration_s: 0,
      request_json: requestJson,
      info_json: info.text,
    };
    c.int('request.seed', q.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    row.duration_s = row.frames / sampleRate;
    const audio = checkAudio('audio', i.audio, this.#opts);
    if (!this.#stmt.getCapture!.get(captureId)) throw notFound('capture', captureId);
    const now = this.#opts.now();
    const id = newId('take', now);
    const file = `${TAKES_DIR}/${id}.${audio.extension}`;
    await this.#guard([file], async () => {
      await this.#writeFile(file, audio.bytes);
      this.#insert(() => {
        // The capture may have gone while the file was written; the foreign key refuses the row then.
        this.#stmt.insertTake!.run({ ...row, id, created_at: now, file, bytes: audio.bytes.length, sha256: sha256(audio.bytes) });
      }, file);
    });
    return this.getTake(id);
  }

  getTake(id: string): TakeRecord {
    const r = this.#stmt.getTake!.get(this.#id(id)) as Row | undefined;
    if (!r) throw notFound('take', id);
    return takeFromRow(r);
  }

  listTakes(opts: ListTakesOptions = {}): TakeRecord[] {
    const o = this.#check.object('options', opts) as ListTakesOptions;
    const r = this.search({
      kind: 'takes', order: 'newest',
      ...pick(o, ['captureId', 'includeDeleted', 'limit', 'offset']),
      ...(o.favouriteOnly ? { favourite: true } : {}),
    });
    return r.items as TakeRecord[];
  }

  setFavourite(id: string, favourite: boolean): TakeRecord {
    this.#writable();
    this.#check.bool('favourite', favourite);
    if (this.#stmt.setFavourite!.run(favourite ? 1 : 0, this.#id(id)).changes === 0) throw notFound('take', id);
    return this.getTake(id);
  }

  /** Marks a take deleted (hidden from lists and search; its file stays so restoreTake can undo it). */
  deleteTake(id: string): TakeRecord {
    return this.#setDeleted(id, true);
  }

  restoreTake(id: string): TakeRecord {
    return this.#setDeleted(id, false);
  }

  /**
   * Removes takes marked deleted for good, rows first and files after (a kill in between leaves only
   * unreferenced files, which the next sweep removes). Takes used by a bounce are kept. Returns the ids removed.
   */
  purgeDeletedTakes(): string[] {
    this.#writable();
    const db = this.#open();
    const victims = db.prepare(`SELECT id, file FROM takes WHERE deleted = 1
      AND NOT EXISTS (SELECT 1 FROM bounce_choices b WHERE b.take_id = takes.id)`).all() as { id: string; file: string }[];
    if (victims.length === 0) return [];
    const del = db.prepare('DELETE FROM takes WHERE id = ?');
    db.transaction(() => victims.forEach((v) => del.run(v.id))).immediate();
    for (const v of victims) {
      try {
        unlinkSync(this.pathOf(v));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw ioFailed(`remove ${v.file}`, err);
      }
    }
    fsyncDir(join(this.dir, TAKES_DIR));
    return victims.map((v) => v.id);
  }

  // ----- search ----------------------------------------------------------------------------------

  /** Searches takes (default) or captures; see SearchQuery. Invalid queries throw LIBRARY_BAD_QUERY. */
  search(query: SearchQuery = {}): SearchResult {
    const db = this.#open();
    const s = compileSearch(query, this.#opts);
    const rows = db.prepare(s.sql).all(s.params) as Row[];
    const total = (db.prepare(s.countSql).get(s.params) as { n: number }).n;
    return s.kind === 'takes'
      ? { kind: 'takes', total, items: rows.map(takeFromRow) }
      : { kind: 'captures', total, items: rows.map(captureFromRow) };
  }

  // ----- bounces ---------------------------------------------------------------------------------

  /** Writes every stem (atomically), then records the bounce in one transaction. */
  async addBounce(input: BounceInput): Promise<BounceRecord> {
    this.#writable();
    const c: FieldChecker = this.#check;
    const i = c.object('bounce', input);
    const fromBar = c.int('fromBar', i.fromBar, 0, RECORD_BOUNDS.maxBarIndex);
    const toBar = c.int('toBar', i.toBar, fromBar + 1, RECORD_BOUNDS.maxBarIndex + RECORD_BOUNDS.maxBars);
    const format = c.text('format', i.format, 8).replace(/^\./, '').toLowerCase();
    if (!this.#opts.audioExtensions.includes(format)) c.fail('format', `one of ${this.#opts.audioExtensions.join(', ')}`, i.format);
    if (!Array.isArray(i.stems) || i.stems.length === 0 || i.stems.length > this.#opts.maxBounceStems) {
      c.fail('stems', `an array of 1..${this.#opts.maxBounceStems} stems (maxBounceStems)`, Array.isArray(i.stems) ? `${i.stems.length} stems` : i.stems);
    }
    let outDir: string | null = null;
    if (i.outDir !== undefined) {
      outDir = c.text('outDir', i.outDir, 4096);
      if (!isAbsolute(outDir)) c.fail('outDir', 'an absolute folder path', outDir);
      outDir = resolve(outDir);
    }
    const names = new Set<string>();
    const stems = (i.stems as unknown[]).map((raw, position) => {
      const s = c.object(`stems[${position}]`, raw);
      const track = c.text(`stems[${position}].track`, s.track, 200);
      if (!Array.isArray(s.takeIds) || s.takeIds.length > toBar - fromBar) c.fail(`stems[${position}].takeIds`, `an array of at most ${toBar - fromBar} take ids (one per bar)`, s.takeIds);
      const takeIds = (s.takeIds as unknown[]).map((tid, k) => {
        const takeId = this.#id(c.text(`stems[${position}].takeIds[${k}]`, tid, RECORD_BOUNDS.maxIdChars));
        if (!this.#stmt.getTake!.get(takeId)) throw notFound('take', takeId);
        return takeId;
      });
      const name = s.name === undefined ? safeStemName(position, track) : c.text(`stems[${position}].name`, s.name, 120);
      if (/[/\\\0]/.test(name) || name.startsWith('.')) c.fail(`stems[${position}].name`, 'a file name without folder separators, not starting with "."', name);
      const audio = checkAudio(`stems[${position}].audio`, s.audio, this.#opts);
      if (audio.extension !== format) c.fail(`stems[${position}].audio.extension`, `"${format}" (the bounce format)`, audio.extension);
      const fileName = `${name}.${format}`;
      if (names.has(fileName.toLowerCase())) c.fail(`stems[${position}].name`, 'unique within the bounce', name);
      names.add(fileName.toLowerCase());
      return { position, track, takeIds, fileName, audio };
    });
    const now = this.#opts.now();
    const id = newId('bnc', now);
    const folder = outDir ?? `${BOUNCES_DIR}/${id}`;
    const folderAbs = resolveFile(this.dir, folder);
    await this.#guard([folder], async () => {
      try {
        mkdirSync(folderAbs, { recursive: true });
        fsyncDir(join(folderAbs, '..'));
      } catch (err) {
        throw ioFailed(`create ${folder}`, err);
      }
      const files: BounceStemRecord[] = [];
      for (const s of stems) {
        const file = outDir ? join(outDir, s.fileName) : `${folder}/${s.fileName}`;
        await this.#writeFile(file, s.audio.bytes);
        files.push({ position: s.position, track: s.track, takeIds: s.takeIds, file, bytes: s.audio.bytes.length, sha256: sha256(s.audio.bytes), status: 'ok' });
      }
      this.#insert(() => {
        this.#stmt.insertBounce!.run({ id, created_at: now, from_bar: fromBar, to_bar: toBar, format, folder });
        for (const f of files) {
          this.#stmt.insertStem!.run({ bounce_id: id, position: f.position, track: f.track, file: f.file, bytes: f.bytes, sha256: f.sha256 });
          f.takeIds.forEach((takeId, slot) => this.#stmt.insertChoice!.run({ bounce_id: id, position: f.position, slot, take_id: takeId }));
        }
      });
    });
    return this.getBounce(id);
  }

  getBounce(id: string): BounceRecord {
    const r = this.#stmt.getBounce!.get(this.#id(id)) as Row | undefined;
    if (!r) throw notFound('bounce', id);
    const choices = this.#stmt.getChoices!.all(id) as { position: number; take_id: string }[];
    const stems = (this.#stmt.getStems!.all(id) as Row[]).map((s) => ({
      position: s.position as number, track: s.track as string,
      takeIds: choices.filter((ch) => ch.position === s.position).map((ch) => ch.take_id),
      file: s.file as string, bytes: s.bytes as number, sha256: s.sha256 as string, status: s.status as FileStatus,
    }));
    return { id, createdAt: r.created_at as number, fromBar: r.from_bar as number, toBar: r.to_bar as number, format: r.format as string, folder: r.folder as string, stems };
  }

  listBounces(): BounceRecord[] {
    const ids = this.#open().prepare('SELECT id FROM bounces ORDER BY created_at DESC, id DESC').all() as { id: string }[];
    return ids.map((r) => this.getBounce(r.id));
  }

  // ----- maintenance -----------------------------------------------------------------------------

  /** Runs the orphan sweep now (it also runs on open). */
  sweep(): SweepReport {
    this.#writable();
    return sweepProject(this.#open(), this.dir, this.#inFlight);
  }

  /** PRAGMA integrity_check plus foreign_key_check; returns the problems found (empty when healthy). */
  checkIntegrity(): string[] {
    const db = this.#open();
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).filter((s) => s !== 'ok');
    for (const fk of db.pragma('foreign_key_check') as Row[]) problems.push(`foreign key: ${JSON.stringify(fk)}`);
    return problems;
  }

  /** Closes the database and releases the write lock. Writes still in flight then fail with LIBRARY_CLOSED. */
  close(): void {
    if (!this.#db) return;
    if (!this.readOnly) {
      try {
        this.#db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // a reader may hold the WAL; the next opener checkpoints
      }
    }
    this.#db.close();
    this.#db = null;
    this.#lock?.close();
    this.#lock = null;
  }

  get closed(): boolean {
    return this.#db === null;
  }

  // ----- internals -------------------------------------------------------------------------------

  #open(): Database.Database {
    if (!this.#db) throw new StylebridgeError('LIBRARY_CLOSED', 'The project library is closed.', { dir: this.dir });
    return this.#db;
  }

  #writable(): void {
    this.#open();
    if (this.readOnly) throw new StylebridgeError('LIBRARY_READ_ONLY', 'The project was opened read-only.', { dir: this.dir });
  }

  #id(id: unknown): string {
    if (typeof id !== 'string' || !isId(id)) throw new StylebridgeError('LIBRARY_NOT_FOUND', `${JSON.stringify(id)} is not a record id.`, { id: String(id) });
    return id;
  }

  #setDeleted(id: string, deleted: boolean): TakeRecord {
    this.#writable();
    if (this.#stmt.setDeleted!.run(deleted ? 1 : 0, this.#id(id)).changes === 0) throw notFound('take', id);
    return this.getTake(id);
  }

  #prepareFolders(): void {
    try {
      const created = !existsSync(this.dir);
      mkdirSync(this.dir, { recursive: true });
      if (created) fsyncDir(join(this.dir, '..'));
      for (const sub of [CAPTURES_DIR, TAKES_DIR, BOUNCES_DIR]) {
        const p = join(this.dir, sub);
        if (!existsSync(p)) {
          mkdirSync(p);
          fsyncDir(this.dir);
        }
      }
      if (!statSync(this.dir).isDirectory()) throw new Error('not a folder');
    } catch (err) {
      if (err instanceof StylebridgeError) throw err;
      throw new StylebridgeError('LIBRARY_OPEN_FAILED', `Cannot create the project folder ${this.dir}: ${(err as Error).message}`, { dir: this.dir }, { cause: err });
    }
  }

  /** Marks paths as being written for the duration of `work`, so a sweep() meanwhile leaves them alone. */
  async #guard(paths: readonly string[], work: () => Promise<void>): Promise<void> {
    for (const p of paths) this.#inFlight.add(p);
    try {
      await work();
    } finally {
      for (const p of paths) this.#inFlight.delete(p);
    }
  }

  async #writeFile(file: string, bytes: Uint8Array): Promise<void> {
    try {
      await writeFileAtomicAsync(resolveFile(this.dir, file), bytes);
    } catch (err) {
      throw ioFailed(`write ${file}`, err);
    }
  }

  /** Commits a row after its file exists. If the commit fails, the file is removed again (best effort; the sweep covers a kill). */
  #insert(write: () => void, file?: string): void {
    try {
      this.#open().transaction(write).immediate();
    } catch (err) {
      if (file && this.#db) {
        try {
          unlinkSync(resolveFile(this.dir, file));
        } catch {
          // left for the sweep
        }
      }
      if (err instanceof StylebridgeError) throw err;
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw notFound('capture', '(referenced record)');
      throw new StylebridgeError('INTERNAL', `Recording failed: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
}

// ----- helpers -------------------------------------------------------------------------------------

function openDatabase(path: string, opts: ResolvedLibraryOptions): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: opts.readOnly, fileMustExist: opts.readOnly || !opts.create, timeout: opts.busyTimeoutMs });
  } catch (err) {
    throw new StylebridgeError('LIBRARY_OPEN_FAILED', `Cannot open ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  try {
    if (!opts.readOnly) {
      db.pragma('journal_mode = WAL');
      // FULL: a committed row survives a power loss, so the file it names (fsynced before) does too.
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    schemaVersionOf(db);
  } catch (err) {
    db.close();
    throw new StylebridgeError('LIBRARY_OPEN_FAILED', `${path} is not a readable SQLite database: ${(err as Error).message}`, { path }, { cause: err });
  }
  return db;
}

/** A database with tables of its own and no Stylebridge application id is someone else's: refuse to migrate it. */
function assertStylebridgeDb(db: Database.Database, path: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n;
  if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) {
    db.close();
    throw new StylebridgeError('LIBRARY_OPEN_FAILED', `${path} is an SQLite database but not a Stylebridge project.`, { path, applicationId: appId });
  }
}

function acquireLock(path: string): Database.Database {
  let lock: Database.Database;
  try {
    lock = new Database(path, { timeout: 0 });
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new StylebridgeError('LIBRARY_LOCKED', `Another process has ${join(path, '..')} open for writing.`, { lockFile: path }, { cause: err });
    }
    throw new StylebridgeError('LIBRARY_OPEN_FAILED', `Cannot create the lock file ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  return lock;
}

function prepareStatements(db: Database.Database): Record<string, Database.Statement> {
  return {
    insertCapture: db.prepare(`INSERT INTO captures (id, created_at, source_kind, daw, plugin_format, track_id, track_name, source_file,
      bpm, meter_num, meter_den, bars, bar_index, sample_rate, channels, frames, duration_s, music_key, note, file, bytes, sha256)
      VALUES (@id, @created_at, @source_kind, @daw, @plugin_format, @track_id, @track_name, @source_file,
      @bpm, @meter_num, @meter_den, @bars, @bar_index, @sample_rate, @channels, @frames, @duration_s, @music_key, @note, @file, @bytes, @sha256)`),
    getCapture: db.prepare('SELECT * FROM captures WHERE id = ?'),
    insertTake: db.prepare(`INSERT INTO takes (id, capture_id, created_at, engine_id, engine_version, model, prompt, strength, cfg, cfg_beta,
      top_k, top_p, temperature, seed, variation_index, bpm, meter_num, meter_den, bars, sample_rate, channels, frames, duration_s,
      request_json, info_json, file, bytes, sha256)
      VALUES (@id, @capture_id, @created_at, @engine_id, @engine_version, @model, @prompt, @strength, @cfg, @cfg_beta,
      @top_k, @top_p, @temperature, @seed, @variation_index, @bpm, @meter_num, @meter_den, @bars, @sample_rate, @channels, @frames, @duration_s,
      @request_json, @info_json, @file, @bytes, @sha256)`),
    getTake: db.prepare('SELECT * FROM takes WHERE id = ?'),
    setFavourite: db.prepare('UPDATE takes SET favourite = ? WHERE id = ?'),
    setDeleted: db.prepare('UPDATE takes SET deleted = ? WHERE id = ?'),
    insertBounce: db.prepare('INSERT INTO bounces (id, created_at, from_bar, to_bar, format, folder) VALUES (@id, @created_at, @from_bar, @to_bar, @format, @folder)'),
    insertStem: db.prepare(`INSERT INTO bounce_stems (bounce_id, position, track, file, bytes, sha256)
      VALUES (@bounce_id, @position, @track, @file, @bytes, @sha256)`),
    insertChoice: db.prepare('INSERT INTO bounce_choices (bounce_id, position, slot, take_id) VALUES (@bounce_id, @position, @slot, @take_id)'),
    getChoices: db.prepare('SELECT position, take_id FROM bounce_choices WHERE bounce_id = ? ORDER BY position, slot'),
    getBounce: db.prepare('SELECT * FROM bounces WHERE id = ?'),
    getStems: db.prepare('SELECT * FROM bounce_stems WHERE bounce_id = ? ORDER BY position'),
  };
}

function meterCols(m: Meter): { meter_num: number; meter_den: number } {
  return { meter_num: m.numerator, meter_den: m.denominator };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function notFound(what: string, id: string): StylebridgeError {
  return new StylebridgeError('LIBRARY_NOT_FOUND', `No ${what} with id ${id}.`, { kind: what, id });
}

function ioFailed(what: string, err: unknown): StylebridgeError {
  return new StylebridgeError('LIBRARY_IO_FAILED', `Cannot ${what}: ${(err as Error).message}`, { errno: (err as NodeJS.ErrnoException).code }, { cause: err });
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function nullable<T>(v: unknown): T | null {
  return v === null || v === undefined ? null : (v as T);
}

function captureFromRow(r: Row): CaptureRecord {
  const source: CaptureSource = {
    kind: r.source_kind as 'plugin' | 'file',
    ...(r.daw != null ? { daw: r.daw as string } : {}),
    ...(r.plugin_format != null ? { pluginFormat: r.plugin_format as string } : {}),
    ...(r.track_id != null ? { trackId: r.track_id as string } : {}),
    ...(r.track_name != null ? { trackName: r.track_name as string } : {}),
    ...(r.source_file != null ? { file: r.source_file as string } : {}),
  };
  return {
    id: r.id as string, createdAt: r.created_at as number, source,
    bpm: r.bpm as number, meter: { numerator: r.meter_num as number, denominator: r.meter_den as number },
    bars: r.bars as number, barIndex: r.bar_index as number, sampleRate: r.sample_rate as number, channels: r.channels as number,
    frames: r.frames as number, durationSeconds: r.duration_s as number, key: nullable(r.music_key), note: nullable(r.note),
    file: r.file as string, bytes: r.bytes as number, sha256: r.sha256 as string, status: r.status as FileStatus,
  };
}

function takeFromRow(r: Row): TakeRecord {
  return {
    id: r.id as string, captureId: r.capture_id as string, createdAt: r.created_at as number,
    engineId: r.engine_id as string, engineVersion: nullable(r.engine_version), model: nullable(r.model), prompt: nullable(r.prompt),
    strength: r.strength as number, cfg: nullable(r.cfg), cfgBeta: nullable(r.cfg_beta), topK: nullable(r.top_k), topP: nullable(r.top_p),
    temperature: nullable(r.temperature), seed: r.seed as number, variationIndex: r.variation_index as number,
    bpm: r.bpm as number, meter: { numerator: r.meter_num as number, denominator: r.meter_den as number },
    bars: r.bars as number, sampleRate: r.sample_rate as number, channels: r.channels as number, frames: r.frames as number,
    durationSeconds: r.duration_s as number, favourite: r.favourite === 1, deleted: r.deleted === 1,
    request: JSON.parse(r.request_json as string) as JsonObject, info: JSON.parse(r.info_json as string) as JsonObject,
    file: r.file as string, bytes: r.bytes as number, sha256: r.sha256 as string, status: r.status as FileStatus,
  };
}
