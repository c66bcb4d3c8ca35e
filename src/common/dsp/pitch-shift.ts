// Pitch shifting that keeps length: phase-vocoder time stretch (identity phase locking) then band-limited resampling.
import { RealFft, hannWindow, nextPow2 } from './fft.js';
import { resampleInto } from './resample.js';

/** Analysis window of the phase vocoder, seconds (rounded up to a power of two in samples). */
export const PITCH_SHIFT_WINDOW_SECONDS = 0.043;
/** Kernel half-width of the resampling step (zero crossings); 8 keeps aliasing below about -60 dB. */
export const PITCH_SHIFT_HALF_TAPS = 8;

const TWO_PI = 2 * Math.PI;
const wrap = (x: number): number => x - TWO_PI * Math.round(x / TWO_PI);

/**
 * Shifts all channels by `semitones` without changing their length. Channels share one phase
 * trajectory (computed on their sum, rotated into each channel), so the stereo image holds.
 * Phase locking follows Laroche and Dolson (1999): peaks advance by their instantaneous frequency,
 * the bins around a peak keep their phase offset to it.
 */
export function pitchShift(channels: readonly Float32Array[], semitones: number, sampleRate: number): Float32Array[] {
  const len = channels[0]?.length ?? 0;
  if (semitones === 0 || len === 0) return channels.map((c) => c.slice());
  const ratio = Math.pow(2, semitones / 12);
  const n = nextPow2(PITCH_SHIFT_WINDOW_SECONDS * sampleRate);
  const ha = n >> 2;
  const hs = Math.max(1, Math.round(ha * ratio));
  const alpha = hs / ha;
  const bins = (n >> 1) + 1;
  const fft = new RealFft(n);
  const win = hannWindow(n);
  const C = channels.length;
  const frames = Math.ceil(len / ha) + 1;
  const outLen = (frames - 1) * hs + n;
  const stretched = channels.map(() => new Float32Array(outLen));
  const wsum = new Float64Array(outLen);
  const re = channels.map(() => new Float64Array(bins));
  const im = channels.map(() => new Float64Array(bins));
  const midMag = new Float64Array(bins);
  const midPh = new Float64Array(bins);
  const prevPh = new Float64Array(bins);
  const synPh = new Float64Array(bins);
  const prevSyn = new Float64Array(bins);
  const isPeak = new Uint8Array(bins);
  const buf = new Float64Array(n);
  const tmp = new Float64Array(n);
  const yr = new Float64Array(bins);
  const yi = new Float64Array(bins);
  const rotC = new Float64Array(bins);
  const rotS = new Float64Array(bins);
  const half = n >> 1;
  for (let f = 0; f < frames; f++) {
    const a0 = f * ha - half;
    for (let c = 0; c < C; c++) {
      const x = channels[c]!;
      for (let i = 0; i < n; i++) {
        const j = a0 + i;
        buf[i] = j >= 0 && j < len ? x[j]! * win[i]! : 0;
      }
      fft.forward(buf, re[c]!, im[c]!);
    }
    for (let k = 0; k < bins; k++) {
      let sr = 0, si = 0;
      for (let c = 0; c < C; c++) { sr += re[c]![k]!; si += im[c]![k]!; }
      midMag[k] = sr * sr + si * si; // squared: only compared
      midPh[k] = Math.atan2(si, sr);
    }
    if (f === 0) {
      synPh.set(midPh);
    } else {
      isPeak.fill(0);
      for (let k = 2; k < bins - 2; k++) {
        const m = midMag[k]!;
        if (m > midMag[k - 1]! && m >= midMag[k + 1]! && m > midMag[k - 2]! && m >= midMag[k + 2]!) isPeak[k] = 1;
      }
      // advance the peaks, then lock each bin to its nearest peak (regions split half way)
      let lastPeak = -1;
      for (let k = 0; k < bins; k++) {
        if (!isPeak[k]) continue;
        const omega = (TWO_PI * k) / n;
        const dev = wrap(midPh[k]! - prevPh[k]! - ha * omega);
        synPh[k] = prevSyn[k]! + hs * (omega + dev / ha);
        const from = lastPeak < 0 ? 0 : ((lastPeak + k) >> 1) + 1;
        if (lastPeak >= 0) for (let j = lastPeak + 1; j < from; j++) synPh[j] = synPh[lastPeak]! + midPh[j]! - midPh[lastPeak]!;
        for (let j = from; j < k; j++) synPh[j] = synPh[k]! + midPh[j]! - midPh[k]!;
        lastPeak = k;
      }
      if (lastPeak < 0) {
        for (let k = 0; k < bins; k++) {
          const omega = (TWO_PI * k) / n;
          synPh[k] = prevSyn[k]! + hs * (omega + wrap(midPh[k]! - prevPh[k]! - ha * omega) / ha);
        }
      } else {
        for (let j = lastPeak + 1; j < bins; j++) synPh[j] = synPh[lastPeak]! + midPh[j]! - midPh[lastPeak]!;
      }
    }
    prevPh.set(midPh);
    for (let k = 0; k < bins; k++) prevSyn[k] = wrap(synPh[k]!);
    const s0 = f * hs;
    // one rotation per bin, shared by every channel
    for (let k = 0; k < bins; k++) {
      const rot = synPh[k]! - midPh[k]!;
      rotC[k] = Math.cos(rot);
      rotS[k] = Math.sin(rot);
    }
    for (let c = 0; c < C; c++) {
      const rr = re[c]!;
      const ii = im[c]!;
      for (let k = 0; k < bins; k++) {
        const cr = rotC[k]!, ci = rotS[k]!;
        yr[k] = rr[k]! * cr - ii[k]! * ci;
        yi[k] = rr[k]! * ci + ii[k]! * cr;
      }
      yi[0] = 0;
      yi[bins - 1] = 0;
      fft.inverse(yr, yi, tmp);
      const out = stretched[c]!;
      for (let i = 0; i < n; i++) out[s0 + i]! += tmp[i]! * win[i]!;
    }
    for (let i = 0; i < n; i++) wsum[s0 + i]! += win[i]! * win[i]!;
  }
  let wmax = 0;
  for (let i = 0; i < outLen; i++) wmax = Math.max(wmax, wsum[i]!);
  for (let i = 0; i < outLen; i++) {
    const w = Math.max(wsum[i]!, 1e-3 * wmax);
    for (let c = 0; c < C; c++) stretched[c]![i]! /= w;
  }
  // synthesis frame f is centred at f*hs + n/2 in `stretched`, analysis frame f at f*ha: input time t -> t*alpha + n/2
  return stretched.map((s) => {
    const out = new Float32Array(len);
    resampleInto(s, half, alpha, out, len, PITCH_SHIFT_HALF_TAPS);
    return out;
  });
}
