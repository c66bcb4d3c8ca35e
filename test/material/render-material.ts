// Renders the test grooves to audio (fluidsynth + Hydrogen samples), cached in test/.material/ by content hash.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AudioBuffer } from '../../src/common/audio-buffer.js';
import { barStartSample, quartersPerBar, TempoMap, type Meter } from '../../src/common/timing.js';
import { encodeMidi, type MidiTrack } from './midi-file.js';
import { STYLES, type StyleDef, type GmPart } from './styles.js';

export const SOUNDFONT = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
export const DRUMKITS = '/usr/share/hydrogen/data/drumkits';
export const MATERIAL_DIR = new URL('../.material/', import.meta.url).pathname;
/** Bump when the rendering changes in a way the hash of the inputs does not see. */
const GENERATOR_VERSION = 4;
const PPQ = 960;
/** Peak level of every rendered clip. */
const PEAK = 0.7;

export interface MaterialClip {
  readonly style: string;
  readonly bpm: number;
  readonly meter: Meter;
  readonly bars: number;
  readonly audio: AudioBuffer;
  /** Where the clip lives on disk (planar float32, channel after channel). */
  readonly path: string;
}

/** Why material cannot be rendered here (a missing tool), or undefined when it can. */
export function materialUnavailable(): string | undefined {
  if (spawnSync('fluidsynth', ['--version']).status !== 0) return 'fluidsynth is not installed (apt-get install fluidsynth)';
  if (spawnSync('sox', ['--version']).status !== 0) return 'sox is not installed (apt-get install sox)';
  if (!existsSync(SOUNDFONT)) return `${SOUNDFONT} is missing (apt-get install fluid-soundfont-gm)`;
  if (!existsSync(DRUMKITS)) return `${DRUMKITS} is missing (apt-get install hydrogen-drumkits)`;
  return undefined;
}

export function styleById(id: string): StyleDef {
  const s = STYLES.find((x) => x.id === id);
  if (!s) throw new Error(`unknown test style ${id}`);
  return s;
}

const sampleCache = new Map<string, Float32Array>();

/** Decodes a drum sample to mono float32 at `rate` through sox. */
function loadSample(kit: string, file: string, rate: number): Float32Array {
  const key = `${kit}/${file}@${rate}`;
  const hit = sampleCache.get(key);
  if (hit) return hit;
  const raw = execFileSync('sox', ['-G', join(DRUMKITS, kit, file), '-t', 'raw', '-e', 'floating-point', '-b', '32', '-L', '-c', '1', '-r', String(rate), '-'], { maxBuffer: 1 << 28 });
  const out = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + (raw.byteLength & ~3)));
  sampleCache.set(key, out);
  return out;
}

/** Renders the GM parts of `bars` repeats through fluidsynth; interleaved stereo float32. */
function renderGm(style: StyleDef, bpm: number, bars: number, rate: number, scratch: string): Float32Array | undefined {
  const gm = Object.entries(style.parts).filter((e): e is [string, GmPart] => e[1].kind === 'gm');
  if (gm.length === 0) return undefined;
  const qpb = quartersPerBar(style.meter);
  const tracks: MidiTrack[] = gm.map(([name, p]) => ({
    channel: p.channel, program: p.program, volume: p.volume ?? 100, pan: p.pan ?? 64,
    notes: Array.from({ length: bars }, (_, b) => style.bar.filter((e) => e.part === name).map((e) => ({
      tick: (b * qpb + e.at) * PPQ, durationTicks: e.len * PPQ, key: e.key, velocity: e.vel,
    }))).flat(),
  }));
  const mid = join(scratch, 'song.mid');
  const raw = join(scratch, 'gm.f32');
  writeFileSync(mid, encodeMidi({ ppq: PPQ, bpm, meter: style.meter, tracks, endTick: bars * qpb * PPQ }));
  execFileSync('fluidsynth', ['-n', '-i', '-q', '-R', '0', '-C', '0', '-g', '0.6', '-r', String(rate),
    '-T', 'raw', '-O', 'float', '-E', 'little', '-F', raw, SOUNDFONT, mid], { stdio: 'ignore' });
  const buf = readFileSync(raw);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + (buf.byteLength & ~7)));
}

function renderClip(style: StyleDef, bpm: number, captureBars: number, rate: number): AudioBuffer {
  const totalBars = captureBars + 2; // one bar before (tails ring in, as in a real capture), one after
  const map = TempoMap.constant(bpm, style.meter, rate);
  const total = barStartSample(totalBars, bpm, style.meter, rate) + rate; // plus a second of release
  const left = new Float32Array(total);
  const right = new Float32Array(total);
  const scratch = join(MATERIAL_DIR, `.tmp-${process.pid}-${style.id}-${bpm}`);
  mkdirSync(scratch, { recursive: true });
  try {
    const gm = renderGm(style, bpm, totalBars, rate, scratch);
    if (gm) {
      const n = Math.min(total, gm.length >> 1);
      for (let i = 0; i < n; i++) { left[i] = gm[2 * i]!; right[i] = gm[2 * i + 1]!; }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // Sample placer: each hit at its exact sample position from the timing module, constant-power pan.
  const qpb = quartersPerBar(style.meter);
  for (let b = 0; b < totalBars; b++) {
    for (const e of style.bar) {
      const p = style.parts[e.part];
      if (!p || p.kind !== 'sample') continue;
      const smp = loadSample(p.kit, p.file, rate);
      const at = Math.round(map.sampleAtPpq(b * qpb + e.at));
      const g = p.gain * Math.pow(e.vel / 127, 1.5);
      const theta = ((p.pan + 1) * Math.PI) / 4;
      const gl = g * Math.cos(theta) * Math.SQRT2;
      const gr = g * Math.sin(theta) * Math.SQRT2;
      const n = Math.min(smp.length, total - at);
      for (let i = 0; i < n; i++) { left[at + i]! += smp[i]! * gl; right[at + i]! += smp[i]! * gr; }
    }
  }
  const from = barStartSample(1, bpm, style.meter, rate);
  const to = barStartSample(1 + captureBars, bpm, style.meter, rate);
  const l = left.slice(from, to);
  const r = right.slice(from, to);
  let peak = 0;
  for (let i = 0; i < l.length; i++) peak = Math.max(peak, Math.abs(l[i]!), Math.abs(r[i]!));
  if (peak > 0) for (let i = 0; i < l.length; i++) { l[i]! *= PEAK / peak; r[i]! *= PEAK / peak; }
  return { sampleRate: rate, channels: [l, r] };
}

function toolFingerprint(): string {
  const v = spawnSync('fluidsynth', ['--version']).stdout?.toString().split('\n')[0] ?? '';
  return `${v}|${statSync(SOUNDFONT).size}`;
}

let fingerprint: string | undefined;

/**
 * The clip of `style` at `bpm`: `captureBars` bars cut at bar lines from a longer rendering, so
 * tails of the previous bar ring into it. Rendered once and cached by a hash of everything that
 * shapes it.
 */
export function materialClip(styleId: string, bpm: number, opts: { captureBars?: number; sampleRate?: number } = {}): MaterialClip {
  const style = styleById(styleId);
  const captureBars = opts.captureBars ?? 1;
  const rate = opts.sampleRate ?? style.sampleRate;
  fingerprint ??= toolFingerprint();
  const hash = createHash('sha256').update(JSON.stringify({ GENERATOR_VERSION, style, bpm, captureBars, rate, fingerprint })).digest('hex').slice(0, 16);
  mkdirSync(MATERIAL_DIR, { recursive: true });
  const path = join(MATERIAL_DIR, `${style.id}-${bpm}-${captureBars}b-${rate}-${hash}.f32`);
  let audio: AudioBuffer;
  if (existsSync(path)) {
    const buf = readFileSync(path);
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const n = all.length >> 1;
    audio = { sampleRate: rate, channels: [all.slice(0, n), all.slice(n)] };
  } else {
    audio = renderClip(style, bpm, captureBars, rate);
    const n = audio.channels[0]!.length;
    const all = new Float32Array(2 * n);
    all.set(audio.channels[0]!, 0);
    all.set(audio.channels[1]!, n);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, new Uint8Array(all.buffer));
    renameSync(tmp, path); // atomic: a concurrent test process sees the whole file or none
  }
  return { style: style.id, bpm, meter: style.meter, bars: captureBars, audio, path };
}

/** Every style at every one of its tempos, one bar each. */
export function allMaterial(): MaterialClip[] {
  return STYLES.flatMap((s) => s.tempos.map((bpm) => materialClip(s.id, bpm)));
}
