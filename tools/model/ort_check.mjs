// Runs exported graphs in onnxruntime-node (q8 variants: in the native addon) and compares them with torch outputs
// written by export_check.py.
// Usage: node tools/model/ort_check.mjs CHECK_DIR   (CHECK_DIR/cases.json lists cases; prints a JSON report)
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

// Graphs using com.stylebridge operators run only in the native addon (docs/model-package.md 3.7).
const addonPath = fileURLToPath(new URL('../../build/native/Release/stylebridge_native.node', import.meta.url));
const addon = existsSync(addonPath) && process.env.STYLEBRIDGE_DISABLE_NATIVE !== '1' ? createRequire(import.meta.url)(addonPath) : null;

async function runNative(c, feeds) {
  const plain = {};
  for (const [name, t] of Object.entries(feeds)) plain[name] = { dtype: t.type, dims: [...t.dims], data: t.data };
  const r = await addon.runGraph(c.model, plain, 1);
  const out = {};
  for (const [name, v] of Object.entries(r.values)) out[name] = { dims: v.dims, data: v.data };
  return out;
}

const dir = process.argv[2];
const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8'));
const typed = { float32: Float32Array, int64: BigInt64Array };

function load(t) {
  const buf = readFileSync(join(dir, t.file));
  const Ctor = typed[t.dtype];
  const arr = new Ctor(buf.buffer, buf.byteOffset, buf.byteLength / Ctor.BYTES_PER_ELEMENT);
  return new ort.Tensor(t.dtype, Ctor.from(arr), t.dims);
}

const sessions = new Map();
const report = [];
for (const c of cases) {
  if (c.graph === 'q8') {
    if (!addon) {
      report.push({ case: c.name, skipped: `the native addon is not built (${addonPath}); q8 graphs run only there` });
      continue;
    }
    const feeds = {};
    for (const t of c.inputs) feeds[t.name] = load(t);
    report.push(compare(c, await runNative(c, feeds)));
    continue;
  }
  let s = sessions.get(c.model);
  if (!s) {
    s = await ort.InferenceSession.create(c.model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    sessions.set(c.model, s);
  }
  const feeds = {};
  for (const t of c.inputs) feeds[t.name] = load(t);
  report.push(compare(c, await s.run(feeds)));
}
process.stdout.write(JSON.stringify(report) + '\n');

function compare(c, out) {
  const res = { case: c.name, outputs: {} };
  for (const t of c.outputs) {
    const want = load(t);
    const got = out[t.name];
    const r = { dims: Array.from(got.dims), wantDims: t.dims };
    if (t.dtype === 'int64') {
      let same = 0;
      for (let i = 0; i < want.data.length; i++) if (want.data[i] === got.data[i]) same++;
      r.match = want.data.length ? same / want.data.length : 1;
    } else {
      let maxAbs = 0, peak = 0, finite = true;
      for (let i = 0; i < want.data.length; i++) {
        const g = got.data[i];
        if (!Number.isFinite(g)) finite = false;
        maxAbs = Math.max(maxAbs, Math.abs(g - want.data[i]));
        peak = Math.max(peak, Math.abs(want.data[i]));
      }
      Object.assign(r, { maxAbs, peak, finite });
    }
    res.outputs[t.name] = r;
  }
  return res;
}
