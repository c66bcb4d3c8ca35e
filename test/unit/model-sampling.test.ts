// PCG32, guidance combination, token picking and the Unigram tokenizer against docs/model-package.md.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Pcg32, variationRng, MAX_SEED } from '../../src/node/models/pcg32.js';
import { combineGuidance, pickToken, argmax } from '../../src/node/models/sampling.js';
import { UnigramTokenizer } from '../../src/node/models/unigram-tokenizer.js';
import { loadParity, TINY_PACKAGE_DIR } from '../support/model-fixtures.js';

describe('PCG32', () => {
  test('seed(42, 54) produces the published pcg32 reference outputs', () => {
    const r = new Pcg32(42n, 54n);
    const got = Array.from({ length: 6 }, () => r.nextU32());
    assert.deepEqual(got, [0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e]);
  });

  test('variation streams match the Python reference uniforms', () => {
    const p = loadParity();
    const r = variationRng(7, 0);
    assert.deepEqual(Array.from({ length: 4 }, () => r.uniform()), p.pcg32.variation_seed7_uniforms);
  });

  test('variation v of seed s is the same stream as variation 0 of seed s + v', () => {
    const a = variationRng(100, 3);
    const b = variationRng(103, 0);
    for (let i = 0; i < 10; i++) assert.equal(a.uniform(), b.uniform());
  });

  test('uniforms lie in [0, 1)', () => {
    const r = variationRng(MAX_SEED, 0);
    for (let i = 0; i < 10000; i++) {
      const u = r.uniform();
      assert.ok(u >= 0 && u < 1);
    }
  });

  test('a seed beyond 2^53 - 1 or a negative seed is refused', () => {
    assert.throws(() => variationRng(MAX_SEED, 1), RangeError);
    assert.throws(() => variationRng(-1, 0), RangeError);
    assert.throws(() => variationRng(1.5, 0), RangeError);
  });
});

describe('guidance and picking', () => {
  const rows = [Float32Array.of(1, 2, 3), Float32Array.of(0.5, 0.5, 0.5), Float32Array.of(0, 1, 0)];

  test('double guidance follows l_null + a*(l_style + b*(l_text_style - l_style) - l_null)', () => {
    const out = combineGuidance(rows, 'double', 3, 5, new Float64Array(3));
    for (let j = 0; j < 3; j++) {
      const [l0, l1, l2] = [rows[0]![j]!, rows[1]![j]!, rows[2]![j]!];
      assert.equal(out[j], l2 + 3 * (l1 + 5 * (l0 - l1) - l2));
    }
  });

  test('single guidance uses two rows and none uses the first row only', () => {
    assert.deepEqual(Array.from(combineGuidance(rows, 'single', 2, 0, new Float64Array(3))), [1.5, 3.5, 5.5]);
    assert.deepEqual(Array.from(combineGuidance(rows, 'none', 2, 0, new Float64Array(3))), [1, 2, 3]);
  });

  test('greedy picks the first of equal maxima and draws nothing', () => {
    const r = variationRng(1, 0);
    const ref = variationRng(1, 0);
    assert.equal(pickToken(Float64Array.of(0, 5, 5, 1), r, { temperature: 1, topK: 0, topP: 0, greedy: true }), 1);
    assert.equal(argmax(Float64Array.of(2, 2)), 0);
    assert.equal(r.uniform(), ref.uniform());
  });

  test('temperature 0 means greedy', () => {
    const r = variationRng(1, 0);
    assert.equal(pickToken(Float64Array.of(0, 1, 9, 1), r, { temperature: 0, topK: 250, topP: 0, greedy: false }), 2);
  });

  test('top-k 2 only ever returns the two largest logits', () => {
    const r = variationRng(5, 0);
    const l = Float64Array.of(0, 3, 0.1, 2.9, 0.2);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(pickToken(l, r, { temperature: 1, topK: 2, topP: 0, greedy: false }));
    assert.deepEqual([...seen].sort(), [1, 3]);
  });

  test('top-p keeps the shortest prefix whose mass before each kept token is within p', () => {
    const r = variationRng(9, 0);
    // probabilities ~ 0.6, 0.3, 0.1: with p = 0.5 the second token's preceding mass 0.6 > 0.5, so only the first remains
    const l = Float64Array.of(Math.log(0.1), Math.log(0.6), Math.log(0.3));
    for (let i = 0; i < 200; i++) assert.equal(pickToken(l, r, { temperature: 1, topK: 0, topP: 0.5, greedy: false }), 1);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(pickToken(l, r, { temperature: 1, topK: 1, topP: 0.7, greedy: false }));
    assert.deepEqual([...seen].sort(), [1, 2], 'top_p takes precedence over top_k');
  });

  test('sampled frequencies follow the softmax of the logits', () => {
    const r = variationRng(123, 0);
    const l = Float64Array.of(0, Math.log(3));
    let ones = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) ones += pickToken(l, r, { temperature: 1, topK: 0, topP: 0, greedy: false });
    assert.ok(Math.abs(ones / n - 0.75) < 0.015, `frequency ${ones / n}`);
  });
});

describe('Unigram tokenizer', () => {
  const manifest = JSON.parse(readFileSync(`${TINY_PACKAGE_DIR}/manifest.json`, 'utf8')) as { tokenizer: { pad_id: number; eos_id: number; unk_id: number } };
  const ids = { padId: manifest.tokenizer.pad_id, eosId: manifest.tokenizer.eos_id, unkId: manifest.tokenizer.unk_id };
  const tok = UnigramTokenizer.fromJson(readFileSync(`${TINY_PACKAGE_DIR}/tokenizer.json`, 'utf8'), ids);

  test('tokenizes every parity prompt to the reference ids (whitespace, NFKC, unknown characters, truncation)', () => {
    for (const { text, ids: want } of loadParity().tokenizer) assert.deepEqual(tok.encode(text, 32), want, JSON.stringify(text));
  });

  test('an empty or blank prompt gives no tokens', () => {
    assert.deepEqual(tok.encode(' \t\u3000 ', 32), []);
  });

  test('a prompt longer than max_tokens is cut and still ends with end-of-sequence', () => {
    const out = tok.encode('drum '.repeat(100), 16);
    assert.equal(out.length, 16);
    assert.equal(out[15], ids.eosId);
  });

  test('a tokenizer file that is not a Unigram model is reported as corrupt', () => {
    assert.throws(() => UnigramTokenizer.fromJson('{"model":{"type":"BPE"}}', ids), { code: 'MODEL_FILE_CORRUPT' });
    assert.throws(() => UnigramTokenizer.fromJson('not json', ids), { code: 'MODEL_FILE_CORRUPT' });
  });
});
