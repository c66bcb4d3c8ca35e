// The discovery file bridge.json: where it lives, how the host writes it (atomic, 0600) and how clients read it (docs/protocol.md 1).
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { StylebridgeError } from '../common/errors.js';
import { atomicTempPath, fsyncDir } from './fs-atomic.js';

export const BRIDGE_FILE_NAME = 'bridge.json';

export interface BridgeInfo {
  readonly port: number;
  /** 64 lowercase hex characters, new at every start. */
  readonly token: string;
  readonly pid: number;
  readonly version: string;
  readonly protocol: { readonly major: number; readonly minor: number };
}

/**
 * The config folder, by the rule of docs/protocol.md section 1 (the C++ plugin follows the same rule):
 * $STYLEBRIDGE_CONFIG_DIR; else Windows %APPDATA%\stylebridge; macOS ~/Library/Application Support/stylebridge;
 * else $XDG_CONFIG_HOME/stylebridge (if set, non-empty and absolute) or ~/.config/stylebridge.
 */
export function configDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const override = env.STYLEBRIDGE_CONFIG_DIR;
  if (override) return override;
  if (platform === 'win32') {
    const appData = env.APPDATA || join(env.USERPROFILE || home, 'AppData', 'Roaming');
    return join(appData, 'stylebridge');
  }
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'stylebridge');
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'stylebridge');
  return join(home, '.config', 'stylebridge');
}

export function bridgeFilePath(dir: string = configDir()): string {
  return join(dir, BRIDGE_FILE_NAME);
}

/** Writes bridge.json atomically with mode 0600 (the folder is created with 0700 when missing). */
export function writeBridgeFile(info: BridgeInfo, dir: string = configDir()): string {
  const path = bridgeFilePath(dir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = atomicTempPath(path);
    const fd = openSync(temp, 'wx', 0o600);
    let renamed = false;
    try {
      try {
        const bytes = Buffer.from(JSON.stringify(info, null, 2) + '\n');
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
        fchmodSync(fd, 0o600); // the umask cannot widen 0600, but an inherited ACL default might: set it explicitly
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, path);
      renamed = true;
      fsyncDir(dir);
    } finally {
      if (!renamed) {
        try {
          unlinkSync(temp);
        } catch {
          // nothing to clean
        }
      }
    }
  } catch (err) {
    throw new StylebridgeError('SERVER_START_FAILED', `Cannot write the discovery file ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  return path;
}

function isBridgeInfo(v: unknown): v is BridgeInfo {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const p = o.protocol as Record<string, unknown> | undefined;
  return Number.isInteger(o.port) && (o.port as number) > 0 && (o.port as number) < 65536
    && typeof o.token === 'string' && /^[0-9a-f]{64}$/.test(o.token)
    && Number.isInteger(o.pid) && typeof o.version === 'string'
    && typeof p === 'object' && p !== null && Number.isInteger(p.major) && Number.isInteger(p.minor);
}

/** Reads and checks bridge.json; undefined when there is none (no host running). */
export function readBridgeFile(dir: string = configDir()): BridgeInfo | undefined {
  const path = bridgeFilePath(dir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StylebridgeError('INVALID_ARGUMENT', `Cannot read ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (!isBridgeInfo(v)) throw new StylebridgeError('INVALID_ARGUMENT', `${path} is not a valid discovery file.`, { path });
  return v;
}

/** Removes bridge.json only if it still belongs to this run (same pid and token); true when removed. */
export function removeBridgeFileIfOurs(info: Pick<BridgeInfo, 'pid' | 'token'>, dir: string = configDir()): boolean {
  let current: BridgeInfo | undefined;
  try {
    current = readBridgeFile(dir);
  } catch {
    return false;
  }
  if (!current || current.pid !== info.pid || current.token !== info.token) return false;
  try {
    unlinkSync(bridgeFilePath(dir));
    return true;
  } catch {
    return false;
  }
}
