// The limits table: code and docs/protocol.md agree, overrides are checked, and the rate limiters behave as documented.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS, LIMIT_NAMES, resolveLimits } from '../../src/common/protocol/limits.js';
import { DropCounter, TokenBucket } from '../../src/node/server/rate-limit.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

describe('protocol limits', () => {
  test('every limit in the code has a row with the same default in docs/protocol.md section 7, and no row is extra', () => {
    const section = doc.slice(doc.indexOf('## 7. Limits'), doc.indexOf('## 8.'));
    const rows = new Map<string, number>();
    for (const m of section.matchAll(/^\| `(\w+)` \| (\d+) \|/gm)) rows.set(m[1]!, Number(m[2]));
    assert.deepEqual([...rows.keys()].sort(), [...LIMIT_NAMES].sort());
    for (const name of LIMIT_NAMES) assert.equal(rows.get(name), DEFAULT_LIMITS[name], name);
  });

  test('overrides replace defaults and everything else keeps its default', () => {
    const l = resolveLimits({ maxChannels: 2 });
    assert.equal(l.maxChannels, 2);
    assert.equal(l.maxTextMessageBytes, DEFAULT_LIMITS.maxTextMessageBytes);
  });

  test('an unknown, zero, negative or non-finite limit is refused', () => {
    assert.throws(() => resolveLimits({ maxFoo: 1 } as never), RangeError);
    assert.throws(() => resolveLimits({ maxChannels: 0 }), RangeError);
    assert.throws(() => resolveLimits({ maxChannels: -1 }), RangeError);
    assert.throws(() => resolveLimits({ helloTimeoutMs: Infinity }), RangeError);
  });

  test('a binary message limit below the text limit is refused (it is the WebSocket maxPayload)', () => {
    assert.throws(() => resolveLimits({ maxBinaryMessageBytes: 1000, maxTextMessageBytes: 2000 }), RangeError);
  });

  test('a token bucket allows its burst at once, then refills at its rate', () => {
    let now = 0;
    const b = new TokenBucket(30, 15, () => now);
    let passed = 0;
    for (let i = 0; i < 100; i++) if (b.take()) passed++;
    assert.equal(passed, 15);
    now += 1000;
    passed = 0;
    for (let i = 0; i < 100; i++) if (b.take()) passed++;
    assert.equal(passed, 15, 'refill is capped at the burst');
    now += 100;
    passed = 0;
    for (let i = 0; i < 100; i++) if (b.take()) passed++;
    assert.equal(passed, 3);
  });

  test('a steady 30 Hz sender never loses a message to a 30 Hz bucket', () => {
    let now = 0;
    const b = new TokenBucket(30, 15, () => now);
    for (let i = 0; i < 3000; i++) {
      now = (i * 1000) / 30;
      assert.ok(b.take(), `message ${i}`);
    }
  });

  test('drops are reported at most once a second and a flood over the limit within the window asks to close', () => {
    let now = 0;
    const d = new DropCounter(10, 10_000, () => now);
    assert.equal(d.drop().report, 1);
    for (let i = 0; i < 5; i++) assert.equal(d.drop().report, undefined);
    now = 1000;
    assert.equal(d.drop().report, 6);
    let close = false;
    for (let i = 0; i < 5 && !close; i++) close = d.drop().close;
    assert.equal(close, true);
    now = 30_000;
    assert.equal(d.drop().close, false, 'a new window starts from zero');
  });
});
