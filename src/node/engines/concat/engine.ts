// The built-in concat engine: analyse the captured bar once, then plan and render N seeded variations.
import type { AudioBuffer } from '../../../common/audio-buffer.js';
import { resampleChannel } from '../../../common/dsp/resample.js';
import { deriveSeed } from '../../../common/dsp/prng.js';
import type { Engine, EngineCapabilities, RenderOptions, RenderRequest, RenderedTake } from '../../../common/engine.js';
import { StylebridgeError } from '../../../common/errors.js';
import { barsLengthSamples } from '../../../common/timing.js';
import { ANALYSIS_DEFAULTS, analyseBar, type AnalysisOptions, type BarAnalysis } from './analysis.js';
import { planSignature, planTake, type Plan } from './generate.js';
import { makeGrid } from './grid.js';
import { TransposeCache, renderPlan } from './resynth.js';
import { STRENGTH_DEFAULT, STRENGTH_MAX, STRENGTH_MEANING, STRENGTH_MIN, strengthProfile } from './strength.js';
import { buildStyleModel, type StyleModel } from './style-model.js';
import { CONCAT_LIMITS, validateRequest, type ConcatLimits } from './validate.js';

export const CONCAT_ENGINE_ID = 'concat';

/** Seeds tried per take before giving up on finding one distinct from the takes before it. */
export const MAX_SEED_ATTEMPTS = 24;

export interface ConcatEngineOptions {
  readonly limits?: Partial<ConcatLimits>;
  readonly analysis?: Partial<AnalysisOptions>;
}

/** Everything computed from the source once per request (and reused while the same buffer is rendered again). */
export interface PreparedSource {
  readonly analysis: BarAnalysis;
  readonly model: StyleModel;
  readonly transposed: TransposeCache;
  readonly analysisMs: number;
}

/**
 * The seed of take `index` on its `attempt`-th try: take 0 uses the request's seed itself, take i
 * deriveSeed(seed, i); a retry (when a take would repeat an earlier one) derives again from that.
 * Rendering one variation with a take's reported seed reproduces that take exactly.
 */
export function takeSeed(seed: number, index: number, attempt: number): number {
  const base = index === 0 ? seed : deriveSeed(seed, index);
  return attempt === 0 ? base : deriveSeed(base, attempt);
}

const now = (): number => performance.now();
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export class ConcatEngine implements Engine {
  readonly id = CONCAT_ENGINE_ID;
  readonly #limits: ConcatLimits;
  readonly #analysis: AnalysisOptions;
  readonly #prepared = new WeakMap<AudioBuffer, Map<string, PreparedSource>>();

  constructor(options: ConcatEngineOptions = {}) {
    this.#limits = { ...CONCAT_LIMITS, ...options.limits };
    this.#analysis = { ...ANALYSIS_DEFAULTS, ...options.analysis };
  }

  capabilities(): EngineCapabilities {
    return {
      id: CONCAT_ENGINE_ID,
      name: 'Built-in concat',
      description: 'Instant variations on the CPU with no model download: the bar is cut into events on its beat grid, ' +
        'a variable-order Markov model of their sequence writes new patterns in its style, and the events are re-joined ' +
        'with their own micro-timing (concatenative synthesis in the tradition of CataRT and the Continuator).',
      family: 'builtin',
      textPrompt: { supported: false, reason: 'The built-in concat engine does not understand text prompts; it works from the captured audio alone. Choose a neural engine to steer with text.' },
      styleAudio: { supported: true },
      strength: { min: STRENGTH_MIN, max: STRENGTH_MAX, default: STRENGTH_DEFAULT, meaning: STRENGTH_MEANING },
      guidance: { supported: false, reason: 'The concat engine has no classifier-free guidance; strength sets how far it strays.' },
      maxVariations: this.#limits.maxVariations,
      maxBars: this.#limits.maxBars,
      device: 'cpu',
    };
  }

  /** Analysis and style model of a request's source at the output rate, cached per source buffer. */
  prepare(req: RenderRequest): PreparedSource {
    const key = `${req.bpm}|${req.meter.numerator}/${req.meter.denominator}|${req.sourceBars}|${req.sampleRate}|${req.channels}|${fingerprint(req.source)}`;
    let perBuffer = this.#prepared.get(req.source);
    const hit = perBuffer?.get(key);
    if (hit) return hit;
    const t0 = now();
    const expected = barsLengthSamples(req.sourceBars, req.bpm, req.meter, req.sampleRate);
    const channels = workingChannels(req.source, req.channels, req.sampleRate, expected);
    const grid = makeGrid(req.bpm, req.meter, req.sampleRate);
    const analysis = analyseBar(channels, grid, req.sourceBars, this.#analysis);
    const model = buildStyleModel(analysis, this.#analysis.maxClusters);
    const prepared: PreparedSource = { analysis, model, transposed: new TransposeCache(), analysisMs: now() - t0 };
    if (!perBuffer) { perBuffer = new Map(); this.#prepared.set(req.source, perBuffer); }
    perBuffer.clear(); // keep one preparation per buffer: the latest request's
    perBuffer.set(key, prepared);
    return prepared;
  }

  async render(req: RenderRequest, options: RenderOptions = {}): Promise<RenderedTake[]> {
    const { signal, onProgress, onTake } = options;
    const checkAbort = (): void => {
      if (signal?.aborted) throw new StylebridgeError('CANCELLED', 'The render was cancelled.');
    };
    checkAbort();
    validateRequest(req, this.#limits);
    onProgress?.({ fraction: 0, stage: 'analysis' });
    const prep = this.prepare(req);
    const takes: RenderedTake[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < req.variations; i++) {
      await yieldToLoop();
      checkAbort();
      const take = this.#renderTake(req, prep, i, seen);
      takes.push(take);
      onTake?.(take);
      onProgress?.({ fraction: (i + 1) / req.variations, stage: 'render', variation: i });
    }
    return takes;
  }

  /** The same as render() without yielding or progress: for benchmarks and batch tools. */
  renderSync(req: RenderRequest): RenderedTake[] {
    validateRequest(req, this.#limits);
    const prep = this.prepare(req);
    const seen = new Set<string>();
    return Array.from({ length: req.variations }, (_, i) => this.#renderTake(req, prep, i, seen));
  }

  #renderTake(req: RenderRequest, prep: PreparedSource, index: number, seen: Set<string>): RenderedTake {
    const t0 = now();
    const profile = strengthProfile(req.strength);
    let plan: Plan | undefined;
    let seed = 0;
    for (let attempt = 0; attempt < MAX_SEED_ATTEMPTS; attempt++) {
      seed = takeSeed(req.seed, index, attempt);
      const p = planTake(prep.analysis, prep.model, profile, req.bars, seed);
      const sig = planSignature(p);
      if (!seen.has(sig)) { seen.add(sig); plan = p; break; }
    }
    if (!plan) {
      throw new StylebridgeError('CONCAT_TOO_FEW_DISTINCT', `Only ${index} distinct variations could be made from this source at strength ${req.strength}.`, { made: index, asked: req.variations });
    }
    const length = barsLengthSamples(req.bars, req.bpm, req.meter, req.sampleRate);
    const channels = renderPlan(prep.analysis, plan, prep.analysis.grid, length, prep.transposed);
    const a = prep.analysis;
    // gain moves and overlaps never make a take peak above its source (no new clipping downstream)
    let srcPeak = 0;
    for (const ch of a.channels) for (let i = 0; i < ch.length; i++) srcPeak = Math.max(srcPeak, Math.abs(ch[i]!));
    let peak = 0;
    for (const ch of channels) for (let i = 0; i < ch.length; i++) peak = Math.max(peak, Math.abs(ch[i]!));
    const trim = peak > srcPeak && peak > 0 ? srcPeak / peak : 1;
    if (trim < 1) for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i]! *= trim;
    const moves = plan.placements.reduce((m, p) => {
      if (p.moves.semitones) m.transposed++;
      if (p.moves.reverse) m.reversed++;
      if (p.moves.stutter > 1) m.stuttered++;
      return m;
    }, { transposed: 0, reversed: 0, stuttered: 0 });
    return {
      index, seed,
      audio: { sampleRate: req.sampleRate, channels },
      info: {
        engine: CONCAT_ENGINE_ID,
        strength: req.strength,
        units: a.units.length,
        clusters: prep.model.clusters,
        stepsPerBar: a.grid.stepsPerBar,
        key: `${['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'][a.key.tonic]} ${a.key.mode}`,
        changedSteps: plan.changedSteps,
        events: plan.placements.length,
        fillEvents: plan.placements.filter((p) => p.fill).length,
        peakTrimDb: Math.round(20 * Math.log10(trim) * 100) / 100,
        ...moves,
        analysisMs: Math.round(prep.analysisMs * 100) / 100,
        renderMs: Math.round((now() - t0) * 100) / 100,
      },
    };
  }
}

/** A cheap content fingerprint, so a buffer changed in place is analysed again. */
function fingerprint(buf: AudioBuffer): string {
  let a = 0, b = 0;
  for (const ch of buf.channels) {
    const stride = Math.max(1, Math.floor(ch.length / 4096));
    for (let i = 0; i < ch.length; i += stride) { a += ch[i]!; b += ch[i]! * ((i % 997) + 1); }
  }
  return `${buf.channels.length}:${buf.channels[0]?.length ?? 0}:${buf.sampleRate}:${a}:${b}`;
}

/** The source at the output rate and channel count, exactly `length` samples (trimmed or zero-padded). */
function workingChannels(src: AudioBuffer, outChannels: number, rate: number, length: number): Float32Array[] {
  let chans = src.channels.slice(0, 2);
  if (outChannels === 1 && chans.length > 1) {
    const m = new Float32Array(chans[0]!.length);
    for (const ch of chans) for (let i = 0; i < m.length; i++) m[i]! += ch[i]! / chans.length;
    chans = [m];
  }
  const conv = chans.map((ch) => {
    if (src.sampleRate === rate) {
      const out = new Float32Array(length);
      out.set(ch.subarray(0, Math.min(length, ch.length)));
      return out;
    }
    return resampleChannel(ch, src.sampleRate, rate, length);
  });
  if (outChannels === 2 && conv.length === 1) conv.push(conv[0]!.slice());
  return conv;
}
