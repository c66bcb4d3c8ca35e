// Atomic file writes: a reader (or a process that restarts after a crash) sees the old file or the whole new one, never a part.
//
// Method: write to a temp file in the SAME folder (so rename never crosses a file system), fsync it,
// rename it over the target, then fsync the folder so the rename itself survives a power loss.
// A process killed before the rename leaves only a temp file, recognisable by isAtomicTempName(),
// which whoever owns the folder removes (the project library does it when a project opens).
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Temp names are `.<target name>.<16 hex>.sbtmp`: hidden, in the target's folder, never a valid audio extension. */
const TEMP_SUFFIX = '.sbtmp';
const TEMP_PATTERN = /^\..+\.[0-9a-f]{16}\.sbtmp$/;

/** True for a name made by writeFileAtomic for its temp file (a leftover of a process that was killed). */
export function isAtomicTempName(name: string): boolean {
  return TEMP_PATTERN.test(name);
}

/** The temp path writeFileAtomic uses for `target` (exposed for tests that simulate a crash). */
export function atomicTempPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`);
}

/** Makes a folder's entries (a rename, a new or removed file) durable. No-op where folders cannot be fsynced (Windows). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (err) {
    if (process.platform === 'win32') return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `bytes` to `path` atomically and durably. On any error the temp file is removed and the
 * previous content of `path` (if any) is untouched. Synchronous on purpose: the whole write is one
 * step that a caller can order before its database commit.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const temp = atomicTempPath(path);
  const fd = openSync(temp, 'wx', 0o644);
  let renamed = false;
  try {
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    renamed = true;
    fsyncDir(dirname(path));
  } finally {
    if (!renamed) {
      try {
        unlinkSync(temp);
      } catch {
        // the temp file may not exist; nothing else to clean
      }
    }
  }
}

/** The same as writeFileAtomic, without blocking the event loop during the write and the fsyncs. */
export async function writeFileAtomicAsync(path: string, bytes: Uint8Array): Promise<void> {
  const temp = atomicTempPath(path);
  const fh = await open(temp, 'wx', 0o644);
  let renamed = false;
  try {
    try {
      let off = 0;
      while (off < bytes.length) off += (await fh.write(bytes, off, bytes.length - off)).bytesWritten;
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, path);
    renamed = true;
    const dh = await open(dirname(path), 'r').catch((err: unknown) => {
      if (process.platform === 'win32') return undefined;
      throw err;
    });
    if (dh) {
      try {
        await dh.sync();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw err;
      } finally {
        await dh.close();
      }
    }
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}
