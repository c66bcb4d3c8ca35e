// Finds and loads the native addon once; says clearly why it is missing or failed to load.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { StylebridgeError } from '../../common/errors.js';
import type { NativeAddon } from './addon-types.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Where `npm install` / `npm run build:native` puts the addon (override with STYLEBRIDGE_NATIVE_ADDON). */
export const NATIVE_ADDON_PATH = `${root}build/native/Release/stylebridge_native.node`;
const BUILD_STATUS_PATH = `${root}build/native/build-status.json`;

export interface NativeAddonStatus {
  /** true when the addon loaded in this process. */
  readonly available: boolean;
  readonly path: string;
  /** NATIVE_MISSING, NATIVE_LOAD_FAILED or NATIVE_DISABLED when not available. */
  readonly code?: string;
  /** For people: what is wrong and what to do. */
  readonly reason: string;
  readonly ortVersion?: string;
  /** The kernel of the q8 variant's Q8MatMul on this CPU ('avx512-vnni', 'avx2' or 'scalar'). */
  readonly int8Kernel?: string;
  readonly audioIo?: boolean;
}

let cached: { addon: NativeAddon } | { error: StylebridgeError } | undefined;

function addonPath(): string {
  return process.env.STYLEBRIDGE_NATIVE_ADDON || NATIVE_ADDON_PATH;
}

function lastBuildFailure(): string | null {
  try {
    const s = JSON.parse(readFileSync(BUILD_STATUS_PATH, 'utf8')) as { ok?: boolean; reason?: string };
    return s.ok === false && typeof s.reason === 'string' ? s.reason : null;
  } catch {
    return null;
  }
}

/** Tries to load the addon at `path` (uncached). */
export function probeNativeAddon(path: string = addonPath()): { addon: NativeAddon } | { error: StylebridgeError } {
  if (process.env.STYLEBRIDGE_DISABLE_NATIVE === '1') {
    return { error: new StylebridgeError('NATIVE_DISABLED', 'the native addon is disabled by STYLEBRIDGE_DISABLE_NATIVE=1', { path }) };
  }
  if (!existsSync(path)) {
    const why = lastBuildFailure();
    return {
      error: new StylebridgeError('NATIVE_MISSING',
        `the native addon is not built (${path})${why ? `; the last build failed: ${why.split('\n')[0]}` : ''}; run \`npm run build:native\``,
        { path, ...(why ? { buildFailure: why } : {}) }),
    };
  }
  try {
    const require = createRequire(import.meta.url);
    // onnxruntime-node first: the addon links the same libonnxruntime, and this keeps one copy in the process.
    require('onnxruntime-node');
    return { addon: require(path) as NativeAddon };
  } catch (err) {
    return {
      error: new StylebridgeError('NATIVE_LOAD_FAILED', `the native addon at ${path} did not load: ${(err as Error).message.split('\n')[0]}`,
        { path }, { cause: err }),
    };
  }
}

/** The loaded addon; throws StylebridgeError NATIVE_MISSING / NATIVE_LOAD_FAILED / NATIVE_DISABLED. */
export function loadNativeAddon(): NativeAddon {
  cached ??= probeNativeAddon();
  if ('error' in cached) throw cached.error;
  return cached.addon;
}

/** The loaded addon, or null when it is unavailable (see nativeAddonStatus for why). */
export function tryLoadNativeAddon(): NativeAddon | null {
  try {
    return loadNativeAddon();
  } catch {
    return null;
  }
}

/** For `stylebridge doctor` and engine info: is the addon usable here, and if not, why. */
export function nativeAddonStatus(): NativeAddonStatus {
  const path = addonPath();
  try {
    const info = loadNativeAddon().info();
    return {
      available: true, path, ortVersion: info.ortVersion, audioIo: info.audioIo, int8Kernel: info.int8Kernel,
      reason: `loaded (ONNX Runtime ${info.ortVersion}, API ${info.ortApiVersion}, q8 kernel ${info.int8Kernel}${info.audioIo ? ', device audio I/O' : ', no device audio I/O'})`,
    };
  } catch (err) {
    const e = err as StylebridgeError;
    return { available: false, path, code: e.code, reason: e.message };
  }
}
