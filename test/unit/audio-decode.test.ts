// Decoding: files written by sox and lame (independent encoders) in every format, and exact sample values against sox's own decode.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { decodeAudio, decodeAudioFile, detectAudioFormat } from '../../src/node/audio/decode.js';
import { StylebridgeError } from '../../src/common/errors.js';
import { maxAbsDiff, missing, run, scratch, soxDecode } from '../support/audio-tools.js';

const tmp = scratch();
after(() => tmp.cleanup());

/** Makes a 0.5 s stereo test file with sox's synth and the given output options. */
function soxMake(name: string, opts: string[] = [], rate = 44100, channels = 2): string {
  const path = tmp.path(name);
  run('sox', ['-n', '-r', String(rate), '-c', String(channels), ...opts, path, 'synth', '0.5', 'sine', '440', 'sine', '660', 'gain', '-3']);
  return path;
}

describe('decodeAudio on files written by sox', { skip: missing('sox', 'soxi') }, () => {
  const cases: [string, string[], number][] = [
    ['pcm8.wav', ['-b', '8', '-e', 'unsigned-integer'], 8],
    ['pcm16.wav', ['-b', '16'], 16],
    ['pcm24.wav', ['-b', '24'], 24],
    ['pcm32.wav', ['-b', '32'], 32],
    ['float32.wav', ['-e', 'floating-point', '-b', '32'], 32],
    ['float64.wav', ['-e', 'floating-point', '-b', '64'], 64],
    ['pcm16.aiff', ['-b', '16'], 16],
    ['pcm24.aiff', ['-b', '24'], 24],
    ['pcm8.aiff', ['-b', '8'], 8],
    ['float32.aifc', ['-e', 'floating-point', '-b', '32'], 32],
    ['pcm16.flac', ['-b', '16'], 16],
    ['pcm24.flac', ['-b', '24'], 24],
  ];
  for (const [name, opts, bits] of cases) {
    test(`a ${name} decodes to the same samples sox reads from it`, () => {
      const path = soxMake(name, opts);
      return decodeAudioFile(path).then((d) => {
        const ref = soxDecode(path);
        assert.equal(d.audio.sampleRate, 44100);
        assert.equal(d.audio.channels.length, 2);
        assert.equal(d.audio.channels[0]!.length, 22050);
        assert.equal(d.bitsPerSample, bits);
        // sox's float output of an integer file is exact; allow float rounding only.
        for (let c = 0; c < 2; c++) assert.ok(maxAbsDiff(d.audio.channels[c]!, ref.channels[c]!) < 1e-6, `channel ${c} differs from sox`);
      });
    });
  }

  test('a mono 96 kHz WAV keeps its rate and channel count', async () => {
    const d = await decodeAudioFile(soxMake('mono96.wav', ['-b', '24'], 96000, 1));
    assert.equal(d.audio.sampleRate, 96000);
    assert.equal(d.audio.channels.length, 1);
    assert.equal(d.audio.channels[0]!.length, 48000);
  });

  test('a six-channel WAV (WAVE_FORMAT_EXTENSIBLE from sox) decodes every channel', async () => {
    const path = soxMake('six.wav', ['-b', '24'], 48000, 6);
    assert.equal(new DataView(new Uint8Array(run('head', ['-c', '40', path])).buffer).getUint16(20, true), 0xfffe);
    const d = await decodeAudioFile(path);
    const ref = soxDecode(path);
    assert.equal(d.audio.channels.length, 6);
    for (let c = 0; c < 6; c++) assert.ok(maxAbsDiff(d.audio.channels[c]!, ref.channels[c]!) < 1e-6);
  });

  test('an Ogg Vorbis file decodes to audio close to its source', async () => {
    const src = soxMake('src.wav', ['-b', '16']);
    const ogg = tmp.path('v.ogg');
    run('sox', [src, '-C', '6', ogg]);
    const d = await decodeAudioFile(ogg);
    assert.equal(d.format, 'ogg');
    assert.equal(d.sampleFormat, 'lossy');
    const ref = soxDecode(src);
    const n = Math.min(d.audio.channels[0]!.length, ref.channels[0]!.length);
    assert.ok(Math.abs(d.audio.channels[0]!.length - 22050) < 2048, `length ${d.audio.channels[0]!.length}`);
    assert.ok(maxAbsDiff(d.audio.channels[0]!.subarray(1000, n - 1000), ref.channels[0]!.subarray(1000, n - 1000)) < 0.05);
  });
});

describe('decodeAudio on MP3', { skip: missing('sox', 'lame') }, () => {
  test('an MP3 written by lame decodes to audio close to its source', async () => {
    const src = soxMake('m.wav', ['-b', '16']);
    const mp3 = tmp.path('m.mp3');
    run('lame', ['--quiet', '-b', '192', src, mp3]);
    const d = await decodeAudioFile(mp3);
    assert.equal(d.format, 'mp3');
    assert.equal(d.audio.sampleRate, 44100);
    const ref = soxDecode(src);
    const got = d.audio.channels[0]!;
    assert.ok(got.length >= 22050 && got.length < 22050 + 4096, `length ${got.length}`);
    // Encoder delay may be present: compare energy (within 0.5 dB) rather than aligned samples.
    const rms = (x: Float32Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    const ratioDb = 20 * Math.log10(rms(got.subarray(2000, 20000)) / rms(ref.channels[0]!.subarray(2000, 20000)));
    assert.ok(Math.abs(ratioDb) < 0.5, `level differs by ${ratioDb.toFixed(2)} dB`);
  });
});

describe('lossy streams and limits', { skip: missing('sox', 'lame') }, () => {
  test('an MP3 longer than maxDurationSeconds is AUDIO_TOO_LONG', async () => {
    const src = tmp.path('long.wav');
    run('sox', ['-n', '-r', '22050', '-c', '1', '-b', '16', src, 'synth', '8', 'sine', '300']);
    run('lame', ['--quiet', '-b', '32', src, tmp.path('long.mp3')]);
    await assert.rejects(decodeAudioFile(tmp.path('long.mp3'), { limits: { maxDurationSeconds: 2 } }), (e: unknown) => e instanceof StylebridgeError && e.code === 'AUDIO_TOO_LONG');
    const ok = await decodeAudioFile(tmp.path('long.mp3'));
    const n = ok.audio.channels[0]!.length; // the decoder may keep some encoder padding at this rate
    assert.ok(n >= 8 * 22050 && n < 8 * 22050 + 2 * 1152, `${n} frames`);
  });

  test('a stereo MP3 that starts as dual mono keeps both channels for its whole length', async () => {
    // 1 s with identical channels, then 1 s with different ones.
    const src = tmp.path('dual.wav');
    run('sox', ['-n', '-r', '44100', '-c', '2', '-b', '16', tmp.path('a.wav'), 'synth', '1', 'sine', '300']);
    run('sox', ['-n', '-r', '44100', '-c', '2', '-b', '16', tmp.path('b.wav'), 'synth', '1', 'sine', '300', 'sine', '500']);
    run('sox', [tmp.path('a.wav'), tmp.path('b.wav'), src]);
    run('lame', ['--quiet', '-m', 's', '-b', '192', src, tmp.path('dual.mp3')]);
    const d = await decodeAudioFile(tmp.path('dual.mp3'));
    assert.equal(d.audio.channels.length, 2);
    assert.equal(d.audio.channels[0]!.length, 88200);
    const rms = (x: Float32Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    assert.ok(rms(d.audio.channels[1]!.subarray(5000, 40000)) > 0.3, 'first second of the right channel is silent');
  });

  test('an Ogg stream of an unknown codec is AUDIO_UNSUPPORTED_FORMAT', async () => {
    const page = new Uint8Array(64);
    page.set([0x4f, 0x67, 0x67, 0x53], 0); // OggS
    page[26] = 1; // one segment
    page.set([0x7f, 0x46, 0x4c, 0x41, 0x43], 28); // \x7fFLAC: Ogg FLAC
    await assert.rejects(decodeAudio(page), (e: unknown) => e instanceof StylebridgeError && e.code === 'AUDIO_UNSUPPORTED_FORMAT');
  });
});

describe('format detection and file errors', () => {
  test('bytes that are no known audio format are refused as AUDIO_UNSUPPORTED_FORMAT', async () => {
    await assert.rejects(decodeAudio(new TextEncoder().encode('hello, this is not audio at all')), (e: unknown) => e instanceof StylebridgeError && e.code === 'AUDIO_UNSUPPORTED_FORMAT');
    assert.equal(detectAudioFormat(new Uint8Array(0)), undefined);
  });

  test('a missing file is AUDIO_READ_FAILED with its path', async () => {
    await assert.rejects(decodeAudioFile(tmp.path('nope.wav')), (e: unknown) => e instanceof StylebridgeError && e.code === 'AUDIO_READ_FAILED' && e.details?.path === tmp.path('nope.wav'));
  });

  test('a file larger than maxFileBytes is refused before it is read', async () => {
    const p = tmp.path('big.bin');
    writeFileSync(p, new Uint8Array(5000));
    await assert.rejects(decodeAudioFile(p, { limits: { maxFileBytes: 4096 } }), (e: unknown) => e instanceof StylebridgeError && e.code === 'AUDIO_TOO_LARGE');
  });
});
