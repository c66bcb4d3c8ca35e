// Independent loudness reference: a tiny C program over libebur128 (Debian libebur128-dev), compiled on first use.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AudioBuffer } from '../../src/common/audio-buffer.js';
import { hasTool, run } from './audio-tools.js';

const SOURCE = String.raw`
#include <ebur128.h>
#include <stdio.h>
#include <stdlib.h>
/* usage: ebur128-ref CHANNELS RATE < interleaved float32 little-endian; prints I LRA TP SP */
int main(int argc, char **argv) {
  unsigned ch = (unsigned)atoi(argv[1]); unsigned long rate = strtoul(argv[2], 0, 10);
  ebur128_state *st = ebur128_init(ch, rate, EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK);
  if (!st) return 2;
  if (ch == 6) { ebur128_set_channel(st, 3, EBUR128_UNUSED); ebur128_set_channel(st, 4, EBUR128_LEFT_SURROUND); ebur128_set_channel(st, 5, EBUR128_RIGHT_SURROUND); }
  float buf[4096 * 8]; size_t n;
  while ((n = fread(buf, sizeof(float) * ch, 4096, stdin)) > 0) ebur128_add_frames_float(st, buf, n);
  double I, LRA, tp = 0, sp = 0, v;
  ebur128_loudness_global(st, &I); ebur128_loudness_range(st, &LRA);
  for (unsigned c = 0; c < ch; c++) { ebur128_true_peak(st, c, &v); if (v > tp) tp = v; ebur128_sample_peak(st, c, &v); if (v > sp) sp = v; }
  printf("%.6f %.6f %.9f %.9f\n", I, LRA, tp, sp);
  ebur128_destroy(&st); return 0;
}
`;

let binary: string | undefined;

/** A skip reason when the reference cannot be built here, else false. */
export function ebur128Missing(): string | false {
  if (!existsSync('/usr/include/ebur128.h')) return 'needs libebur128-dev (not installed)';
  if (!hasTool('cc', ['--version'])) return 'needs a C compiler (cc)';
  return false;
}

function build(): string {
  if (binary) return binary;
  const dir = mkdtempSync(join(tmpdir(), 'sb-ebur128-'));
  writeFileSync(join(dir, 'ref.c'), SOURCE);
  run('cc', ['-O2', '-o', join(dir, 'ebur128-ref'), join(dir, 'ref.c'), '-lebur128', '-lm']);
  binary = join(dir, 'ebur128-ref');
  return binary;
}

/** libebur128's integrated loudness (LUFS), loudness range (LU), true peak and sample peak (linear). */
export function ebur128Reference(buf: AudioBuffer): { integrated: number; range: number; truePeak: number; samplePeak: number } {
  const n = buf.channels[0]!.length;
  const k = buf.channels.length;
  const inter = new Float32Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) inter[i * k + c] = buf.channels[c]![i]!;
  const out = run(build(), [String(k), String(buf.sampleRate)], new Uint8Array(inter.buffer)).toString().trim().split(/\s+/).map(Number);
  return { integrated: out[0]!, range: out[1]!, truePeak: out[2]!, samplePeak: out[3]! };
}
