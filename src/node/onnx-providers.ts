// Which ONNX Runtime execution providers this installation can use, and why CUDA is or is not available.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ProviderReport {
  /** Version of the onnxruntime-node package, or null when it is not installed. */
  readonly version: string | null;
  /** Folder holding libonnxruntime and the provider libraries. */
  readonly libraryDir: string | null;
  readonly providers: ReadonlyArray<{ name: string; available: boolean; note: string }>;
}

function nvidiaGpuPresent(): boolean {
  return existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidia0');
}

/** Inspects the installed onnxruntime-node without loading a model. */
export function inspectOnnxRuntime(): ProviderReport {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  let version: string;
  try {
    const pkgJson = require.resolve('onnxruntime-node/package.json');
    pkgDir = dirname(pkgJson);
    version = (require(pkgJson) as { version: string }).version;
  } catch {
    return { version: null, libraryDir: null, providers: [{ name: 'cpu', available: false, note: 'onnxruntime-node is not installed: run npm install' }] };
  }
  const platform = process.platform === 'win32' ? 'win32' : process.platform;
  const libraryDir = join(pkgDir, 'bin', 'napi-v6', platform, process.arch);
  const files = existsSync(libraryDir) ? readdirSync(libraryDir) : [];
  const hasCuda = files.some((f) => /onnxruntime_providers_cuda/.test(f));
  const gpu = nvidiaGpuPresent();
  let cudaNote: string;
  if (hasCuda) cudaNote = gpu ? 'CUDA provider installed; an NVIDIA GPU is present' : 'CUDA provider installed, but no NVIDIA GPU was found: CPU will be used';
  else if (gpu) cudaNote = 'an NVIDIA GPU is present but the CUDA provider is not installed: run `npm run install:cuda` (needs internet) to add it';
  else cudaNote = 'no NVIDIA GPU found; CPU will be used';
  return {
    version,
    libraryDir,
    providers: [
      { name: 'cuda', available: hasCuda && gpu, note: cudaNote },
      { name: 'cpu', available: files.some((f) => /onnxruntime\.(so|dll|dylib)|libonnxruntime/.test(f)), note: 'bundled with onnxruntime-node' },
    ],
  };
}
