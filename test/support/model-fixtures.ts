// Paths and loaders for the committed tiny model package and its parity vectors (test/fixtures/models).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TINY_PACKAGE_DIR = fileURLToPath(new URL('../fixtures/models/tiny/', import.meta.url));

export interface ParityCase {
  readonly name: string;
  readonly params: {
    readonly frames: number;
    readonly prompt: string | null;
    readonly streams: number;
    readonly cfg: number;
    readonly cfg_beta: number | null;
    readonly temperature: number;
    readonly top_k: number;
    readonly top_p: number;
    readonly greedy: boolean;
    readonly seed: number;
    readonly variation: number;
    readonly mode: 'none' | 'single' | 'double';
    readonly style: string | null;
  };
  readonly token_ids: number[];
  readonly prefix_len: number;
  readonly rows: number;
  readonly lm_calls: number;
  readonly codes: number[][];
  readonly audio: { samples: number; rms: number; peak: number; mean: number; first: number[]; sha256_f32: string };
}

export interface ParityFile {
  readonly frames: number;
  readonly style_excerpt: { file: string; sample_rate: number; samples: number; sha256: string };
  readonly pcg32: { seed: [number, number]; u32: number[]; variation_seed7_uniforms: number[] };
  readonly tokenizer: { text: string; ids: number[] }[];
  readonly cases: ParityCase[];
}

export function loadParity(dir = TINY_PACKAGE_DIR): ParityFile {
  return JSON.parse(readFileSync(`${dir}/parity.json`, 'utf8')) as ParityFile;
}

export function loadStyleExcerpt(dir = TINY_PACKAGE_DIR): Float32Array {
  const b = readFileSync(`${dir}/style-excerpt.f32`);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** RMS, peak and mean of a signal, in float64. */
export function audioStats(a: Float32Array): { rms: number; peak: number; mean: number } {
  let sq = 0, peak = 0, sum = 0;
  for (const v of a) { sq += v * v; sum += v; peak = Math.max(peak, Math.abs(v)); }
  return { rms: Math.sqrt(sq / a.length), peak, mean: sum / a.length };
}
