// Runs exported graphs in onnxruntime-node and compares them with torch outputs written by export_check.py.
// Usage: node tools/model/ort_check.mjs CHECK_DIR   (CHECK_DIR/cases.json lists cases; prints a JSON report)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

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
  let s = sessions.get(c.model);
  if (!s) {
    s = await ort.InferenceSession.create(c.model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    sessions.set(c.model, s);
  }
  const feeds = {};
  for (const t of c.inputs) feeds[t.name] = load(t);
  const out = await s.run(feeds);
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
  report.push(res);
}
process.stdout.write(JSON.stringify(report) + '\n');
