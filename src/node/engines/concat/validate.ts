// Checks a render request against the concat engine's limits; every failure is a StylebridgeError with a stable code.
import type { AudioBuffer } from '../../../common/audio-buffer.js';
import type { RenderRequest } from '../../../common/engine.js';
import { StylebridgeError } from '../../../common/errors.js';
import { assertBpm, assertMeter, barSeconds, barsLengthSamples } from '../../../common/timing.js';
import { checkRequestCounts, isInt } from '../request-checks.js';

/** Every limit of the concat engine, with its default. */
export const CONCAT_LIMITS = {
  /** Shortest and longest bar, seconds. */
  minBarSeconds: 0.25,
  maxBarSeconds: 30,
  minSampleRate: 22050,
  maxSampleRate: 192000,
  /** Most bars in the source and in each take. */
  maxSourceBars: 8,
  maxBars: 64,
  maxVariations: 32,
  /** Most source channels (more is refused rather than guessed at). */
  maxChannels: 2,
  /** Longest source, seconds (bars x bar length). */
  maxSourceSeconds: 120,
  /** Most bytes of audio one request may produce (variations x channels x samples x 4). */
  maxOutputBytes: 512 * 1024 * 1024,
  /** A source whose RMS is below this is silence. */
  silenceDbfs: -70,
  /** How far (share of its expected length) a source may be from whole bars; it is then trimmed or padded. */
  lengthTolerance: 0.01,
} as const;

export type ConcatLimits = { -readonly [K in keyof typeof CONCAT_LIMITS]: (typeof CONCAT_LIMITS)[K] extends number ? number : never };


function checkRate(rate: unknown, field: string, lim: ConcatLimits): void {
  if (!isInt(rate) || rate < lim.minSampleRate || rate > lim.maxSampleRate) {
    throw new StylebridgeError('ENGINE_BAD_SAMPLE_RATE', `${field} ${String(rate)} Hz is not an integer in ${lim.minSampleRate}..${lim.maxSampleRate}.`, { field, value: rate });
  }
}

function checkSource(src: AudioBuffer, lim: ConcatLimits): void {
  const chans = src?.channels;
  if (!Array.isArray(chans) || chans.length === 0 || chans.length > lim.maxChannels || !(chans[0] instanceof Float32Array) || chans[0].length === 0) {
    throw new StylebridgeError('ENGINE_SOURCE_EMPTY', `The source must have 1..${lim.maxChannels} non-empty Float32Array channels.`, { channels: Array.isArray(chans) ? chans.length : 0 });
  }
  const n = chans[0].length;
  let energy = 0;
  for (let c = 0; c < chans.length; c++) {
    const ch = chans[c];
    if (!(ch instanceof Float32Array) || ch.length !== n) {
      throw new StylebridgeError('ENGINE_SOURCE_EMPTY', `Source channel ${c} is not a Float32Array of ${n} samples.`, { channel: c });
    }
    for (let i = 0; i < n; i++) {
      const v = ch[i]!;
      if (!Number.isFinite(v)) throw new StylebridgeError('ENGINE_SOURCE_NOT_FINITE', `Source channel ${c} has a ${String(v)} sample at index ${i}.`, { channel: c, index: i });
      energy += v * v;
    }
  }
  const rmsDb = 10 * Math.log10(energy / (n * chans.length) + 1e-30);
  if (rmsDb < lim.silenceDbfs) {
    throw new StylebridgeError('ENGINE_SOURCE_SILENT', `The source is silent (RMS ${rmsDb.toFixed(1)} dBFS, below ${lim.silenceDbfs} dBFS).`, { rmsDbfs: rmsDb, silenceDbfs: lim.silenceDbfs });
  }
}

/** Validates everything the concat engine reads from a request. Throws the first problem found. */
export function validateRequest(req: RenderRequest, lim: ConcatLimits = CONCAT_LIMITS): void {
  if (req.prompt !== undefined && req.prompt.trim() !== '') {
    throw new StylebridgeError('ENGINE_PROMPT_UNSUPPORTED', 'The built-in concat engine does not understand text prompts; leave the prompt empty or choose a neural engine.', { engine: 'concat' });
  }
  assertBpm(req.bpm);
  assertMeter(req.meter);
  const sec = barSeconds(req.bpm, req.meter);
  if (sec < lim.minBarSeconds) throw new StylebridgeError('ENGINE_BAR_TOO_SHORT', `One bar lasts ${sec.toFixed(3)} s, shorter than ${lim.minBarSeconds} s.`, { barSeconds: sec, minBarSeconds: lim.minBarSeconds });
  if (sec > lim.maxBarSeconds) throw new StylebridgeError('ENGINE_BAR_TOO_LONG', `One bar lasts ${sec.toFixed(3)} s, longer than ${lim.maxBarSeconds} s.`, { barSeconds: sec, maxBarSeconds: lim.maxBarSeconds });
  checkRate(req.source?.sampleRate, 'source.sampleRate', lim);
  checkRate(req.sampleRate, 'sampleRate', lim);
  checkRequestCounts(req, { ...lim, maxSeed: 0xffffffff });
  if (req.channels !== 1 && req.channels !== 2) {
    throw new StylebridgeError('ENGINE_BAD_CHANNELS', `channels ${String(req.channels)} must be 1 or 2.`, { value: req.channels });
  }
  const sourceSeconds = req.sourceBars * sec;
  if (sourceSeconds > lim.maxSourceSeconds) {
    throw new StylebridgeError('ENGINE_TOO_LARGE', `The source spans ${sourceSeconds.toFixed(1)} s, more than ${lim.maxSourceSeconds} s.`, { sourceSeconds, maxSourceSeconds: lim.maxSourceSeconds });
  }
  const outBytes = req.variations * req.channels * 4 * barsLengthSamples(req.bars, req.bpm, req.meter, req.sampleRate);
  if (outBytes > lim.maxOutputBytes) {
    throw new StylebridgeError('ENGINE_TOO_LARGE', `The takes would hold ${(outBytes / 2 ** 20).toFixed(0)} MiB of audio, more than ${(lim.maxOutputBytes / 2 ** 20).toFixed(0)} MiB.`, { outputBytes: outBytes, maxOutputBytes: lim.maxOutputBytes });
  }
  checkSource(req.source, lim);
  const expected = barsLengthSamples(req.sourceBars, req.bpm, req.meter, req.source.sampleRate);
  const actual = req.source.channels[0]!.length;
  if (Math.abs(actual - expected) > lim.lengthTolerance * expected) {
    throw new StylebridgeError('ENGINE_SOURCE_LENGTH', `The source has ${actual} samples; ${req.sourceBars} bar(s) at ${req.bpm} BPM ${req.meter.numerator}/${req.meter.denominator} and ${req.source.sampleRate} Hz are ${expected} samples.`, { expected, actual, tolerance: lim.lengthTolerance });
  }
}
