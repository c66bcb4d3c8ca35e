// FLAC encoding: `flac -t` verifies CRCs and MD5, and `flac -d` and sox decode the exact samples written.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFlac } from '../../src/node/audio/flac-write.js';
import { decodeAudio, decodeAudioFile } from '../../src/node/audio/decode.js';
import { readFlacStreamInfo } from '../../src/node/audio/flac-info.js';
import { quantizeBuffer } from '../../src/node/audio/pcm.js';
import { writeFileAtomic } from '../../src/node/fs-atomic.js';
import { StylebridgeError } from '../../src/common/errors.js';
import { missing, run, scratch, soxDecode, soxInfo, testSignal } from '../support/audio-tools.js';
import type { AudioBuffer } from '../../src/common/audio-buffer.js';

const tmp = scratch();
after(() => tmp.cleanup());

/** Decodes with the reference `flac` tool to signed little-endian integers, planar. */
function flacReference(path: string, channels: number, bits: number): Int32Array[] {
  const raw = run('flac', ['-d', '-s', '-c', '--force-raw-format', '--endian=little', '--sign=signed', path]);
  const bytes = bits / 8;
  const frames = raw.length / bytes / channels;
  const out = Array.from({ length: channels }, () => new Int32Array(frames));
  for (let i = 0, at = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++, at += bytes) out[c]![i] = bytes === 2 ? raw.readInt16LE(at) : raw.readIntLE(at, 3);
  }
  return out;
}

function withSilenceAndClip(buf: AudioBuffer): AudioBuffer {
  // A silent stretch (constant subframes), a loud stretch that clips, and a step (verbatim-friendly).
  for (const ch of buf.channels) {
    ch.fill(0, 1000, 6000);
    for (let i = 6000; i < 6100; i++) ch[i] = i % 2 ? 1.2 : -1.2;
  }
  return buf;
}

const cases: { name: string; buf: () => AudioBuffer; bits: 16 | 24; blockSize?: number }[] = [
  { name: 'stereo 16-bit 44.1 kHz', buf: () => withSilenceAndClip(testSignal(44100, 2, 20000, 1)), bits: 16 },
  { name: 'stereo 24-bit 48 kHz', buf: () => withSilenceAndClip(testSignal(48000, 2, 20000, 2)), bits: 24 },
  { name: 'mono 24-bit 96 kHz with a short last block', buf: () => testSignal(96000, 1, 9001, 3), bits: 24 },
  { name: 'three channels 16-bit at an unlisted rate (37800 Hz)', buf: () => testSignal(37800, 3, 5000, 4), bits: 16, blockSize: 1152 },
  { name: 'ten frames only', buf: () => testSignal(48000, 2, 10, 5), bits: 16 },
];

describe('FLAC files checked by the reference decoder', { skip: missing('flac', 'sox', 'soxi') }, () => {
  for (const c of cases) {
    test(`${c.name}: flac -t passes and flac -d gives back the exact samples`, () => {
      const buf = c.buf();
      const path = tmp.path(`${c.name.replace(/\W+/g, '-')}.flac`);
      writeFileAtomic(path, encodeFlac(buf, { bitsPerSample: c.bits, ...(c.blockSize ? { blockSize: c.blockSize } : {}) }));
      run('flac', ['-t', '-s', path]); // throws on a CRC, MD5 or format error
      const want = quantizeBuffer(buf, c.bits);
      const got = flacReference(path, buf.channels.length, c.bits);
      for (let ch = 0; ch < want.length; ch++) assert.deepEqual(got[ch], want[ch], `channel ${ch}`);
      const info = soxInfo(path);
      assert.equal(info['Channels'], String(buf.channels.length));
      assert.equal(info['Sample Rate'], String(buf.sampleRate));
      assert.equal(info['Precision'], `${c.bits}-bit`);
      assert.match(info['Duration']!, new RegExp(`= ${buf.channels[0]!.length} samples`));
      const sx = soxDecode(path);
      for (let ch = 0; ch < want.length; ch++) {
        for (let i = 0; i < want[ch]!.length; i++) {
          if (sx.channels[ch]![i] !== want[ch]![i]! / 2 ** (c.bits - 1)) assert.fail(`sox sample ${i} of channel ${ch}`);
        }
      }
    });
  }
});

describe('FLAC writer', () => {
  test('STREAMINFO carries the rate, channels, depth, length and the MD5 of the samples', async () => {
    const buf = testSignal(44100, 2, 12345, 8);
    const bytes = encodeFlac(buf, { bitsPerSample: 16, tags: { BPM: '128', TITLE: 'Take 1' } });
    const info = readFlacStreamInfo(bytes);
    assert.equal(info.sampleRate, 44100);
    assert.equal(info.channels, 2);
    assert.equal(info.bitsPerSample, 16);
    assert.equal(info.totalFrames, 12345);
    assert.equal(info.minBlockSize, 4096);
    assert.ok(info.minFrameSize > 0 && info.maxFrameSize >= info.minFrameSize);
    assert.ok(info.md5.some((b) => b !== 0));
    const d = await decodeAudio(bytes);
    const want = quantizeBuffer(buf, 16);
    for (let c = 0; c < 2; c++) for (let i = 0; i < 12345; i++) if (d.audio.channels[c]![i] !== want[c]![i]! / 32768) assert.fail(`sample ${i}`);
  });

  test('Vorbis comment tags are readable by metaflac', { skip: missing('metaflac') }, () => {
    const path = tmp.path('tags.flac');
    writeFileAtomic(path, encodeFlac(testSignal(48000, 1, 100), { bitsPerSample: 16, tags: { BPM: '128', TITLE: 'Take 1' } }));
    const out = run('metaflac', ['--export-tags-to=-', path]).toString();
    assert.match(out, /^BPM=128$/m);
    assert.match(out, /^TITLE=Take 1$/m);
  });

  test('silence compresses to a few bytes per frame (constant subframes)', () => {
    const bytes = encodeFlac({ sampleRate: 48000, channels: [new Float32Array(48000), new Float32Array(48000)] }, { bitsPerSample: 24 });
    assert.ok(bytes.length < 300, `${bytes.length} bytes`);
  });

  test('a round trip through decodeAudioFile is exact at 24 bits', async () => {
    const buf = testSignal(48000, 2, 30000, 6);
    const path = tmp.path('rt.flac');
    writeFileAtomic(path, encodeFlac(buf));
    const d = await decodeAudioFile(path);
    assert.equal(d.bitsPerSample, 24);
    const want = quantizeBuffer(buf, 24);
    for (let c = 0; c < 2; c++) for (let i = 0; i < 30000; i++) if (d.audio.channels[c]![i] !== want[c]![i]! / 8388608) assert.fail(`sample ${i} of ${c}`);
  });

  test('bad options are AUDIO_BAD_OPTION; more than 8 channels is AUDIO_INVALID_BUFFER', () => {
    const x = testSignal(48000, 1, 100);
    const code = (c: string) => (e: unknown) => e instanceof StylebridgeError && e.code === c;
    assert.throws(() => encodeFlac(x, { bitsPerSample: 20 as never }), code('AUDIO_BAD_OPTION'));
    assert.throws(() => encodeFlac(x, { blockSize: 8 }), code('AUDIO_BAD_OPTION'));
    assert.throws(() => encodeFlac(x, { tags: { 'A=B': 'x' } }), code('AUDIO_BAD_OPTION'));
    assert.throws(() => encodeFlac(testSignal(48000, 9, 10)), code('AUDIO_INVALID_BUFFER'));
  });
});
