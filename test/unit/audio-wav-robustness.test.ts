// Truncated and lying WAV/AIFF/FLAC inputs: always a StylebridgeError with a stable code, never a crash or silent garbage.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAudio } from '../../src/node/audio/decode.js';
import { encodeWav } from '../../src/node/audio/wav-write.js';
import { StylebridgeError } from '../../src/common/errors.js';
import { run, missing, scratch, testSignal } from '../support/audio-tools.js';
import { readFileSync } from 'node:fs';

const valid = encodeWav(testSignal(44100, 2, 3000, 4), {
  encoding: 'pcm24',
  bext: { timeReference: 1000, description: 'fuzz' },
  acid: { tempo: 120, beats: 4, loop: true },
  markers: [{ position: 0, label: 'Bar 1' }, { position: 1500, label: 'Bar 2' }],
});

/** A copy of `bytes` with `patch` applied to a DataView of it. */
function patched(bytes: Uint8Array, patch: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const b = bytes.slice();
  patch(new DataView(b.buffer), b);
  return b;
}

async function codeOf(bytes: Uint8Array, limits?: Record<string, number>): Promise<string> {
  try {
    await decodeAudio(bytes, limits ? { limits } : {});
    return 'OK';
  } catch (e) {
    if (e instanceof StylebridgeError) return e.code;
    throw e; // anything else is a crash: the test fails with it
  }
}

/** Plain 16-bit stereo WAV: fmt at 12 (body at 20), data header at 36, samples from 44. */
const plain = encodeWav(testSignal(8000, 2, 400, 1), { encoding: 'pcm16' });

describe('truncated files', () => {
  test('a WAV cut at every 37th byte is AUDIO_TRUNCATED (or not recognised when the header itself is cut)', async () => {
    for (let cut = 0; cut < valid.length; cut += 37) {
      const code = await codeOf(valid.subarray(0, cut));
      assert.equal(code, cut < 12 ? 'AUDIO_UNSUPPORTED_FORMAT' : 'AUDIO_TRUNCATED', `cut at ${cut}`);
    }
  });

  test('a data chunk that claims more bytes than the file holds is AUDIO_TRUNCATED even when the RIFF size agrees with the file', async () => {
    const b = patched(plain, (v) => v.setUint32(40, v.getUint32(40, true) + 400, true));
    assert.equal(await codeOf(b), 'AUDIO_TRUNCATED');
  });

  test('a streaming placeholder size (0xFFFFFFFF) is AUDIO_TRUNCATED, not a giant allocation', async () => {
    assert.equal(await codeOf(patched(plain, (v) => v.setUint32(40, 0xffffffff, true))), 'AUDIO_TRUNCATED');
    assert.equal(await codeOf(patched(plain, (v) => v.setUint32(4, 0xffffffff, true))), 'AUDIO_TRUNCATED');
  });

  test('an AIFF cut at every 37th byte is AUDIO_TRUNCATED', { skip: missing('sox') }, async () => {
    const tmp = scratch();
    try {
      run('sox', ['-n', '-r', '22050', '-c', '2', '-b', '16', tmp.path('a.aiff'), 'synth', '0.05', 'sine', '300']);
      const aiff = new Uint8Array(readFileSync(tmp.path('a.aiff')));
      assert.equal(await codeOf(aiff), 'OK');
      for (let cut = 12; cut < aiff.length; cut += 37) assert.equal(await codeOf(aiff.subarray(0, cut)), 'AUDIO_TRUNCATED', `cut at ${cut}`);
    } finally {
      tmp.cleanup();
    }
  });

  test('a FLAC cut at every 37th byte is a StylebridgeError (AUDIO_TRUNCATED or AUDIO_CORRUPT)', { skip: missing('sox') }, async () => {
    const tmp = scratch();
    try {
      run('sox', ['-n', '-r', '22050', '-c', '2', '-b', '16', tmp.path('a.flac'), 'synth', '0.3', 'sine', '300', 'sine', '500']);
      const flac = new Uint8Array(readFileSync(tmp.path('a.flac')));
      assert.equal(await codeOf(flac), 'OK');
      for (let cut = 4; cut < flac.length; cut += 37) {
        const code = await codeOf(flac.subarray(0, cut));
        assert.ok(code === 'AUDIO_TRUNCATED' || code === 'AUDIO_CORRUPT', `cut at ${cut}: ${code}`);
      }
    } finally {
      tmp.cleanup();
    }
  });
});

describe('lying headers', () => {
  test('the unmodified file decodes', async () => {
    assert.equal(await codeOf(valid), 'OK');
    assert.equal(await codeOf(plain), 'OK');
  });

  test('zero channels is AUDIO_CORRUPT', async () => {
    assert.equal(await codeOf(patched(plain, (v) => v.setUint16(22, 0, true))), 'AUDIO_CORRUPT');
  });

  test('an absurd sample rate (with a consistent byte rate) is AUDIO_BAD_SAMPLE_RATE', async () => {
    for (const rate of [0, 7, 1_000_000_000]) {
      const b = patched(plain, (v) => {
        v.setUint32(24, rate, true);
        v.setUint32(28, (rate * 4) >>> 0, true);
      });
      assert.equal(await codeOf(b), rate * 4 > 0xffffffff ? 'AUDIO_CORRUPT' : 'AUDIO_BAD_SAMPLE_RATE', `rate ${rate}`);
    }
  });

  test('a byte rate or block align that contradicts the format is AUDIO_CORRUPT', async () => {
    assert.equal(await codeOf(patched(plain, (v) => v.setUint32(28, 12345, true))), 'AUDIO_CORRUPT');
    assert.equal(await codeOf(patched(plain, (v) => v.setUint16(32, 3, true))), 'AUDIO_CORRUPT');
  });

  test('an unknown format tag or bit depth is AUDIO_UNSUPPORTED_FORMAT', async () => {
    assert.equal(await codeOf(patched(plain, (v) => v.setUint16(20, 2, true))), 'AUDIO_UNSUPPORTED_FORMAT'); // MS ADPCM
    const twelve = patched(plain, (v) => v.setUint16(34, 12, true));
    assert.equal(await codeOf(twelve), 'AUDIO_UNSUPPORTED_FORMAT');
  });

  test('a fmt chunk shorter than 16 bytes is AUDIO_CORRUPT', async () => {
    assert.equal(await codeOf(patched(plain, (v) => v.setUint32(16, 14, true))), 'AUDIO_CORRUPT');
  });

  test('a data chunk that is not a whole number of frames is AUDIO_CORRUPT', async () => {
    // Shrink data by one byte and move the RIFF end with it: the file is then one stray byte longer than the container.
    const b = patched(plain, (v) => {
      v.setUint32(40, v.getUint32(40, true) - 1, true);
      v.setUint32(4, v.getUint32(4, true) - 1, true);
    });
    assert.equal(await codeOf(b), 'AUDIO_CORRUPT');
  });

  test('a chunk id that is not ASCII (a misaligned walk) is AUDIO_CORRUPT', async () => {
    assert.equal(await codeOf(patched(plain, (v, b) => b.set([0, 1, 2, 3], 36))), 'AUDIO_CORRUPT');
  });

  test('an odd-sized chunk with its pad byte is accepted, and its data read correctly', async () => {
    // RIFF WAVE + 'junk' of 3 bytes + pad + the rest of the plain file.
    const junk = new Uint8Array([0x6a, 0x75, 0x6e, 0x6b, 3, 0, 0, 0, 9, 9, 9, 0]);
    const b = new Uint8Array(plain.length + junk.length);
    b.set(plain.subarray(0, 12));
    b.set(junk, 12);
    b.set(plain.subarray(12), 24);
    new DataView(b.buffer).setUint32(4, b.length - 8, true);
    const d = await decodeAudio(b);
    const ref = await decodeAudio(plain);
    assert.deepEqual(d.audio.channels, ref.audio.channels);
  });

  test('a NaN in a float WAV is AUDIO_CORRUPT rather than passed on', async () => {
    const f = encodeWav(testSignal(8000, 1, 100), { encoding: 'float32' });
    const dataAt = f.length - 400;
    assert.equal(await codeOf(patched(f, (v) => v.setFloat32(dataAt + 40, NaN, true))), 'AUDIO_CORRUPT');
  });

  test('WAVE_FORMAT_EXTENSIBLE with a foreign sub-format GUID is AUDIO_UNSUPPORTED_FORMAT', async () => {
    const six = encodeWav(testSignal(8000, 3, 10), { encoding: 'pcm16' });
    assert.equal(await codeOf(six), 'OK');
    assert.equal(await codeOf(patched(six, (_v, b) => (b[20 + 30] = 0x42))), 'AUDIO_UNSUPPORTED_FORMAT');
  });

  test('flipping any header byte gives a StylebridgeError or a consistent decode, never a crash', async () => {
    const headerEnd = 12 + 8 + 16 + 8 + 622 + 8; // through the bext chunk and into acid
    let errors = 0;
    for (let at = 0; at < headerEnd; at++) {
      for (const mask of [0x01, 0x10, 0x80, 0xff]) {
        const b = patched(valid, (_v, x) => (x[at] = x[at]! ^ mask));
        try {
          const d = await decodeAudio(b);
          const n = d.audio.channels[0]!.length;
          for (const ch of d.audio.channels) {
            assert.equal(ch.length, n);
            for (const s of ch) assert.ok(Number.isFinite(s) && Math.abs(s) <= 1);
          }
        } catch (e) {
          if (!(e instanceof StylebridgeError)) throw e;
          errors++;
        }
      }
    }
    assert.ok(errors > 100, `only ${errors} flips were detected`);
  });
});

describe('AIFF and FLAC headers', () => {
  test('an AIFF whose COMM announces more frames than SSND holds is AUDIO_CORRUPT, and an unknown compression AUDIO_UNSUPPORTED_FORMAT', { skip: missing('sox') }, async () => {
    const tmp = scratch();
    try {
      run('sox', ['-n', '-r', '22050', '-c', '1', '-b', '16', tmp.path('a.aiff'), 'synth', '0.05', 'sine', '300']);
      const aiff = new Uint8Array(readFileSync(tmp.path('a.aiff')));
      const comm = Buffer.from(aiff).indexOf('COMM') + 8;
      const v = new DataView(aiff.buffer);
      const frames = v.getUint32(comm + 2, false);
      assert.equal(await codeOf(patched(aiff, (d) => d.setUint32(comm + 2, frames + 1, false))), 'AUDIO_CORRUPT');
      assert.equal(await codeOf(patched(aiff, (d) => d.setInt16(comm, 0, false))), 'AUDIO_CORRUPT');
      assert.equal(await codeOf(patched(aiff, (d) => d.setUint16(comm + 8, 0x7fff, false))), 'AUDIO_BAD_SAMPLE_RATE');
      run('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'floating-point', '-b', '32', tmp.path('f.aifc'), 'synth', '0.05', 'sine', '300']);
      const aifc = new Uint8Array(readFileSync(tmp.path('f.aifc')));
      assert.equal(await codeOf(aifc), 'OK');
      const typeAt = Buffer.from(aifc).indexOf('COMM') + 8 + 18; // compressionType follows the 18 bytes of AIFF's COMM
      assert.match(String.fromCharCode(...aifc.subarray(typeAt, typeAt + 4)), /^fl32$/i);
      assert.equal(await codeOf(patched(aifc, (_v, b) => b.set([0x75, 0x6c, 0x61, 0x77], typeAt))), 'AUDIO_UNSUPPORTED_FORMAT'); // 'ulaw'
    } finally {
      tmp.cleanup();
    }
  });

  test('a FLAC stream behind an ID3v2 tag decodes; a STREAMINFO with too many channels is refused before decoding', async () => {
    const { encodeFlac } = await import('../../src/node/audio/flac-write.js');
    const flac = encodeFlac(testSignal(8000, 2, 500), { bitsPerSample: 16 });
    const id3 = new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5]);
    const tagged = new Uint8Array(id3.length + flac.length);
    tagged.set(id3);
    tagged.set(flac, id3.length);
    const d = await decodeAudio(tagged);
    assert.equal(d.format, 'flac');
    assert.equal(d.audio.channels[0]!.length, 500);
    assert.equal(await codeOf(flac, { maxChannels: 1 }), 'AUDIO_TOO_MANY_CHANNELS');
    assert.equal(await codeOf(flac, { maxDurationSeconds: 0.01 }), 'AUDIO_TOO_LONG');
    assert.equal(await codeOf(patched(flac, (v) => v.setUint16(8, 4, false))), 'AUDIO_CORRUPT'); // min block size 4
  });
});

describe('FLAC integrity', () => {
  test('a FLAC whose STREAMINFO MD5 disagrees with its samples is AUDIO_CORRUPT', async () => {
    const { encodeFlac } = await import('../../src/node/audio/flac-write.js');
    const flac = encodeFlac(testSignal(8000, 2, 3000), { bitsPerSample: 24 });
    assert.equal(await codeOf(flac), 'OK');
    assert.equal(await codeOf(patched(flac, (_v, b) => (b[8 + 4 + 20] = b[8 + 4 + 20]! ^ 0x01))), 'AUDIO_CORRUPT'); // a byte of the MD5
  });

  test('random bit flips anywhere in a FLAC file give a StylebridgeError or the exact original samples', async () => {
    const { encodeFlac } = await import('../../src/node/audio/flac-write.js');
    const flac = encodeFlac(testSignal(8000, 2, 6000, 9), { bitsPerSample: 16, blockSize: 1024 });
    const original = (await decodeAudio(flac)).audio.channels;
    let seed = 99;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 60; i++) {
      const at = Math.floor(rnd() * flac.length);
      const b = patched(flac, (_v, x) => (x[at] = x[at]! ^ (1 << Math.floor(rnd() * 8))));
      try {
        const d = await decodeAudio(b);
        // Only bits outside the audio (e.g. STREAMINFO's frame-size hints) may pass, and then nothing changed.
        assert.deepEqual(d.audio.channels, original, `flip at ${at} changed the audio silently`);
      } catch (e) {
        if (!(e instanceof StylebridgeError)) throw e;
      }
    }
  });
});

describe('named limits', () => {
  test('maxDurationSeconds refuses a longer file from its header, before decoding', async () => {
    assert.equal(await codeOf(plain, { maxDurationSeconds: 0.01 }), 'AUDIO_TOO_LONG');
    assert.equal(await codeOf(plain, { maxDurationSeconds: 0.05 }), 'OK');
  });

  test('maxChannels refuses a file with more channels', async () => {
    assert.equal(await codeOf(plain, { maxChannels: 1 }), 'AUDIO_TOO_MANY_CHANNELS');
  });

  test('maxFileBytes refuses larger bytes', async () => {
    assert.equal(await codeOf(plain, { maxFileBytes: plain.length - 1 }), 'AUDIO_TOO_LARGE');
  });

  test('minSampleRate and maxSampleRate bound the accepted rates', async () => {
    assert.equal(await codeOf(plain, { minSampleRate: 16000 }), 'AUDIO_BAD_SAMPLE_RATE');
    assert.equal(await codeOf(plain, { maxSampleRate: 4000 }), 'AUDIO_BAD_SAMPLE_RATE');
  });
});
