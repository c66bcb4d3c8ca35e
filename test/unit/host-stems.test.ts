// Bounce stems follow the plugin's playback rule: every pass of a looped take starts on a real bar line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStem } from '../../src/node/host/stems.js';
import { TempoMap, parseMeter } from '../../src/common/timing.js';

const meter = parseMeter('4/4');
const rate = 44100;
const bpm = 128; // a bar is 82687.5 samples: pass lengths alternate 82688 / 82687

/** A take whose sample value is its frame index (plus an offset telling takes apart). */
function rampTake(id: string, bars: number, offset: number) {
  const frames = TempoMap.constant(bpm, meter, rate).barStartSample(bars);
  const ch = new Float32Array(frames);
  for (let i = 0; i < frames; i++) ch[i] = offset + i;
  return { id, bars, audio: { sampleRate: rate, channels: [ch] } };
}

test('a looped one-bar take restarts at frame 0 on every bar line when bars are fractional samples', () => {
  const take = rampTake('a', 1, 0);
  const { audio, timeReference, map } = buildStem({ bpm, meter, fromBar: 3, toBar: 40, takes: [take], channels: 1 });
  assert.equal(timeReference, map.barStartSample(3));
  const out = audio.channels[0]!;
  assert.equal(out.length, map.barStartSample(40) - map.barStartSample(3));
  for (let bar = 3; bar < 40; bar++) {
    const at = map.barStartSample(bar) - timeReference;
    assert.equal(out[at], 0, `bar ${bar} starts with take frame 0`);
    assert.equal(out[at + 1000], 1000);
  }
});

test('a two-bar take loops every two bars from the range start', () => {
  const take = rampTake('b', 2, 0);
  const { audio, timeReference, map } = buildStem({ bpm, meter, fromBar: 1, toBar: 9, takes: [take], channels: 2 });
  for (const bar of [1, 3, 5, 7]) assert.equal(audio.channels[1]![map.barStartSample(bar) - timeReference], 0);
  for (const bar of [2, 4, 6, 8]) assert.equal(audio.channels[0]![map.barStartSample(bar) - timeReference], map.barStartSample(bar) - map.barStartSample(bar - 1));
});

test('an arrangement plays one take per bar, each from its own start on that bar line', () => {
  const { audio, timeReference, map } = buildStem({ bpm, meter, fromBar: 0, toBar: 6, takes: [rampTake('x', 1, 0), rampTake('y', 1, 1e6)], channels: 1 });
  for (let bar = 0; bar < 6; bar++) {
    const v = audio.channels[0]![map.barStartSample(bar) - timeReference];
    assert.equal(v, bar % 2 === 0 ? 0 : 1e6);
  }
});
