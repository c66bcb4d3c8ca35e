// Soak of native device audio I/O on a JACK dummy server: 10 s duplex at 128 frames, xruns and callback jitter.
// Usage: node --import tsx bench/native-audio.ts [SECONDS] [FRAMES]   (default 10 s, 128 frames). Writes bench/out/native-audio.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { listAudioDevices, openAudioStream, queuePlanar } from '../src/node/native/index.js';

const SECONDS = Number(process.argv[2] ?? 10);
const FRAMES = Number(process.argv[3] ?? 128);
const RATE = 48000;
const root = fileURLToPath(new URL('..', import.meta.url));
const name = `sbnativebench${process.pid}`;
process.env.JACK_DEFAULT_SERVER = name;
process.env.JACK_NO_START_SERVER = '1';
const jackd = spawn('jackd', ['-n', name, '-R', '-d', 'dummy', '-r', String(RATE), '-p', String(FRAMES), '-C', '2', '-P', '2'], { stdio: 'ignore' });
try {
  if (spawnSync('jack_wait', ['-w', '-t', '10'], { env: process.env }).status !== 0) throw new Error('jackd did not start');
  const device = listAudioDevices().find((d) => /JACK/.test(d.hostApi));
  const stream = openAudioStream({ hostApi: 'JACK', inputChannels: 2, outputChannels: 2, sampleRate: RATE, framesPerBuffer: FRAMES, ringFrames: 16384 });
  const n = RATE * SECONDS;
  const tone = Float32Array.from({ length: n }, (_, i) => 0.25 * Math.sin((2 * Math.PI * 440 * i) / RATE));
  const loadStart = loadavg();
  const played = queuePlanar(stream, [tone], 2, { chunkFrames: 2048 });
  stream.start();
  let captured = 0;
  const reader = setInterval(() => { captured += stream.read().length / 2; }, 10);
  await played;
  while (stream.stats().writableFrames < 16384) await new Promise((r) => setTimeout(r, 5));
  stream.stop();
  clearInterval(reader);
  captured += stream.read().length / 2;
  const s = stream.stats();
  stream.close();
  const out = {
    date: new Date().toISOString(), seconds: SECONDS, framesPerBuffer: FRAMES, sampleRate: RATE, device,
    callbacks: s.callbacks, xruns: s.xruns, ringUnderruns: s.ringUnderruns, ringOverruns: s.ringOverruns,
    periodUs: s.periodUs, meanIntervalUs: s.meanIntervalUs, jitterP50Us: s.jitterP50Us, jitterP99Us: s.jitterP99Us, jitterMaxUs: s.jitterMaxUs,
    maxCallbackUs: s.maxCallbackUs, framesPlayed: s.frames, framesCaptured: captured, loadAverageStart: loadStart, loadAverageEnd: loadavg(),
    note: 'JS tops up the output ring every 5 ms and drains the input ring every 10 ms; the callback only touches the rings.',
  };
  mkdirSync(`${root}bench/out`, { recursive: true });
  writeFileSync(`${root}bench/out/native-audio.json`, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  jackd.kill('SIGTERM');
}
