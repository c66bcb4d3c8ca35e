// Take files as the CLI render, the library and bounces write them: exact bar length, tempo, bar markers, timeline position, loudness.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { acidBeats, encodeTake } from '../../src/node/audio/take-file.js';
import { decodeAudio, decodeAudioFile } from '../../src/node/audio/decode.js';
import { fitLength, resample } from '../../src/node/audio/resample.js';
import { measureLoudness } from '../../src/node/audio/loudness.js';
import { writeFileAtomic } from '../../src/node/fs-atomic.js';
import { TempoMap, barsLengthSamples } from '../../src/common/timing.js';
import { StylebridgeError } from '../../src/common/errors.js';
import { missing, run, scratch, soxInfo, testSignal } from '../support/audio-tools.js';

const tmp = scratch();
after(() => tmp.cleanup());

describe('encodeTake', () => {
  const map = new TempoMap(
    [
      { startBar: 0, bpm: 120, meter: { numerator: 4, denominator: 4 } },
      { startBar: 8, bpm: 133, meter: { numerator: 7, denominator: 8 } },
    ],
    48000,
  );

  test('a WAV take carries acid tempo and beats, one cue per bar from the tempo map, and its timeline position', async () => {
    const frames = map.samplesBetweenBars(9, 11);
    const bytes = encodeTake(testSignal(48000, 2, frames, 3), { format: 'wav', placement: { map, fromBar: 9, bars: 2 }, timeReference: map.barStartSample(9), reference: 'take-7' });
    const d = await decodeAudio(bytes);
    const meta = d.wav!;
    assert.equal(meta.acid!.tempo, 133);
    assert.equal(meta.acid!.beats, 7); // two bars of 7/8 = 7 quarter notes
    assert.deepEqual(meta.acid!.meter, { denominator: 8, numerator: 7 });
    assert.equal(meta.acid!.loop, true);
    assert.deepEqual(
      meta.cues!.map((c) => [c.position, c.label]),
      [[0, 'Bar 10'], [map.barStartSample(10) - map.barStartSample(9), 'Bar 11']],
    );
    assert.equal(meta.bext!.timeReference, map.barStartSample(9));
    assert.equal(meta.bext!.originatorReference, 'take-7');
    assert.equal(meta.bext!.version, 2);
    const loud = measureLoudness(d.audio);
    assert.ok(Math.abs(meta.bext!.loudness!.integratedLufs! - loud.integratedLufs) < 0.01);
    assert.equal(d.audio.channels[0]!.length, frames);
  });

  test('a FLAC take passes flac -t and carries BPM, meter, bars and time reference tags', { skip: missing('flac', 'metaflac') }, () => {
    const path = tmp.path('take.flac');
    writeFileAtomic(path, encodeTake(testSignal(48000, 2, map.samplesBetweenBars(0, 2)), { format: 'flac', encoding: 'pcm16', placement: { map, fromBar: 0, bars: 2 }, timeReference: 0 }));
    run('flac', ['-t', '-s', path]);
    const tags = run('metaflac', ['--export-tags-to=-', path]).toString();
    for (const line of ['BPM=120', 'METER=4/4', 'BARS=2', 'FIRSTBAR=1', 'TIMEREFERENCE=0']) assert.match(tags, new RegExp(`^${line}$`, 'm'));
    assert.match(tags, /^LOUDNESS_INTEGRATED_LUFS=-?\d+\.\d\d$/m);
  });

  test('the render path gives exactly N bars at the output rate: decode, resample, fit, write, read back', { skip: missing('sox', 'soxi') }, async () => {
    const meter = { numerator: 3, denominator: 4 };
    const inRate = 44100;
    const src = testSignal(inRate, 2, barsLengthSamples(4, 97.5, meter, inRate) + 321, 4); // a clip slightly longer than 4 bars
    const inPath = tmp.path('in.wav');
    writeFileAtomic(inPath, encodeTake(src, { format: 'wav', measureLoudness: false }));
    const decoded = await decodeAudioFile(inPath);
    const out = fitLength(await resample(decoded.audio, 48000, { quality: 'medium' }), barsLengthSamples(4, 97.5, meter, 48000));
    const outMap = TempoMap.constant(97.5, meter, 48000);
    for (const format of ['wav', 'flac'] as const) {
      const path = tmp.path(`out.${format}`);
      writeFileAtomic(path, encodeTake(out, { format, placement: { map: outMap, fromBar: 0, bars: 4 } }));
      assert.match(soxInfo(path)['Duration']!, new RegExp(`= ${barsLengthSamples(4, 97.5, meter, 48000)} samples`));
    }
  });

  test('acidBeats counts quarter notes, rounding half up when the bars hold a fractional number of them', () => {
    assert.equal(acidBeats(4, { numerator: 4, denominator: 4 }), 16);
    assert.equal(acidBeats(2, { numerator: 6, denominator: 8 }), 6);
    assert.equal(acidBeats(2, { numerator: 7, denominator: 8 }), 7);
    assert.equal(acidBeats(1, { numerator: 7, denominator: 8 }), 4);
    assert.equal(acidBeats(3, { numerator: 12, denominator: 8 }), 18);
  });

  test('a float FLAC, an unknown format or a tempo map at another rate is AUDIO_BAD_OPTION', () => {
    const x = testSignal(44100, 1, 100);
    const bad = (e: unknown) => e instanceof StylebridgeError && e.code === 'AUDIO_BAD_OPTION';
    assert.throws(() => encodeTake(x, { format: 'flac', encoding: 'float32' }), bad);
    assert.throws(() => encodeTake(x, { format: 'mp3' as never }), bad);
    assert.throws(() => encodeTake(x, { format: 'wav', placement: { map, fromBar: 0, bars: 1 } }), bad);
  });
});
