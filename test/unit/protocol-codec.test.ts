// The frame codec's chunking and the protocol document agree with the code (message types, error codes, header size).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../../src/common/error-codes.js';
import { FRAME_HEADER_SIZE, FrameKind, decodeFrame, encodeTransfer, frameByteLength, maxChunkFrames } from '../../src/common/protocol/frame.js';
import { MESSAGES } from '../../src/common/protocol/schema.js';
import { TransferAssembler } from '../../src/common/protocol/transfer.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

describe('protocol codec and document', () => {
  test('a transfer is split into frames that each fit the message limit and reassemble exactly', () => {
    const frames = 100_003;
    const audio = { sampleRate: 48000, channels: [0, 1].map((c) => Float32Array.from({ length: frames }, (_, i) => Math.fround(Math.sin(i * 0.01 + c)))) };
    const max = 65536;
    const parts = encodeTransfer(FrameKind.take, 9, audio, max);
    assert.equal(parts.length, Math.ceil(frames / maxChunkFrames(2, max)));
    const asm = new TransferAssembler({ kind: FrameKind.take, id: 9, sampleRate: 48000, channels: 2, frames });
    for (const p of parts) {
      assert.ok(p.length <= max);
      const r = decodeFrame(p, 8);
      assert.ok(r.ok);
      assert.equal(asm.add(r.frame), undefined);
    }
    assert.ok(asm.complete);
    assert.deepEqual(asm.audio().channels, audio.channels);
  });

  test('a 2 s stereo 48 kHz bar fits in one 1 MiB frame, as the document says', () => {
    assert.ok(frameByteLength(2, 96000) <= 1024 * 1024);
    assert.equal(maxChunkFrames(2, 1024 * 1024), 131067);
    assert.match(doc, /up to 131067 frames/);
  });

  test('the assembler refuses a frame that contradicts the announcement', () => {
    const asm = new TransferAssembler({ kind: FrameKind.capture, id: 1, sampleRate: 48000, channels: 1, frames: 4 });
    const [f] = encodeTransfer(FrameKind.capture, 1, { sampleRate: 44100, channels: [new Float32Array(4)] }, 1024);
    const r = decodeFrame(f!, 8);
    assert.ok(r.ok);
    assert.equal(asm.add(r.frame)?.code, 'PROTO_UNEXPECTED_FRAME');
  });

  test('every message type of the schema is documented, with its direction', () => {
    for (const type of Object.keys(MESSAGES)) assert.ok(doc.includes(`\`${type}\``), type);
  });

  test('every error code in the document table exists in the code table', () => {
    const section = doc.slice(doc.indexOf('### 3.3'), doc.indexOf('## 4.'));
    const codes = [...section.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);
    assert.ok(codes.length > 30);
    for (const c of codes) assert.ok(c in ERROR_CODES, c);
  });

  test('the header size in the code is the one of the byte table', () => {
    assert.equal(FRAME_HEADER_SIZE, 40);
    assert.match(doc, /\| 40 \| 4 x channels x frameCount \| f32 \| samples \|/);
  });
});
