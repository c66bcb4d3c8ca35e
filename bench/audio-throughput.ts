// Audio module throughput: decode, encode (WAV, FLAC), resample and loudness, as multiples of real time.
// Usage: node --import tsx bench/audio-throughput.ts [SECONDS]   (default 30 s of stereo test music; writes bench/out/audio.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAudio } from '../src/node/audio/decode.js';
import { encodeWav } from '../src/node/audio/wav-write.js';
import { encodeFlac } from '../src/node/audio/flac-write.js';
import { resample } from '../src/node/audio/resample.js';
import { measureLoudness } from '../src/node/audio/loudness.js';
import { testSignal } from '../test/support/audio-tools.js';

const SECONDS = Number(process.argv[2] ?? 30);
const RATE = 48000;
const audio = testSignal(RATE, 2, SECONDS * RATE, 1);
const r2 = (x: number): number => Math.round(x * 100) / 100;

/** Best of `runs` timings of fn, in seconds. */
async function time(fn: () => unknown, runs = 3): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

const results: Record<string, unknown> = { audioSeconds: SECONDS, sampleRate: RATE, channels: 2, node: process.version };
const rt = (s: number): number => r2(SECONDS / s);

const wav16 = encodeWav(audio, { encoding: 'pcm16' });
const wav24 = encodeWav(audio, { encoding: 'pcm24' });
const flac16 = encodeFlac(audio, { bitsPerSample: 16 });
const flac24 = encodeFlac(audio, { bitsPerSample: 24 });
results.encode = {
  wavPcm24: { xRealtime: rt(await time(() => encodeWav(audio, { encoding: 'pcm24' }))) },
  wavFloat32: { xRealtime: rt(await time(() => encodeWav(audio, { encoding: 'float32' }))) },
  wavPcm16Tpdf: { xRealtime: rt(await time(() => encodeWav(audio, { encoding: 'pcm16', dither: 'tpdf' }))) },
  flac16: { xRealtime: rt(await time(() => encodeFlac(audio, { bitsPerSample: 16 }), 2)), ratioToWav: r2(flac16.length / wav16.length) },
  flac24: { xRealtime: rt(await time(() => encodeFlac(audio, { bitsPerSample: 24 }), 2)), ratioToWav: r2(flac24.length / wav24.length) },
};

const decode: Record<string, unknown> = {
  wavPcm24: { xRealtime: rt(await time(() => decodeAudio(wav24))) },
  flac24: { xRealtime: rt(await time(() => decodeAudio(flac24))) },
};
const dir = mkdtempSync(join(tmpdir(), 'sb-audio-bench-'));
try {
  writeFileSync(join(dir, 'in.wav'), wav16);
  if (spawnSync('lame', ['--quiet', '-b', '192', join(dir, 'in.wav'), join(dir, 'in.mp3')]).status === 0) {
    const mp3 = new Uint8Array(readFileSync(join(dir, 'in.mp3')));
    decode.mp3 = { xRealtime: rt(await time(() => decodeAudio(mp3))) };
  } else decode.mp3 = { skipped: 'lame not installed' };
  if (spawnSync('sox', [join(dir, 'in.wav'), join(dir, 'in.ogg')]).status === 0) {
    const ogg = new Uint8Array(readFileSync(join(dir, 'in.ogg')));
    decode.oggVorbis = { xRealtime: rt(await time(() => decodeAudio(ogg))) };
  } else decode.oggVorbis = { skipped: 'sox not installed' };
} finally {
  rmSync(dir, { recursive: true, force: true });
}
results.decode = decode;

const short = { sampleRate: 44100, channels: audio.channels.map((c) => c.subarray(0, 10 * 44100)) };
const rs = (quality: 'best' | 'medium' | 'fastest') => time(() => resample(short, 48000, { quality }), 1);
results.resample44100to48000 = {
  note: '10 s stereo input',
  best: { xRealtime: r2(10 / (await rs('best'))) },
  medium: { xRealtime: r2(10 / (await rs('medium'))) },
  fastest: { xRealtime: r2(10 / (await rs('fastest'))) },
};
results.loudness = { xRealtime: rt(await time(() => measureLoudness(audio), 2)) };

mkdirSync('bench/out', { recursive: true });
writeFileSync('bench/out/audio.json', JSON.stringify(results, null, 2) + '\n');
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
