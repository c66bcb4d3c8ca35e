// Checks the protocol codec and validator against the shared vectors in test/vectors, in both directions.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFrame, encodeFrame, type FrameHeader } from '../../src/common/protocol/frame.js';
import { checkLimits, parseMessage } from '../../src/common/protocol/validate.js';
import { negotiateVersion, PROTOCOL_VERSION } from '../../src/common/protocol/version.js';
import { DEFAULT_LIMITS, resolveLimits } from '../../src/common/protocol/limits.js';
import type { Role, Sender, HelloMessage } from '../../src/common/protocol/schema.js';

const dir = new URL('../vectors/', import.meta.url).pathname;
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
  limits: Record<string, number>;
  frames: { name: string; bin: string; json: string; roundTrip: boolean }[];
  invalidFrames: { name: string; bin: string; error: string }[];
  messages: { name: string; file: string; sender: Sender; role: Role }[];
  invalidMessages: { name: string; file: string; sender: Sender; role: Role; error: string; stage: string }[];
};
const bytes = (p: string) => new Uint8Array(readFileSync(join(dir, p)));

describe('protocol vectors', () => {
  test('the vectors assume the default limits of the code', () => {
    for (const [k, v] of Object.entries(index.limits)) assert.equal(DEFAULT_LIMITS[k as keyof typeof DEFAULT_LIMITS], v, k);
  });

  test('the welcome vectors list exactly the limits of the code', () => {
    const welcome = index.messages.find((m) => m.name === 'welcome-plugin')!;
    const m = JSON.parse(readFileSync(join(dir, welcome.file), 'utf8')) as { limits: Record<string, number> };
    assert.deepEqual(m.limits, { ...DEFAULT_LIMITS });
  });

  for (const v of index.frames) {
    test(`frame ${v.name} decodes to its JSON${v.roundTrip ? ' and encodes back to the same bytes' : ''}`, () => {
      const want = JSON.parse(readFileSync(join(dir, v.json), 'utf8')) as { header: FrameHeader; samples: number[][] };
      const r = decodeFrame(bytes(v.bin), DEFAULT_LIMITS.maxChannels);
      assert.ok(r.ok, r.ok ? '' : r.fault.message);
      const { samples, ...header } = r.frame;
      assert.deepEqual(header, want.header);
      assert.deepEqual(samples.map((ch) => Array.from(ch)), want.samples);
      if (v.roundTrip) {
        const { flags: _flags, ...h } = want.header;
        const enc = encodeFrame(h, want.samples.map((ch) => Float32Array.from(ch)), 0);
        assert.deepEqual(Buffer.from(enc), Buffer.from(bytes(v.bin)));
      }
    });
  }

  test('a frame decodes the same from an unaligned offset inside a larger buffer', () => {
    const v = index.frames.find((f) => f.name === 'capture-stereo-4')!;
    const b = bytes(v.bin);
    const big = new Uint8Array(b.length + 3);
    big.set(b, 3);
    const r = decodeFrame(big.subarray(3), 8);
    assert.ok(r.ok);
    assert.deepEqual(Array.from(r.frame.samples[1]!), [-1, 0.25, -0.25, 0.125]);
  });

  for (const v of index.invalidFrames) {
    test(`invalid frame ${v.name} is refused with ${v.error}`, () => {
      const r = decodeFrame(bytes(v.bin), index.limits.maxChannels!);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.fault.code, v.error);
    });
  }

  for (const v of index.messages) {
    test(`message ${v.name} from ${v.sender} on /${v.role} is accepted`, () => {
      const text = readFileSync(join(dir, v.file), 'utf8');
      const r = parseMessage(text, v.sender, v.role);
      assert.ok(r.ok, r.ok ? '' : `${r.fault.code}: ${r.fault.message}`);
      assert.equal(checkLimits(r.message, DEFAULT_LIMITS), undefined);
      assert.deepEqual(r.message, JSON.parse(text));
    });
  }

  for (const v of index.invalidMessages) {
    test(`invalid message ${v.name} is refused with ${v.error} at the ${v.stage} stage`, () => {
      const text = readFileSync(join(dir, v.file), 'utf8');
      const r = parseMessage(text, v.sender, v.role);
      if (v.stage === 'parse') {
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.fault.code, v.error);
        return;
      }
      assert.ok(r.ok, r.ok ? '' : r.fault.message);
      if (v.stage === 'limits') {
        assert.equal(checkLimits(r.message, resolveLimits(index.limits))?.code, v.error);
      } else {
        assert.equal(negotiateVersion((r.message as HelloMessage).protocol, PROTOCOL_VERSION), undefined);
      }
    });
  }
});
