// WAV writing: sox reads every encoding back sample-exact, and bext / acid / cue / LIST chunks match the spec layouts byte for byte.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWav } from '../../src/node/audio/wav-write.js';
import { readWav } from '../../src/node/audio/wav-read.js';
import { decodeAudioFile } from '../../src/node/audio/decode.js';
import { DEFAULT_DECODE_LIMITS } from '../../src/node/audio/limits.js';
import { barCueMarkers } from '../../src/node/audio/markers.js';
import { writeFileAtomic } from '../../src/node/fs-atomic.js';
import { TempoMap, barStartSample } from '../../src/common/timing.js';
import { StylebridgeError } from '../../src/common/errors.js';
import { maxAbsDiff, missing, run, scratch, soxDecode, soxInfo, testSignal } from '../support/audio-tools.js';

const tmp = scratch();
after(() => tmp.cleanup());

/** Finds a chunk in RIFF bytes by walking the headers (independently of the reader under test). */
function findChunk(bytes: Uint8Array, id: string): { offset: number; size: number } | undefined {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 12; at + 8 <= bytes.length; ) {
    const cid = String.fromCharCode(...bytes.subarray(at, at + 4));
    const size = v.getUint32(at + 4, true);
    if (cid === id) return { offset: at + 8, size };
    at += 8 + size + (size & 1);
  }
  return undefined;
}

function isCode(code: string) {
  return (e: unknown) => e instanceof StylebridgeError && e.code === code;
}

const signal = testSignal(48000, 2, 24000, 7);
signal.channels[0]![5] = 1.5; // over full scale: integers clip, float keeps it
signal.channels[1]![6] = -1;

describe('WAV encodings read back by sox', { skip: missing('sox', 'soxi') }, () => {
  for (const [encoding, bits, soxEncoding] of [
    ['pcm16', 16, 'Signed Integer PCM'],
    ['pcm24', 24, 'Signed Integer PCM'],
    ['float32', 32, 'Floating Point PCM'],
  ] as const) {
    test(`a ${encoding} file has the header sox expects and the exact samples`, () => {
      const path = tmp.path(`${encoding}.wav`);
      writeFileAtomic(path, encodeWav(signal, { encoding }));
      const info = soxInfo(path);
      assert.equal(info['Channels'], '2');
      assert.equal(info['Sample Rate'], '48000');
      assert.equal(info['Precision'], `${bits === 32 ? 25 : bits}-bit`);
      assert.equal(info['Sample Encoding'], `${bits}-bit ${soxEncoding}`);
      assert.match(info['Duration']!, /= 24000 samples/);
      const ref = soxDecode(path);
      for (let c = 0; c < 2; c++) {
        for (let i = 0; i < 24000; i++) {
          const x = signal.channels[c]![i]!;
          // sox holds samples as 32-bit integers: float input is rounded to ~25 bits and clipped at full scale.
          const want = encoding === 'float32' ? Math.min(x, 1) : Math.min(Math.max(Math.round(x * 2 ** (bits - 1)), -(2 ** (bits - 1))), 2 ** (bits - 1) - 1) / 2 ** (bits - 1);
          const tol = encoding === 'float32' ? 2 ** -24 : 0;
          if (Math.abs(ref.channels[c]![i]! - want) > tol) assert.fail(`${encoding} channel ${c} sample ${i}: sox reads ${ref.channels[c]![i]}, expected ${want}`);
        }
      }
    });
  }

  test('a file with bext, acid and cue chunks is still read by sox with the same audio', () => {
    const path = tmp.path('meta.wav');
    writeFileAtomic(path, encodeWav(signal, { encoding: 'pcm24', bext: { timeReference: 123456 }, acid: { tempo: 120, beats: 4, loop: true }, markers: [{ position: 0, label: 'Bar 1' }] }));
    const plain = tmp.path('plain.wav');
    writeFileAtomic(plain, encodeWav(signal, { encoding: 'pcm24' }));
    assert.deepEqual(soxDecode(path).channels, soxDecode(plain).channels);
  });

  test('a six-channel float file uses WAVE_FORMAT_EXTENSIBLE and sox reads all channels', () => {
    const six = testSignal(44100, 6, 1000, 3);
    const path = tmp.path('six.wav');
    const bytes = encodeWav(six, { encoding: 'float32' });
    writeFileAtomic(path, bytes);
    assert.equal(new DataView(bytes.buffer).getUint16(20, true), 0xfffe);
    const ref = soxDecode(path);
    assert.equal(ref.channels.length, 6);
    for (let c = 0; c < 6; c++) assert.ok(maxAbsDiff(ref.channels[c]!, six.channels[c]!) <= 2 ** -24, `channel ${c}`);
  });
});

describe('WAV metadata chunks', () => {
  const bars = barCueMarkers(TempoMap.constant(133, { numerator: 7, denominator: 8 }, 44100), 8, 3);
  const bytes = encodeWav(testSignal(44100, 1, barStartSample(3, 133, { numerator: 7, denominator: 8 }, 44100), 2), {
    encoding: 'pcm16',
    bext: {
      timeReference: 2 ** 32 + 5,
      description: 'Take 3 of bass',
      originator: 'Stylebridge',
      originatorReference: 'take-42',
      originationDate: '2026-11-21',
      originationTime: '08:15:00',
      loudness: { integratedLufs: -14.25, maxTruePeakDbtp: -1.04 },
      codingHistory: 'A=PCM,F=44100,W=16,M=mono,T=Stylebridge\r\n',
    },
    acid: { tempo: 133, beats: 21, loop: true, rootNote: 45, meter: { numerator: 7, denominator: 8 } },
    markers: bars,
  });
  const v = new DataView(bytes.buffer);

  test('the bext chunk follows EBU Tech 3285 v2: fields at their offsets, a 64-bit time reference, 602 fixed bytes', () => {
    const c = findChunk(bytes, 'bext')!;
    const history = 'A=PCM,F=44100,W=16,M=mono,T=Stylebridge\r\n';
    assert.equal(c.size, 602 + history.length);
    const text = (at: number, n: number) => new TextDecoder().decode(bytes.subarray(c.offset + at, c.offset + at + n)).replace(/\0+$/, '');
    assert.equal(text(0, 256), 'Take 3 of bass');
    assert.equal(text(256, 32), 'Stylebridge');
    assert.equal(text(288, 32), 'take-42');
    assert.equal(text(320, 10), '2026-11-21');
    assert.equal(text(330, 8), '08:15:00');
    assert.equal(v.getUint32(c.offset + 338, true), 5); // TimeReferenceLow
    assert.equal(v.getUint32(c.offset + 342, true), 1); // TimeReferenceHigh
    assert.equal(v.getUint16(c.offset + 346, true), 2); // Version
    assert.ok(bytes.subarray(c.offset + 348, c.offset + 412).every((b) => b === 0)); // UMID
    assert.equal(v.getInt16(c.offset + 412, true), -1425); // LoudnessValue, 1/100 LUFS
    assert.equal(v.getInt16(c.offset + 414, true), 0x7fff); // LoudnessRange: not measured
    assert.equal(v.getInt16(c.offset + 416, true), -104); // MaxTruePeakLevel
    assert.ok(bytes.subarray(c.offset + 422, c.offset + 602).every((b) => b === 0)); // Reserved
    assert.equal(text(602, history.length), history);
  });

  test('the acid chunk is the 24-byte layout: flags, root note, two unknowns, beats, meter denominator then numerator, tempo', () => {
    const c = findChunk(bytes, 'acid')!;
    assert.equal(c.size, 24);
    assert.equal(v.getUint32(c.offset, true), 0x02 | 0x04); // root note set + stretch, not one-shot
    assert.equal(v.getUint16(c.offset + 4, true), 45);
    assert.equal(v.getUint16(c.offset + 6, true), 0x8000);
    assert.equal(v.getFloat32(c.offset + 8, true), 0);
    assert.equal(v.getUint32(c.offset + 12, true), 21);
    assert.equal(v.getUint16(c.offset + 16, true), 8);
    assert.equal(v.getUint16(c.offset + 18, true), 7);
    assert.equal(v.getFloat32(c.offset + 20, true), 133);
  });

  test('cue points sit on the bar lines the timing module computes, each 24 bytes with fccChunk "data"', () => {
    const c = findChunk(bytes, 'cue ')!;
    assert.equal(c.size, 4 + 3 * 24);
    assert.equal(v.getUint32(c.offset, true), 3);
    const meter = { numerator: 7, denominator: 8 };
    for (let i = 0; i < 3; i++) {
      const at = c.offset + 4 + i * 24;
      const want = barStartSample(8 + i, 133, meter, 44100) - barStartSample(8, 133, meter, 44100);
      assert.equal(v.getUint32(at, true), i + 1); // dwName
      assert.equal(v.getUint32(at + 4, true), want); // dwPosition
      assert.equal(String.fromCharCode(...bytes.subarray(at + 8, at + 12)), 'data');
      assert.equal(v.getUint32(at + 12, true), 0);
      assert.equal(v.getUint32(at + 16, true), 0);
      assert.equal(v.getUint32(at + 20, true), want); // dwSampleOffset
    }
  });

  test('labels are labl sub-chunks of a LIST/adtl chunk, null-terminated and padded to even length', () => {
    const c = findChunk(bytes, 'LIST')!;
    assert.equal(String.fromCharCode(...bytes.subarray(c.offset, c.offset + 4)), 'adtl');
    let at = c.offset + 4;
    for (let i = 0; i < 3; i++) {
      assert.equal(String.fromCharCode(...bytes.subarray(at, at + 4)), 'labl');
      const size = v.getUint32(at + 4, true);
      const label = `Bar ${9 + i}`;
      assert.equal(size, 4 + label.length + 1);
      assert.equal(v.getUint32(at + 8, true), i + 1);
      assert.equal(new TextDecoder().decode(bytes.subarray(at + 12, at + 12 + label.length)), label);
      assert.equal(bytes[at + 12 + label.length], 0);
      at += 8 + size + (size & 1);
    }
    assert.equal(at, c.offset + c.size);
  });

  test('the reader gives back the same bext, acid and labelled cues', () => {
    const w = readWav(bytes, DEFAULT_DECODE_LIMITS);
    assert.equal(w.metadata.bext!.timeReference, 2 ** 32 + 5);
    assert.equal(w.metadata.bext!.originatorReference, 'take-42');
    assert.equal(w.metadata.bext!.loudness!.integratedLufs, -14.25);
    assert.equal(w.metadata.bext!.loudness!.loudnessRangeLu, undefined);
    assert.deepEqual({ ...w.metadata.acid }, { flags: 6, loop: true, stretch: true, rootNote: 45, beats: 21, meter: { denominator: 8, numerator: 7 }, tempo: 133 });
    assert.deepEqual(w.metadata.cues, bars.map((b, i) => ({ id: i + 1, position: b.position, label: b.label })));
    assert.deepEqual(w.metadata.chunkIds, ['fmt ', 'bext', 'acid', 'cue ', 'LIST', 'data']);
  });

  test('a one-shot without root note clears the loop, stretch and root flags', () => {
    const b = encodeWav(testSignal(8000, 1, 10), { encoding: 'pcm16', acid: { tempo: 90.5, beats: 1, loop: false } });
    const c = findChunk(b, 'acid')!;
    const dv = new DataView(b.buffer);
    assert.equal(dv.getUint32(c.offset, true), 0x01);
    assert.equal(dv.getFloat32(c.offset + 20, true), 90.5);
  });

  test('the bext version is 1 when no loudness is given', () => {
    const b = encodeWav(testSignal(8000, 1, 10), { bext: { timeReference: 0 } });
    const c = findChunk(b, 'bext')!;
    assert.equal(new DataView(b.buffer).getUint16(c.offset + 346, true), 1);
  });
});

describe('WAV metadata read by libsndfile (sndfile-info), an independent parser', { skip: missing('sndfile-info') }, () => {
  test('libsndfile sees our acid tempo/beats/meter/loop, each cue offset and label, and the bext time reference and loudness', () => {
    const map = TempoMap.constant(124, { numerator: 4, denominator: 4 }, 48000);
    const path = tmp.path('sndfile.wav');
    const start = map.barStartSample(4);
    writeFileAtomic(path, encodeWav(testSignal(48000, 2, map.samplesBetweenBars(4, 6)), {
      encoding: 'pcm24',
      bext: { timeReference: start, originator: 'Stylebridge', originatorReference: 'take-9', loudness: { integratedLufs: -10.37, maxTruePeakDbtp: -3.53 } },
      acid: { tempo: 124, beats: 8, loop: true, meter: { numerator: 4, denominator: 4 } },
      markers: barCueMarkers(map, 4, 2),
    }));
    const log = run('sndfile-info', [path]).toString();
    assert.match(log, /acid : 24\n\s+Flags\s+: 0x0004 \(Loop,RootNoteInvalid,StretchOn/);
    assert.match(log, /Beats\s+: 8\n\s+Meter\s+: 4\/4\n\s+Tempo\s+: 124\.000000/);
    assert.match(log, /cue {2}: 52\n\s+Count : 2/);
    const offsets = [...log.matchAll(/Cue ID :\s+(\d+)\s+Pos :\s+(\d+)\s+Chunk : data.*Offset :\s+(\d+)/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
    const second = map.barStartSample(5) - start;
    assert.deepEqual(offsets, [[1, 0, 0], [2, second, second]]);
    assert.match(log, /labl : 1 : Bar 5\n\s+labl : 2 : Bar 6/);
    const bwf = run('sndfile-info', ['--broadcast', path]).toString();
    assert.match(bwf, new RegExp(`Time ref\\s+: 0x0*${start.toString(16)} `));
    assert.match(bwf, /Origination ref\s+: take-9/);
    assert.match(bwf, /BWF version\s+: 2/);
    assert.match(bwf, /Loudness value\s+: -10\.37 LUFS/);
    assert.match(bwf, /Max\. true peak level\s+:\s+-3\.53 dBTP/);
  });
});

describe('WAV writer inputs and options', () => {
  test('TPDF dither is reproducible from its seed and stays within 1 LSB of plain rounding', () => {
    const x = testSignal(48000, 2, 5000, 9);
    const plain = readWav(encodeWav(x, { encoding: 'pcm16' }), DEFAULT_DECODE_LIMITS).audio;
    const d1 = encodeWav(x, { encoding: 'pcm16', dither: 'tpdf', ditherSeed: 11 });
    const d2 = encodeWav(x, { encoding: 'pcm16', dither: 'tpdf', ditherSeed: 11 });
    const d3 = encodeWav(x, { encoding: 'pcm16', dither: 'tpdf', ditherSeed: 12 });
    assert.deepEqual(d1, d2);
    assert.notDeepEqual(d1, d3);
    const dith = readWav(d1, DEFAULT_DECODE_LIMITS).audio;
    let changed = 0;
    let sum = 0;
    for (let i = 0; i < 5000; i++) {
      const diff = Math.round((dith.channels[0]![i]! - plain.channels[0]![i]!) * 32768);
      assert.ok(Math.abs(diff) <= 1);
      if (diff !== 0) changed++;
      sum += dith.channels[0]![i]! * 32768 - x.channels[0]![i]! * 32768;
    }
    assert.ok(changed > 500, `dither changed only ${changed} samples`);
    assert.ok(Math.abs(sum / 5000) < 0.1, 'dithered error is not zero-mean');
  });

  test('a NaN sample, unequal channels or no channels is AUDIO_INVALID_BUFFER', () => {
    const bad = testSignal(48000, 1, 10);
    bad.channels[0]![3] = NaN;
    assert.throws(() => encodeWav(bad), isCode('AUDIO_INVALID_BUFFER'));
    assert.throws(() => encodeWav({ sampleRate: 48000, channels: [new Float32Array(3), new Float32Array(4)] }), isCode('AUDIO_INVALID_BUFFER'));
    assert.throws(() => encodeWav({ sampleRate: 48000, channels: [] }), isCode('AUDIO_INVALID_BUFFER'));
    assert.throws(() => encodeWav({ sampleRate: 44100.5, channels: [new Float32Array(3)] }), isCode('AUDIO_INVALID_BUFFER'));
  });

  test('a marker past the end, an unknown encoding or an oversized text field is AUDIO_BAD_OPTION', () => {
    const x = testSignal(48000, 1, 100);
    assert.throws(() => encodeWav(x, { markers: [{ position: 101 }] }), isCode('AUDIO_BAD_OPTION'));
    assert.throws(() => encodeWav(x, { encoding: 'pcm12' as never }), isCode('AUDIO_BAD_OPTION'));
    assert.throws(() => encodeWav(x, { bext: { timeReference: 0, originator: 'x'.repeat(33) } }), isCode('AUDIO_BAD_OPTION'));
    assert.throws(() => encodeWav(x, { bext: { timeReference: -1 } }), isCode('AUDIO_BAD_OPTION'));
    assert.throws(() => encodeWav(x, { acid: { tempo: 0, beats: 4, loop: true } }), isCode('AUDIO_BAD_OPTION'));
    assert.throws(() => encodeWav(x, { dither: 'shaped' as never, encoding: 'pcm16' }), isCode('AUDIO_BAD_OPTION'));
  });

  test('a written file decodes back through decodeAudioFile with its metadata', async () => {
    const path = tmp.path('back.wav');
    const x = testSignal(44100, 2, 4410, 5);
    writeFileAtomic(path, encodeWav(x, { encoding: 'float32', bext: { timeReference: 88200 } }));
    const d = await decodeAudioFile(path);
    assert.deepEqual(d.audio.channels, x.channels);
    assert.equal(d.sampleFormat, 'float');
    assert.equal(d.wav!.bext!.timeReference, 88200);
  });
});
