// The tensor signatures each graph must have (docs/model-package.md section 3), derived from a manifest.
import type { GraphName, ModelManifest } from './manifest.js';

export type TensorDtype = 'float32' | 'int64';
/** A number is a size the graph must have; a string names a free dimension. */
export type Dim = number | string;

export interface TensorSignature {
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly Dim[];
}

export interface GraphSignature {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
}

const t = (name: string, dtype: TensorDtype, shape: Dim[]): TensorSignature => ({ name, dtype, shape });

function perLayer(m: ModelManifest, key: string, value: string, len: string): TensorSignature[] {
  const { heads, dim, layers } = m.lm;
  const out: TensorSignature[] = [];
  for (let i = 0; i < layers; i++) {
    out.push(t(`${key}.${i}`, 'float32', ['B', heads, len, dim / heads]), t(`${value}.${i}`, 'float32', ['B', heads, len, dim / heads]));
  }
  return out;
}

export function expectedSignature(m: ModelManifest, graph: GraphName): GraphSignature {
  const D = m.lm.dim;
  const K = m.codec.codebooks;
  const prefixCodes = [t('prefix', 'float32', ['B', 'P', D]), t('codes', 'int64', ['B', K, 'S'])];
  const logits = t('logits', 'float32', ['B', K, m.codec.card]);
  switch (graph) {
    case 'text_encoder':
      return {
        inputs: [t('input_ids', 'int64', ['B', 'Lt']), t('attention_mask', 'int64', ['B', 'Lt'])],
        outputs: [t('text_embeds', 'float32', ['B', 'Lt', D])],
      };
    case 'style_encoder':
      return {
        inputs: [t('audio', 'float32', ['B', 'N']), t('num_streams', 'int64', [1])],
        outputs: [t('style_embeds', 'float32', ['B', 'Ns', D])],
      };
    case 'lm':
      return {
        inputs: [...prefixCodes, ...perLayer(m, 'past_key', 'past_value', 'T')],
        outputs: [logits, ...perLayer(m, 'present_key', 'present_value', 'T+P+S')],
      };
    case 'lm_kv':
      return {
        inputs: [...prefixCodes, t('position', 'int64', [1]), ...perLayer(m, 'cache_key', 'cache_value', 'C')],
        outputs: [logits, ...perLayer(m, 'new_key', 'new_value', 'P+S')],
      };
    case 'lm_fused':
      return {
        inputs: [...prefixCodes, t('position', 'int64', [1]), ...perLayer(m, 'cache_key', 'cache_value', 'C')],
        outputs: [logits, ...perLayer(m, 'present_key', 'present_value', 'C')],
      };
    case 'codec_encode':
      return { inputs: [t('audio', 'float32', ['B', 1, 'N'])], outputs: [t('codes', 'int64', ['B', K, 'T'])] };
    case 'codec_decode':
      return { inputs: [t('codes', 'int64', ['B', K, 'T'])], outputs: [t('audio', 'float32', ['B', 1, 'N'])] };
  }
}

/** What a runtime reports about one tensor (onnxruntime's ValueMetadata, reduced). */
export interface ActualTensor {
  readonly name: string;
  readonly dtype: string;
  /** Empty when the graph does not declare a shape. */
  readonly shape: readonly (number | string)[];
}

export interface SignatureProblem {
  readonly tensor: string;
  readonly direction: 'input' | 'output';
  readonly problem: string;
  readonly expected?: unknown;
  readonly actual?: unknown;
}

/** Compares a graph's declared tensors with the contract. Extra outputs are allowed, extra inputs are not. */
export function compareSignature(want: GraphSignature, inputs: readonly ActualTensor[], outputs: readonly ActualTensor[]): SignatureProblem[] {
  const problems: SignatureProblem[] = [];
  const check = (dir: 'input' | 'output', expected: readonly TensorSignature[], actual: readonly ActualTensor[]) => {
    const byName = new Map(actual.map((a) => [a.name, a]));
    for (const e of expected) {
      const a = byName.get(e.name);
      if (!a) { problems.push({ tensor: e.name, direction: dir, problem: 'missing' }); continue; }
      if (a.dtype !== e.dtype) problems.push({ tensor: e.name, direction: dir, problem: 'dtype', expected: e.dtype, actual: a.dtype });
      if (a.shape.length === 0 && e.shape.length > 0) continue; // shape not declared: only a run can tell
      if (a.shape.length !== e.shape.length) {
        problems.push({ tensor: e.name, direction: dir, problem: 'rank', expected: e.shape, actual: a.shape });
        continue;
      }
      e.shape.forEach((d, i) => {
        const ad = a.shape[i];
        if (typeof d === 'number' && typeof ad === 'number' && ad !== d) {
          problems.push({ tensor: e.name, direction: dir, problem: `size of dimension ${i}`, expected: e.shape, actual: a.shape });
        }
      });
    }
    if (dir === 'input') {
      const names = new Set(expected.map((e) => e.name));
      for (const a of actual) if (!names.has(a.name)) problems.push({ tensor: a.name, direction: dir, problem: 'unexpected input' });
    }
  };
  check('input', want.inputs, inputs);
  check('output', want.outputs, outputs);
  return problems;
}

/** The operator domain of the native addon's own kernels (docs/model-package.md 3.7); onnxruntime-node lacks it. */
export const NATIVE_DOMAIN = 'com.stylebridge';

/** Whether an ONNX Runtime load error says the graph needs the native addon's operators. */
export function usesNativeOperators(loadError: string): boolean {
  return loadError.includes(`${NATIVE_DOMAIN}:`);
}
