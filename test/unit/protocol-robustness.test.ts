// The decoders never throw on hostile input: random bytes and mutated valid vectors give a result or a coded fault.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../src/common/error-codes.js';
import { FRAME_HEADER_SIZE, decodeFrame } from '../../src/common/protocol/frame.js';
import { checkLimits, parseMessage } from '../../src/common/protocol/validate.js';
import { DEFAULT_LIMITS } from '../../src/common/protocol/limits.js';
import type { Role, Sender } from '../../src/common/protocol/schema.js';

const dir = new URL('../vectors/', import.meta.url).pathname;
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
  frames: { bin: string }[];
  messages: { file: string; sender: Sender; role: Role }[];
};

/** A small seeded generator (xorshift32) so every run tests the same inputs. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

describe('protocol robustness', () => {
  test('decodeFrame returns a frame consistent with its length, or a PROTO_BAD_FRAME fault, for random and mutated input', () => {
    const r = rng(7);
    const valid = index.frames.map((f) => new Uint8Array(readFileSync(join(dir, f.bin))));
    let oks = 0;
    for (let i = 0; i < 20_000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = Uint8Array.from({ length: Math.floor(r() * 120) }, () => Math.floor(r() * 256));
        if (i % 4 === 0 && bytes.length >= 8) bytes.set([0x53, 0x42, 0x41, 0x46, 1, 0, 40, 0]);
      } else {
        const base = valid[Math.floor(r() * valid.length)]!;
        bytes = Uint8Array.from(base);
        const flips = 1 + Math.floor(r() * 3);
        for (let k = 0; k < flips; k++) bytes[Math.floor(r() * Math.min(bytes.length, FRAME_HEADER_SIZE + 8))] = Math.floor(r() * 256);
        if (r() < 0.2) bytes = bytes.subarray(0, Math.floor(r() * bytes.length));
      }
      const d = decodeFrame(bytes, DEFAULT_LIMITS.maxChannels);
      if (d.ok) {
        oks++;
        assert.equal(bytes.length, FRAME_HEADER_SIZE + 4 * d.frame.channels * d.frame.frameCount);
        assert.ok(d.frame.frameOffset + d.frame.frameCount <= d.frame.totalFrames);
        for (const ch of d.frame.samples) for (const x of ch) assert.ok(Number.isFinite(x));
      } else {
        assert.equal(d.fault.code, 'PROTO_BAD_FRAME');
      }
    }
    assert.ok(oks > 0, 'some mutations stay valid (e.g. in the samples or reserved fields)');
  });

  test('parseMessage returns a message or a fault with a known code for mutated valid messages', () => {
    const r = rng(11);
    const texts = index.messages.map((m) => ({ ...m, text: readFileSync(join(dir, m.file), 'utf8') }));
    const alphabet = '{}[]":,0123456789-.eEtruefalsn \\u';
    for (let i = 0; i < 20_000; i++) {
      const m = texts[Math.floor(r() * texts.length)]!;
      const chars = [...m.text];
      const edits = 1 + Math.floor(r() * 4);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(r() * chars.length);
        const op = r();
        if (op < 0.4) chars[at] = alphabet[Math.floor(r() * alphabet.length)]!;
        else if (op < 0.7) chars.splice(at, 1);
        else chars.splice(at, 0, alphabet[Math.floor(r() * alphabet.length)]!);
      }
      const p = parseMessage(chars.join(''), m.sender, m.role);
      if (p.ok) {
        assert.equal(typeof p.message.type, 'string');
        const f = checkLimits(p.message, DEFAULT_LIMITS);
        if (f) assert.equal(f.code, 'PROTO_LIMIT_EXCEEDED');
      } else {
        assert.ok(p.fault.code in ERROR_CODES, p.fault.code);
        assert.ok(p.fault.code.startsWith('PROTO_'), p.fault.code);
      }
    }
  });

  test('deeply nested or huge JSON inside the size limit is refused without throwing', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    assert.equal(parseMessage(deep, 'plugin', 'plugin').ok, false);
    const wide = JSON.stringify({ type: 'status', state: 'idle', take: 0, takes: 0, drops: 0, underruns: 0, extra: 'x'.repeat(60_000) });
    assert.equal(parseMessage(wide, 'plugin', 'plugin').ok, true, 'unknown fields are ignored');
    const proto = '{"type":"status","state":"idle","take":0,"takes":0,"drops":0,"underruns":0,"__proto__":{"polluted":true}}';
    const p = parseMessage(proto, 'plugin', 'plugin');
    assert.equal(p.ok, true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
