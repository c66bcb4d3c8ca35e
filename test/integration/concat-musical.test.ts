// The concat engine on real rendered grooves (six styles, two tempos each): exact, new, in style, in tempo, strength-ordered.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import type { RenderedTake } from '../../src/common/engine.js';
import { barsLengthSamples } from '../../src/common/timing.js';
import { ConcatEngine } from '../../src/node/engines/index.js';
import { allMaterial, materialUnavailable, type MaterialClip } from '../material/render-material.js';
import { detectOnsets, euclid, gridAgreement, spectralDistance, styleDescriptor } from '../material/style-metrics.js';

const missing = materialUnavailable();
const STRENGTHS = [1, 3, 6] as const;
const VARIATIONS = 3;
/** A take whose band energies differ from the looped source by less than this (dB, mean) is a copy. */
const COPY_THRESHOLD_DB = 0.5;

interface Rendered { clip: MaterialClip; strength: number; takes: RenderedTake[]; fourBar: RenderedTake }

describe('concat engine on rendered grooves', { skip: missing }, () => {
  let clips: MaterialClip[] = [];
  const rendered: Rendered[] = [];
  let sourceDesc: number[][] = [];

  before(async () => {
    clips = allMaterial();
    sourceDesc = clips.map((c) => styleDescriptor(c.audio));
    for (const clip of clips) {
      const eng = new ConcatEngine();
      for (const strength of STRENGTHS) {
        const req = { source: clip.audio, bpm: clip.bpm, meter: clip.meter, sourceBars: clip.bars, bars: 1, variations: VARIATIONS, strength, seed: 2024, sampleRate: clip.audio.sampleRate, channels: 2 };
        const takes = await eng.render(req);
        const [fourBar] = await eng.render({ ...req, bars: 4, variations: 1, seed: 99 });
        rendered.push({ clip, strength, takes, fourBar: fourBar! });
      }
    }
  });

  test('material covers six styles, several tempos and three meters', () => {
    assert.ok(new Set(clips.map((c) => c.style)).size >= 6);
    assert.ok(clips.length >= 12);
    assert.ok(new Set(clips.map((c) => `${c.meter.numerator}/${c.meter.denominator}`)).size >= 3);
  });

  test('every take has exactly the requested length', () => {
    for (const r of rendered) {
      const one = barsLengthSamples(1, r.clip.bpm, r.clip.meter, r.clip.audio.sampleRate);
      for (const t of r.takes) for (const ch of t.audio.channels) assert.equal(ch.length, one);
      for (const ch of r.fourBar.audio.channels) assert.equal(ch.length, barsLengthSamples(4, r.clip.bpm, r.clip.meter, r.clip.audio.sampleRate));
    }
  });

  test('no take is a copy of its source and the takes of a request differ from each other', () => {
    for (const r of rendered) {
      for (let i = 0; i < r.takes.length; i++) {
        const d = spectralDistance(r.takes[i]!.audio, r.clip.audio);
        assert.ok(d > COPY_THRESHOLD_DB, `${r.clip.style}@${r.clip.bpm} s${r.strength} take ${i}: ${d.toFixed(2)} dB from the source`);
        for (let j = 0; j < i; j++) {
          const p = spectralDistance(r.takes[i]!.audio, r.takes[j]!.audio);
          assert.ok(p > 0.01, `${r.clip.style}@${r.clip.bpm} s${r.strength} takes ${i},${j} differ (${p.toFixed(3)} dB)`);
        }
      }
    }
  });

  test('at least 90% of takes are nearer to their own source than to any other style\'s source', () => {
    let near = 0;
    let total = 0;
    const misses: string[] = [];
    for (const r of rendered) {
      const own = clips.indexOf(r.clip);
      for (const t of [...r.takes, r.fourBar]) {
        const d = styleDescriptor(t.audio);
        const toOwn = euclid(d, sourceDesc[own]!);
        const toOther = Math.min(...clips.map((o, i) => (o.style === r.clip.style ? Infinity : euclid(d, sourceDesc[i]!))));
        total++;
        if (toOwn < toOther) near++;
        else misses.push(`${r.clip.style}@${r.clip.bpm} s${r.strength}`);
      }
    }
    assert.ok(near / total >= 0.9, `style kept in ${near}/${total}; misses: ${misses.join(', ')}`);
  });

  test('the onsets of four-bar takes sit on the requested tempo\'s grid better than on tempos 3% and 6% off', () => {
    let kept = 0;
    const misses: string[] = [];
    for (const r of rendered) {
      const on = detectOnsets(r.fourBar.audio);
      const at = gridAgreement(on, r.clip.bpm);
      const off = Math.max(...[0.94, 0.97, 1.03, 1.06].map((f) => gridAgreement(on, r.clip.bpm * f)));
      if (at > off && at > 0.5) kept++;
      else misses.push(`${r.clip.style}@${r.clip.bpm} s${r.strength}: ${at.toFixed(2)} vs ${off.toFixed(2)}`);
    }
    assert.ok(kept / rendered.length >= 0.9, `tempo kept in ${kept}/${rendered.length}; misses: ${misses.join('; ')}`);
  });

  test('on average, takes move further from the source as strength falls', () => {
    const meanDist = (s: number): number => {
      const d = rendered.filter((r) => r.strength === s).flatMap((r) => r.takes.map((t) => spectralDistance(t.audio, r.clip.audio)));
      return d.reduce((a, b) => a + b, 0) / d.length;
    };
    const [d1, d3, d6] = STRENGTHS.map(meanDist) as [number, number, number];
    assert.ok(d1 > d3 && d3 > d6, `mean distance: strength 1 ${d1.toFixed(2)} dB, 3 ${d3.toFixed(2)} dB, 6 ${d6.toFixed(2)} dB`);
  });

  test('a four-bar take from a one-bar capture differs bar to bar and ends in a fill', () => {
    for (const r of rendered.filter((x) => x.strength === 3)) {
      const t = r.fourBar;
      const start = (k: number): number => (k === 0 ? 0 : barsLengthSamples(k, r.clip.bpm, r.clip.meter, r.clip.audio.sampleRate));
      const bar = (k: number): { sampleRate: number; channels: Float32Array[] } => ({
        sampleRate: t.audio.sampleRate, channels: t.audio.channels.map((ch) => ch.slice(start(k), start(k + 1))),
      });
      assert.ok(Number(t.info.fillEvents) > 0, `${r.clip.style}: the last bar has a fill`);
      assert.ok(spectralDistance(bar(3), bar(0)) > COPY_THRESHOLD_DB, `${r.clip.style}: the last bar differs from the first`);
    }
  });
});
