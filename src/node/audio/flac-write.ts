// FLAC encoder: STREAMINFO with MD5, optional Vorbis comments, fixed-predictor subframes with partitioned Rice coding, 16/24-bit.
import { createHash } from 'node:crypto';
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { BitWriter } from './bit-writer.js';
import { assertValidBuffer, quantizeBuffer, type Dither } from './pcm.js';

export interface FlacWriteOptions {
  /** 16 or 24; default 24. */
  readonly bitsPerSample?: 16 | 24;
  /** Samples per frame; default 4096 (a block size of the FLAC streamable subset). */
  readonly blockSize?: number;
  readonly dither?: Dither;
  readonly ditherSeed?: number;
  /** Vorbis comment tags (e.g. { BPM: '120' }); keys are ASCII 0x20..0x7D without '='. */
  readonly tags?: Readonly<Record<string, string>>;
}

export const FLAC_VENDOR = 'Stylebridge';
const MAX_PARTITION_ORDER = 8;

// ----- CRCs ----------------------------------------------------------------------------------------

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c8 = i;
  let c16 = i << 8;
  for (let b = 0; b < 8; b++) {
    c8 = c8 & 0x80 ? ((c8 << 1) ^ 0x07) & 0xff : (c8 << 1) & 0xff;
    c16 = c16 & 0x8000 ? ((c16 << 1) ^ 0x8005) & 0xffff : (c16 << 1) & 0xffff;
  }
  CRC8[i] = c8;
  CRC16[i] = c16;
}

function crc8(bytes: Uint8Array): number {
  let c = 0;
  for (const b of bytes) c = CRC8[c ^ b]!;
  return c;
}

function crc16(bytes: Uint8Array): number {
  let c = 0;
  for (const b of bytes) c = ((c << 8) & 0xffff) ^ CRC16[(c >> 8) ^ b]!;
  return c;
}

// ----- subframe planning ---------------------------------------------------------------------------

interface Plan {
  readonly kind: 'constant' | 'verbatim' | 'fixed';
  readonly order: number;
  readonly bits: number;
  /** Residual coding for 'fixed'. */
  readonly residual?: Int32Array;
  readonly partitionOrder?: number;
  readonly params?: number[];
  readonly method?: 0 | 1;
}

function fixedResidual(x: Int32Array, order: number): Int32Array {
  const n = x.length;
  const r = new Int32Array(n - order);
  for (let i = order; i < n; i++) {
    let v: number;
    switch (order) {
      case 0: v = x[i]!; break;
      case 1: v = x[i]! - x[i - 1]!; break;
      case 2: v = x[i]! - 2 * x[i - 1]! + x[i - 2]!; break;
      case 3: v = x[i]! - 3 * x[i - 1]! + 3 * x[i - 2]! - x[i - 3]!; break;
      default: v = x[i]! - 4 * x[i - 1]! + 6 * x[i - 2]! - 4 * x[i - 3]! + x[i - 4]!;
    }
    r[i - order] = v;
  }
  return r;
}

const zigzag = (v: number): number => (v >= 0 ? 2 * v : -2 * v - 1);

/** Best Rice parameter and its cost in bits for `count` values whose zig-zag sum is `sum` (estimate: floor per value ignored). */
function riceCost(sum: number, count: number, maxParam: number): { k: number; bits: number } {
  // The optimum lies next to log2(mean); test the neighbours.
  const guess = sum > count ? Math.floor(Math.log2(sum / count)) : 0;
  let best = { k: 0, bits: Infinity };
  for (let k = Math.max(0, guess - 1); k <= Math.min(maxParam, guess + 2); k++) {
    const bits = count * (k + 1) + Math.floor(sum / 2 ** k);
    if (bits < best.bits) best = { k, bits };
  }
  return best;
}

function planResidual(res: Int32Array, blockSize: number, order: number): { bits: number; partitionOrder: number; params: number[]; method: 0 | 1 } {
  // Finest usable partition order: the block divides evenly and the first partition still holds a residual.
  let finest = 0;
  while (finest < MAX_PARTITION_ORDER && blockSize % 2 ** (finest + 1) === 0 && blockSize >> (finest + 1) > order) finest++;
  // Zig-zag sums per finest partition (partition 0 lacks the `order` warm-up samples), merged pairwise for coarser orders.
  let sums = new Float64Array(2 ** finest);
  const size = blockSize >> finest;
  for (let j = 0, at = 0; j < sums.length; j++) {
    const count = j === 0 ? size - order : size;
    let sum = 0;
    for (let i = 0; i < count; i++) sum += zigzag(res[at + i]!);
    sums[j] = sum;
    at += count;
  }
  let best: { bits: number; partitionOrder: number; params: number[]; method: 0 | 1 } | undefined;
  for (let p = finest; p >= 0; p--) {
    const partSize = blockSize >> p;
    let bits = 6; // method + partition order
    const params: number[] = [];
    let method: 0 | 1 = 0;
    for (let j = 0; j < sums.length; j++) {
      const c = riceCost(sums[j]!, j === 0 ? partSize - order : partSize, 30);
      if (c.k > 14) method = 1;
      params.push(c.k);
      bits += c.bits;
    }
    bits += sums.length * (method === 1 ? 5 : 4);
    if (!best || bits < best.bits) best = { bits, partitionOrder: p, params, method };
    if (p > 0) {
      const merged = new Float64Array(sums.length / 2);
      for (let j = 0; j < merged.length; j++) merged[j] = sums[2 * j]! + sums[2 * j + 1]!;
      sums = merged;
    }
  }
  return best!;
}

function planSubframe(x: Int32Array, bps: number): Plan {
  const n = x.length;
  if (x.every((v) => v === x[0])) return { kind: 'constant', order: 0, bits: 8 + bps };
  let plan: Plan = { kind: 'verbatim', order: 0, bits: 8 + n * bps };
  // Choose the fixed order with the smallest sum of absolute residuals (one pass over all orders), then plan its Rice partitions.
  const sums = [0, 0, 0, 0, 0];
  for (let i = 4; i < n; i++) {
    const e0 = x[i]!;
    const e1 = e0 - x[i - 1]!;
    const e2 = e1 - (x[i - 1]! - x[i - 2]!);
    const e3 = e2 - (x[i - 1]! - 2 * x[i - 2]! + x[i - 3]!);
    const e4 = e3 - (x[i - 1]! - 3 * x[i - 2]! + 3 * x[i - 3]! - x[i - 4]!);
    sums[0]! += Math.abs(e0);
    sums[1]! += Math.abs(e1);
    sums[2]! += Math.abs(e2);
    sums[3]! += Math.abs(e3);
    sums[4]! += Math.abs(e4);
  }
  let bestOrder = 0;
  const maxOrder = n > 4 ? 4 : 0;
  for (let order = 1; order <= maxOrder; order++) if (sums[order]! < sums[bestOrder]!) bestOrder = order;
  if (n > bestOrder) {
    const residual = fixedResidual(x, bestOrder);
    const rp = planResidual(residual, n, bestOrder);
    const bits = 8 + bestOrder * bps + rp.bits;
    if (bits < plan.bits) plan = { kind: 'fixed', order: bestOrder, bits, residual, partitionOrder: rp.partitionOrder, params: rp.params, method: rp.method };
  }
  return plan;
}

function writeSubframe(w: BitWriter, x: Int32Array, bps: number, plan: Plan): void {
  if (plan.kind === 'constant') {
    w.bits(0b00000000, 8);
    w.bits(x[0]!, bps);
    return;
  }
  if (plan.kind === 'verbatim') {
    w.bits(0b00000010, 8);
    for (let i = 0; i < x.length; i++) w.bits(x[i]!, bps);
    return;
  }
  w.bits(0b00010000 | (plan.order << 1), 8); // 0 pad, type 001xxx, no wasted bits
  for (let i = 0; i < plan.order; i++) w.bits(x[i]!, bps);
  const method = plan.method!;
  const p = plan.partitionOrder!;
  w.bits(method, 2);
  w.bits(p, 4);
  const size = x.length >> p;
  const res = plan.residual!;
  let at = 0;
  plan.params!.forEach((k, j) => {
    w.bits(k, method === 1 ? 5 : 4);
    const count = j === 0 ? size - plan.order : size;
    for (let i = 0; i < count; i++) w.rice(zigzag(res[at + i]!), k);
    at += count;
  });
}

// ----- frames ----------------------------------------------------------------------------------------

const RATE_CODES: Record<number, number> = { 88200: 1, 176400: 2, 192000: 3, 8000: 4, 16000: 5, 22050: 6, 24000: 7, 32000: 8, 44100: 9, 48000: 10, 96000: 11 };

function blockSizeCode(n: number): { code: number; extra?: [number, number] } {
  if (n === 192) return { code: 1 };
  for (let c = 2; c <= 5; c++) if (n === 576 * 2 ** (c - 2)) return { code: c };
  for (let c = 8; c <= 15; c++) if (n === 256 * 2 ** (c - 8)) return { code: c };
  return n <= 256 ? { code: 6, extra: [n - 1, 8] } : { code: 7, extra: [n - 1, 16] };
}

function utf8Number(w: BitWriter, v: number): void {
  if (v < 0x80) return w.bits(v, 8);
  const lengths = [0x800, 0x10000, 0x200000, 0x4000000, 0x80000000];
  const extra = lengths.findIndex((limit) => v < limit) + 1; // continuation bytes
  const lead = (0xff00 >> (extra + 1)) & 0xff;
  w.bits(lead | Math.floor(v / 2 ** (6 * extra)), 8);
  for (let i = extra - 1; i >= 0; i--) w.bits(0x80 | (Math.floor(v / 2 ** (6 * i)) & 0x3f), 8);
}

function encodeFrame(w: BitWriter, index: number, block: Int32Array[], bps: number, sampleRate: number): void {
  const start = w.bytePosition;
  const n = block[0]!.length;
  // Channel decorrelation: for stereo pick the cheapest of left/right, left/side, right/side, mid/side.
  let assignment = block.length - 1;
  let subframes: { x: Int32Array; bps: number; plan: Plan }[] = block.map((x) => ({ x, bps, plan: planSubframe(x, bps) }));
  if (block.length === 2) {
    const [l, r] = block as [Int32Array, Int32Array];
    const side = new Int32Array(n);
    const mid = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      side[i] = l[i]! - r[i]!;
      mid[i] = (l[i]! + r[i]!) >> 1;
    }
    const L = subframes[0]!;
    const R = subframes[1]!;
    const S = { x: side, bps: bps + 1, plan: planSubframe(side, bps + 1) };
    const M = { x: mid, bps, plan: planSubframe(mid, bps) };
    const options: [number, typeof subframes][] = [
      [1, [L, R]],
      [8, [L, S]],
      [9, [S, R]],
      [10, [M, S]],
    ];
    const best = options.reduce((a, b) => (b[1][0]!.plan.bits + b[1][1]!.plan.bits < a[1][0]!.plan.bits + a[1][1]!.plan.bits ? b : a));
    assignment = best[0];
    subframes = best[1];
  }
  const bs = blockSizeCode(n);
  const rateCode = RATE_CODES[sampleRate] ?? 0; // 0: take the rate from STREAMINFO
  w.bits(0xfff8, 16); // sync + reserved + fixed block size
  w.bits(bs.code, 4);
  w.bits(rateCode, 4);
  w.bits(assignment, 4);
  w.bits(bps === 16 ? 4 : 6, 3);
  w.bits(0, 1);
  utf8Number(w, index);
  if (bs.extra) w.bits(bs.extra[0], bs.extra[1]);
  w.bits(crc8(w.bytes().subarray(start)), 8);
  for (const s of subframes) writeSubframe(w, s.x, s.bps, s.plan);
  w.align();
  w.bits(crc16(w.bytes().subarray(start)), 16);
}

// ----- stream ------------------------------------------------------------------------------------------

function vorbisComment(tags: Readonly<Record<string, string>>): Uint8Array {
  const enc = new TextEncoder();
  const entries = Object.entries(tags).map(([k, v]) => {
    if (!/^[\x20-\x3c\x3e-\x7d]+$/.test(k)) throw new StylebridgeError('AUDIO_BAD_OPTION', `FLAC tag name '${k}' is not allowed.`, { option: 'tags', value: k });
    return enc.encode(`${k}=${v}`);
  });
  const vendor = enc.encode(FLAC_VENDOR);
  const out = new Uint8Array(8 + vendor.length + entries.reduce((n, e) => n + 4 + e.length, 0));
  const v = new DataView(out.buffer);
  v.setUint32(0, vendor.length, true);
  out.set(vendor, 4);
  let at = 4 + vendor.length;
  v.setUint32(at, entries.length, true);
  at += 4;
  for (const e of entries) {
    v.setUint32(at, e.length, true);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}

function blockHeader(last: boolean, type: number, length: number): Uint8Array {
  return new Uint8Array([(last ? 0x80 : 0) | type, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff]);
}

/** Encodes `buf` as a FLAC file (bytes). Samples are quantized as for WAV (round, clip, optional TPDF dither). */
export function encodeFlac(buf: AudioBuffer, options: FlacWriteOptions = {}): Uint8Array {
  const bps = options.bitsPerSample ?? 24;
  const blockSize = options.blockSize ?? 4096;
  if (bps !== 16 && bps !== 24) throw new StylebridgeError('AUDIO_BAD_OPTION', `FLAC bitsPerSample must be 16 or 24, not ${String(bps)}.`, { option: 'bitsPerSample', value: bps });
  if (!Number.isInteger(blockSize) || blockSize < 16 || blockSize > 65535) {
    throw new StylebridgeError('AUDIO_BAD_OPTION', `FLAC blockSize must be 16..65535, not ${blockSize}.`, { option: 'blockSize', value: blockSize });
  }
  const frames = assertValidBuffer(buf, 8);
  if (buf.sampleRate > 655350) throw new StylebridgeError('AUDIO_BAD_OPTION', `FLAC cannot store a ${buf.sampleRate} Hz rate.`, { option: 'sampleRate', value: buf.sampleRate });
  if (frames >= 2 ** 36) throw new StylebridgeError('AUDIO_TOO_LONG', 'Too many frames for FLAC STREAMINFO.', { frames });
  const channels = buf.channels.length;
  const q = quantizeBuffer(buf, bps, options.dither ?? 'none', options.ditherSeed ?? 1);

  // MD5 of the samples as signed little-endian interleaved integers of bps/8 bytes.
  const bytesPer = bps / 8;
  const raw = new Uint8Array(frames * channels * bytesPer);
  for (let i = 0, at = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const s = q[c]![i]!;
      raw[at++] = s & 0xff;
      raw[at++] = (s >> 8) & 0xff;
      if (bytesPer === 3) raw[at++] = (s >> 16) & 0xff;
    }
  }
  const md5 = createHash('md5').update(raw).digest();

  const w = new BitWriter();
  let minFrame = 0xffffff;
  let maxFrame = 0;
  for (let start = 0, index = 0; start < frames; start += blockSize, index++) {
    const end = Math.min(frames, start + blockSize);
    const before = w.bytePosition;
    encodeFrame(w, index, q.map((ch) => ch.subarray(start, end)), bps, buf.sampleRate);
    const size = w.bytePosition - before;
    minFrame = Math.min(minFrame, size);
    maxFrame = Math.max(maxFrame, size);
  }
  const audio = w.bytes();

  const info = new Uint8Array(34);
  const iv = new DataView(info.buffer);
  const usedBlock = Math.min(blockSize, Math.max(16, frames));
  iv.setUint16(0, usedBlock, false);
  iv.setUint16(2, usedBlock, false);
  if (frames > 0) {
    info.set([(minFrame >> 16) & 0xff, (minFrame >> 8) & 0xff, minFrame & 0xff, (maxFrame >> 16) & 0xff, (maxFrame >> 8) & 0xff, maxFrame & 0xff], 4);
  }
  // 20 bits rate, 3 bits channels-1, 5 bits bps-1, 36 bits total samples.
  info[10] = (buf.sampleRate >> 12) & 0xff;
  info[11] = (buf.sampleRate >> 4) & 0xff;
  info[12] = ((buf.sampleRate & 0x0f) << 4) | ((channels - 1) << 1) | ((bps - 1) >> 4);
  info[13] = (((bps - 1) & 0x0f) << 4) | Math.floor(frames / 2 ** 32);
  iv.setUint32(14, frames % 2 ** 32, false);
  info.set(md5, 18);

  const comment = options.tags ? vorbisComment(options.tags) : undefined;
  const parts = [new Uint8Array([0x66, 0x4c, 0x61, 0x43]), blockHeader(!comment, 0, 34), info];
  if (comment) parts.push(blockHeader(true, 4, comment.length), comment);
  parts.push(audio);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
