// Test helpers for the audio module: independent tools (sox, flac, lame, libebur128), scratch folders and signal generators.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioBuffer } from '../../src/common/audio-buffer.js';

const toolCache = new Map<string, boolean>();

/** True when `name` runs here (checked once per process). */
export function hasTool(name: string, probeArgs: string[] = ['--version']): boolean {
  if (!toolCache.has(name)) {
    const r = spawnSync(name, probeArgs, { stdio: 'ignore' });
    toolCache.set(name, r.error === undefined);
  }
  return toolCache.get(name)!;
}

/** A reason to skip, or false when every tool is present: `test('...', { skip: missing('sox') }, ...)`. */
export function missing(...tools: string[]): string | false {
  const absent = tools.filter((t) => !hasTool(t, t === 'sox' ? ['--version'] : t === 'lame' ? ['--version'] : ['--version']));
  return absent.length ? `needs ${absent.join(', ')} (not installed)` : false;
}

export function run(cmd: string, args: string[], input?: Uint8Array): Buffer {
  return execFileSync(cmd, args, { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A scratch folder removed by the returned cleanup. */
export function scratch(prefix = 'sb-audio-'): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (n) => join(dir, n), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Decodes any file sox reads to planar float32, via sox's raw float output (an independent reader). */
export function soxDecode(path: string): { channels: Float32Array[]; sampleRate: number } {
  const info = run('soxi', [path]).toString();
  const channels = Number(/Channels\s*:\s*(\d+)/.exec(info)![1]);
  const sampleRate = Number(/Sample Rate\s*:\s*(\d+)/.exec(info)![1]);
  const raw = run('sox', [path, '-t', 'raw', '-e', 'floating-point', '-b', '32', '-L', '-']);
  const inter = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const frames = inter.length / channels;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i++) for (let c = 0; c < channels; c++) out[c]![i] = inter[i * channels + c]!;
  return { channels: out, sampleRate };
}

/** `soxi` fields of a file (as sox itself sees it). */
export function soxInfo(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of run('soxi', [path]).toString().split('\n')) {
    const m = /^([A-Za-z ]+?)\s*:\s*(.*)$/.exec(line);
    if (m) out[m[1]!.trim()] = m[2]!.trim();
  }
  return out;
}

/** Deterministic test music: a few partials with an envelope per channel plus seeded noise, within [-0.9, 0.9]. */
export function testSignal(sampleRate: number, channels: number, frames: number, seed = 1): AudioBuffer {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296 - 0.5;
  };
  const out = Array.from({ length: channels }, (_, c) => {
    const ch = new Float32Array(frames);
    const f = 110 * (c + 1);
    for (let i = 0; i < frames; i++) {
      const t = i / sampleRate;
      const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 2 * t);
      ch[i] = 0.35 * env * Math.sin(2 * Math.PI * f * t) + 0.25 * Math.sin(2 * Math.PI * f * 3.01 * t) + 0.1 * rnd();
    }
    return ch;
  });
  return { sampleRate, channels: out };
}

export function sine(sampleRate: number, channels: number, seconds: number, freq: number, amplitude: number): AudioBuffer {
  const n = Math.round(seconds * sampleRate);
  const ch = new Float32Array(n);
  for (let i = 0; i < n; i++) ch[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / sampleRate);
  return { sampleRate, channels: Array.from({ length: channels }, () => ch.slice()) };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export { writeFileSync, readFileSync };
