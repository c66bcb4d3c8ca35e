// The project folder layout and record ids: which names the library owns (and may sweep) and which it never touches.
import { randomBytes } from 'node:crypto';

export const DB_FILE = 'stylebridge.db';
/** A second SQLite file held under an exclusive lock by the one read-write opener (released by the OS if it dies). */
export const LOCK_FILE = 'stylebridge.lock';
export const CAPTURES_DIR = 'captures';
export const TAKES_DIR = 'takes';
export const BOUNCES_DIR = 'bounces';

export type IdKind = 'cap' | 'take' | 'bnc';

/** `<kind>_<9 base-36 digits of ms time><12 hex random>`: sortable by creation, unique without coordination. */
export function newId(kind: IdKind, nowMs: number): string {
  return `${kind}_${Math.floor(nowMs).toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

const ID_PATTERN = /^(cap|take|bnc)_[0-9a-z]{9}[0-9a-f]{12}$/;

export function isId(s: string, kind?: IdKind): boolean {
  return ID_PATTERN.test(s) && (kind === undefined || s.startsWith(`${kind}_`));
}

/** "<id>.<ext>" as written by the library into captures/ or takes/. */
export function isLibraryAudioName(name: string, kind: IdKind): boolean {
  const dot = name.indexOf('.');
  return dot > 0 && isId(name.slice(0, dot), kind) && /^[a-z0-9]{1,8}$/.test(name.slice(dot + 1));
}

/** A stem file name from a track name: letters, digits, space, dash, underscore and dot kept; at most 80 characters. */
export function safeStemName(position: number, track: string): string {
  const cleaned = track.normalize('NFC').replace(/[^\p{L}\p{N} _.-]+/gu, '_').replace(/^[.\s]+/, '').slice(0, 80).trim();
  return `${String(position + 1).padStart(2, '0')}-${cleaned || 'track'}`;
}
