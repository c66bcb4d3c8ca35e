// Checks a model package folder: manifest, files present, checksums, tokenizer, and every graph's tensor signature.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { StylebridgeError, type ErrorCode } from '../../common/errors.js';
import { GRAPH_NAMES, readManifest, type GraphName, type ModelManifest } from './manifest.js';
import { tryLoadNativeAddon } from '../native/load.js';
import { compareSignature, expectedSignature, NATIVE_DOMAIN, usesNativeOperators, type ActualTensor, type SignatureProblem } from './signatures.js';
import { UnigramTokenizer } from './unigram-tokenizer.js';

/** Largest tokenizer file read, in bytes. */
export const MAX_TOKENIZER_BYTES = 64 << 20;

export interface VerifyProblem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface VerifiedFile {
  /** Graph name, or "tokenizer". */
  readonly role: string;
  /** Variant name ("int8", "int4") or undefined for the float graph. */
  readonly variant?: string;
  readonly file: string;
  readonly bytes?: number;
  readonly ok: boolean;
  readonly inputs?: readonly string[];
  readonly outputs?: readonly string[];
  /** Which runtime loaded the graph: onnxruntime-node, or the native addon for graphs using its own operators. */
  readonly loadedBy?: 'onnxruntime-node' | 'native';
  /** Why the graph was not loaded (ok is then false, with no problem reported: nothing wrong was found). */
  readonly unverified?: string;
}

export interface VerifyReport {
  readonly dir: string;
  readonly ok: boolean;
  readonly manifest: ModelManifest | null;
  readonly files: readonly VerifiedFile[];
  /** Every problem found, each with a stable MODEL_* code. Empty when ok. */
  readonly problems: readonly VerifyProblem[];
}

export interface VerifyOptions {
  /** Compare files with the manifest's sha256 entries (default true). */
  readonly checksums?: boolean;
  /** Also load the quantized variants (default true). */
  readonly variants?: boolean;
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

function toActual(meta: readonly ort.InferenceSession.ValueMetadata[]): ActualTensor[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, dtype: m.type, shape: [...m.shape] } : { name: m.name, dtype: 'non-tensor', shape: [] }));
}

function describe(p: SignatureProblem): string {
  const tail = p.expected !== undefined ? ` (expected ${JSON.stringify(p.expected)}, found ${JSON.stringify(p.actual)})` : '';
  return `${p.direction} ${p.tensor}: ${p.problem}${tail}`;
}

/**
 * Verifies the package in `dir`. Never throws for a bad package: every finding is a problem with a
 * MODEL_* code in the report. Throws only for programming errors.
 */
export async function verifyModelPackage(dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const files: VerifiedFile[] = [];
  let manifest: ModelManifest;
  try {
    manifest = await readManifest(dir);
  } catch (err) {
    if (err instanceof StylebridgeError) {
      problems.push({ code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) });
      return { dir, ok: false, manifest: null, files, problems };
    }
    throw err;
  }

  if (manifest.tokenizer) {
    const file = manifest.tokenizer.file;
    const bytes = await fileSize(join(dir, file));
    if (bytes === undefined) {
      problems.push({ code: 'MODEL_FILE_MISSING', message: `tokenizer file ${file} is missing`, details: { file } });
      files.push({ role: 'tokenizer', file, ok: false });
    } else if (bytes > MAX_TOKENIZER_BYTES) {
      problems.push({ code: 'MODEL_LIMIT_EXCEEDED', message: `tokenizer file ${file} is larger than ${MAX_TOKENIZER_BYTES} bytes`, details: { file, limit: 'MAX_TOKENIZER_BYTES', value: MAX_TOKENIZER_BYTES } });
      files.push({ role: 'tokenizer', file, bytes, ok: false });
    } else {
      try {
        UnigramTokenizer.fromJson(await readFile(join(dir, file), 'utf8'), manifest.tokenizer, file);
        files.push({ role: 'tokenizer', file, bytes, ok: true });
      } catch (err) {
        if (!(err instanceof StylebridgeError)) throw err;
        problems.push({ code: err.code, message: err.message, details: { file } });
        files.push({ role: 'tokenizer', file, bytes, ok: false });
      }
    }
  }

  for (const graph of GRAPH_NAMES) {
    const entry = manifest.graphs[graph];
    if (!entry) continue;
    const targets: { file: string; variant?: string; sha?: string }[] = [{ file: entry.file, ...(entry.sha256 ? { sha: entry.sha256 } : {}) }];
    if (options.variants !== false) for (const [variant, file] of Object.entries(entry.variants)) targets.push({ file, variant });
    for (const target of targets) {
      files.push(await verifyGraph(dir, manifest, graph, target, options.checksums !== false, problems));
    }
  }
  return { dir, ok: problems.length === 0, manifest, files, problems };
}

async function verifyGraph(dir: string, manifest: ModelManifest, graph: GraphName, target: { file: string; variant?: string; sha?: string },
  checksums: boolean, problems: VerifyProblem[]): Promise<VerifiedFile> {
  const { file, variant } = target;
  const base = { role: graph, file, ...(variant ? { variant } : {}) };
  const path = join(dir, file);
  const bytes = await fileSize(path);
  if (bytes === undefined) {
    problems.push({ code: 'MODEL_FILE_MISSING', message: `graph ${graph}${variant ? ` (${variant})` : ''}: ${file} is missing`, details: { graph, file } });
    return { ...base, ok: false };
  }
  if (checksums && target.sha) {
    const got = await sha256(path);
    if (got !== target.sha) {
      problems.push({ code: 'MODEL_FILE_CORRUPT', message: `graph ${graph}: ${file} does not match its sha256 in the manifest`, details: { graph, file, expected: target.sha, actual: got } });
      return { ...base, bytes, ok: false };
    }
  }
  const label = `graph ${graph}${variant ? ` (${variant})` : ''}`;
  const signature = (inputs: ActualTensor[], outputs: ActualTensor[], loadedBy: VerifiedFile['loadedBy']): VerifiedFile => {
    const found = compareSignature(expectedSignature(manifest, graph), inputs, outputs);
    for (const p of found) problems.push({ code: 'MODEL_SIGNATURE_MISMATCH', message: `${label}: ${describe(p)}`, details: { graph, file, ...p } });
    return { ...base, bytes, ok: found.length === 0, inputs: inputs.map((t) => t.name), outputs: outputs.map((t) => t.name), loadedBy };
  };
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  } catch (err) {
    const message = (err as Error).message;
    if (usesNativeOperators(message)) {
      // A graph with the addon's own operators (the q8 variant): only the addon's runtime can load it.
      const addon = tryLoadNativeAddon();
      if (!addon) return { ...base, bytes, ok: false, unverified: `uses the native addon's operators (${NATIVE_DOMAIN}) and the addon is not available` };
      try {
        const sig = await addon.inspectGraph(path);
        return signature(sig.inputs, sig.outputs, 'native');
      } catch (nativeErr) {
        problems.push({ code: 'MODEL_FILE_CORRUPT', message: `${label}: the native addon cannot load ${file}: ${(nativeErr as Error).message.slice(0, 300)}`, details: { graph, file } });
        return { ...base, bytes, ok: false };
      }
    }
    problems.push({ code: 'MODEL_FILE_CORRUPT', message: `${label}: ONNX Runtime cannot load ${file}: ${message.slice(0, 300)}`, details: { graph, file } });
    return { ...base, bytes, ok: false };
  }
  try {
    return signature(toActual(session.inputMetadata), toActual(session.outputMetadata), 'onnxruntime-node');
  } finally {
    await session.release();
  }
}
