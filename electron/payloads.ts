// Validates what the page asks of the main process (drag a file out, reveal or choose a folder) and turns it into safe paths.
import { statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { StylebridgeError } from '../src/common/errors.js';
import type { DragOutRequest } from '../src/common/ui-client/desktop-api.js';
import { BOUNCES_DIR, CAPTURES_DIR, TAKES_DIR, isLibraryAudioName, type IdKind } from '../src/node/library/layout.js';

/** Longest label accepted with a drag request. */
export const MAX_DRAG_LABEL = 255;
/** Longest folder path accepted from the page. */
export const MAX_FOLDER_PATH = 4096;
/** Audio extensions a drag may carry. */
const AUDIO_EXT = /\.(wav|flac|aif|aiff)$/i;

const DIRS: Readonly<Record<string, IdKind>> = { [TAKES_DIR]: 'take', [CAPTURES_DIR]: 'cap', [BOUNCES_DIR]: 'bnc' };

/** Checks the shape of a drag request from the page. */
export function parseDragRequest(v: unknown): DragOutRequest {
  if (!v || typeof v !== 'object') throw bad('the request is not an object');
  const { audioUrl, label } = v as Record<string, unknown>;
  if (typeof audioUrl !== 'string' || audioUrl.length === 0 || audioUrl.length > 512) throw bad('audioUrl is not a short string');
  if (typeof label !== 'string' || label.length > MAX_DRAG_LABEL) throw bad(`label is not a string of at most ${MAX_DRAG_LABEL} characters`);
  return { audioUrl, label };
}

/**
 * The file a drag carries: `audioUrl` ("takes/<id>.wav", the record's path below the host's /files/) resolved inside
 * the project folder. Only library audio names in takes/ or captures/ are accepted; the file must exist.
 */
export function dragFile(req: DragOutRequest, projectDir: string): string {
  const parts = req.audioUrl.replace(/^\/?files\//, '').split('/');
  if (parts.length !== 2) throw bad('audioUrl must be "<folder>/<file>"');
  const [dir, name] = parts as [string, string];
  const kind = DIRS[dir];
  if (!kind || kind === 'bnc') throw bad(`"${dir}" is not a folder of takes or captures`);
  if (!isLibraryAudioName(name, kind) || !AUDIO_EXT.test(name)) throw bad(`"${name}" is not a library audio file name`);
  const file = join(resolve(projectDir), dir, name);
  let st;
  try {
    st = statSync(file);
  } catch {
    throw bad(`${file} does not exist`);
  }
  if (!st.isFile()) throw bad(`${file} is not a file`);
  return file;
}

/**
 * Checks a folder path from the page (to reveal it): an absolute path, or one relative to the project folder
 * (the host reports bounce folders as "bounces/<id>") that stays inside it; not too long; an existing folder.
 */
export function parseFolder(v: unknown, projectDir?: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_FOLDER_PATH) throw new StylebridgeError('INVALID_ARGUMENT', 'The folder is not a path string.', { limit: 'maxFolderPath', max: MAX_FOLDER_PATH });
  if (v.includes('\0')) throw new StylebridgeError('INVALID_ARGUMENT', 'The folder path holds a NUL character.');
  let p: string;
  if (isAbsolute(v)) {
    p = resolve(v);
  } else {
    if (!projectDir) throw new StylebridgeError('INVALID_ARGUMENT', `"${v}" is not an absolute path.`);
    const root = resolve(projectDir);
    p = resolve(root, v);
    const rel = relative(root, p);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new StylebridgeError('INVALID_ARGUMENT', `"${v}" leaves the project folder.`);
  }
  let st;
  try {
    st = statSync(p);
  } catch {
    throw new StylebridgeError('INVALID_ARGUMENT', `${p} does not exist.`, { path: p });
  }
  if (!st.isDirectory()) throw new StylebridgeError('INVALID_ARGUMENT', `${p} is not a folder.`, { path: p });
  return p;
}

function bad(why: string): StylebridgeError {
  return new StylebridgeError('APP_BAD_DRAG', `Cannot drag this out: ${why}.`, { why });
}
