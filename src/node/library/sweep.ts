// The orphan sweep: after a crash, removes what no record owns and marks records whose file is gone or damaged.
//
// Safe only while the caller holds the project's write lock (no other process is between "file
// written" and "row committed"). It removes exactly: temp files of atomic writes anywhere under
// captures/, takes/ and bounces/; files named like library audio ("<id>.<ext>") in captures/ and
// takes/ that no row references; bounce folders ("bounces/<bounce id>") that no bounce row references.
// Any other file is the user's and is left alone (reported as foreign).
import { readdirSync, rmSync, statSync, unlinkSync, type Dirent } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type Database from 'better-sqlite3';
import { fsyncDir, isAtomicTempName } from '../fs-atomic.js';
import { BOUNCES_DIR, CAPTURES_DIR, TAKES_DIR, isId, isLibraryAudioName, type IdKind } from './layout.js';
import type { FileStatus } from './records.js';

export interface SweepReport {
  /** Project-relative paths removed, by reason. */
  readonly removedTemp: string[];
  readonly removedOrphans: string[];
  /** Record keys ("cap_...", "take_...", "bnc_...#position") whose status changed, by new status. */
  readonly missing: string[];
  readonly damaged: string[];
  readonly restored: string[];
  /** Files in the library's folders that the library did not write (left in place). */
  readonly foreign: string[];
}

interface FileRow {
  readonly key: string;
  readonly file: string;
  readonly bytes: number;
  readonly status: FileStatus;
  readonly update: (status: FileStatus) => void;
}

export function resolveFile(dir: string, file: string): string {
  return isAbsolute(file) ? file : join(dir, ...file.split('/'));
}

function fileStatus(path: string, bytes: number): FileStatus {
  try {
    const st = statSync(path);
    if (!st.isFile()) return 'missing';
    return st.size === bytes ? 'ok' : 'damaged';
  } catch {
    return 'missing';
  }
}

function listDir(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The target name a temp file of writeFileAtomic stands for (".a.wav.<16 hex>.sbtmp" -> "a.wav"). */
function tempTarget(name: string): string {
  return name.slice(1).replace(/\.[0-9a-f]{16}\.sbtmp$/, '');
}

/**
 * `inFlight`: project-relative paths (files, and bounce folders) that this process is writing right now;
 * they and their temp files are skipped, since their rows are not committed yet.
 */
export function sweepProject(db: Database.Database, dir: string, inFlight: ReadonlySet<string> = new Set()): SweepReport {
  const report: SweepReport = { removedTemp: [], removedOrphans: [], missing: [], damaged: [], restored: [], foreign: [] };
  const touched = new Set<string>();
  const remove = (rel: string, list: string[], recursive = false): void => {
    const abs = join(dir, ...rel.split('/'));
    if (recursive) rmSync(abs, { recursive: true, force: true });
    else unlinkSync(abs);
    list.push(rel);
    touched.add(join(abs, '..'));
  };

  // 1. Records and their files.
  const setCapture = db.prepare('UPDATE captures SET status = ? WHERE id = ?');
  const setTake = db.prepare('UPDATE takes SET status = ? WHERE id = ?');
  const setStem = db.prepare('UPDATE bounce_stems SET status = ? WHERE bounce_id = ? AND position = ?');
  type Row = { id: string; file: string; bytes: number; status: FileStatus };
  type StemRow = Row & { position: number };
  const rows: FileRow[] = [
    ...(db.prepare('SELECT id, file, bytes, status FROM captures').all() as Row[])
      .map((r) => ({ ...r, key: r.id, update: (s: FileStatus) => setCapture.run(s, r.id) })),
    ...(db.prepare('SELECT id, file, bytes, status FROM takes').all() as Row[])
      .map((r) => ({ ...r, key: r.id, update: (s: FileStatus) => setTake.run(s, r.id) })),
    ...(db.prepare('SELECT bounce_id AS id, position, file, bytes, status FROM bounce_stems').all() as StemRow[])
      .map((r) => ({ ...r, key: `${r.id}#${r.position}`, update: (s: FileStatus) => setStem.run(s, r.id, r.position) })),
  ];
  const referenced = new Set(rows.map((r) => r.file));
  const bounceFolders = new Set((db.prepare('SELECT folder FROM bounces').all() as { folder: string }[]).map((r) => r.folder));

  const changes: Array<() => void> = [];
  for (const r of rows) {
    const now = fileStatus(resolveFile(dir, r.file), r.bytes);
    if (now === r.status) continue;
    changes.push(() => r.update(now));
    (now === 'ok' ? report.restored : now === 'missing' ? report.missing : report.damaged).push(r.key);
  }
  if (changes.length) db.transaction(() => changes.forEach((f) => f())).immediate();

  // 2. Files nobody owns in captures/ and takes/.
  const flat: Array<[string, IdKind]> = [[CAPTURES_DIR, 'cap'], [TAKES_DIR, 'take']];
  for (const [folder, kind] of flat) {
    for (const e of listDir(join(dir, folder))) {
      const rel = `${folder}/${e.name}`;
      if (!e.isFile()) { report.foreign.push(rel); continue; }
      if (inFlight.has(rel)) continue;
      if (isAtomicTempName(e.name)) { if (!inFlight.has(`${folder}/${tempTarget(e.name)}`)) remove(rel, report.removedTemp); }
      else if (isLibraryAudioName(e.name, kind)) { if (!referenced.has(rel)) remove(rel, report.removedOrphans); }
      else report.foreign.push(rel);
    }
  }

  // 3. Bounce folders nobody owns; temp files inside owned ones.
  for (const e of listDir(join(dir, BOUNCES_DIR))) {
    const rel = `${BOUNCES_DIR}/${e.name}`;
    if (e.isFile() && isAtomicTempName(e.name)) { remove(rel, report.removedTemp); continue; }
    if (!e.isDirectory() || !isId(e.name, 'bnc')) { report.foreign.push(rel); continue; }
    if (inFlight.has(rel)) continue;
    if (!bounceFolders.has(rel)) { remove(rel, report.removedOrphans, true); continue; }
    for (const f of listDir(join(dir, BOUNCES_DIR, e.name))) {
      const frel = `${rel}/${f.name}`;
      if (f.isFile() && isAtomicTempName(f.name)) remove(frel, report.removedTemp);
      else if (!referenced.has(frel)) report.foreign.push(frel);
    }
  }

  for (const d of touched) fsyncDir(d);
  return report;
}
