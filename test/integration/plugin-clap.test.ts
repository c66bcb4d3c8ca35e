// The built CLAP plugin in the project's own CLAP host, against the real host server: capture, audition, host killed and back.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioBuffer } from '../../src/common/audio-buffer.js';
import { barSeconds, barStartSample, barsLengthSamples, type Meter } from '../../src/common/timing.js';
import { startServer, type PluginSession, type StylebridgeServer } from '../../src/node/server/index.js';

const root = new URL('../..', import.meta.url).pathname;
const bundle = join(root, 'build/plugin/bin/stylebridge.clap');
const clapHost = join(root, 'build/plugin/clap-host');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = !has('make') || !has('c++') ? 'make or a C++ compiler is not installed'
  : !existsSync('/usr/share/dpf/Makefile.plugins.mk') ? 'DPF is not installed (apt-get install dpf-source)' : false;

/** What the CLAP host feeds at timeline sample s (left; the right is its negative). */
const input = (s: number) => Math.fround((s & 0xffffff) / 16777216);
/** A take sample that no timeline sample equals. */
const takeSample = (i: number) => Math.fround(((i * 7) % 4096 + 1) / 8192 + 0.25);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, pred: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Run { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }>; out: string }
function runHost(configDir: string, o: { rate: number; bpm: number; meter: Meter; seconds: number; speed: number }): Run {
  const out = join(configDir, 'out.f32');
  const child = spawn(clapHost, ['--plugin', bundle, '--rate', String(o.rate), '--bpm', String(o.bpm), '--num', String(o.meter.numerator),
    '--den', String(o.meter.denominator), '--block', '256', '--seconds', String(o.seconds), '--speed', String(o.speed), '--out', out],
  { env: { ...process.env, STYLEBRIDGE_CONFIG_DIR: configDir } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, out };
}

function readOutput(path: string): { left: Float32Array; right: Float32Array } {
  const buf = readFileSync(path);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const left = new Float32Array(all.length / 2);
  const right = new Float32Array(all.length / 2);
  for (let i = 0; i < left.length; i++) { left[i] = all[2 * i]!; right[i] = all[2 * i + 1]!; }
  return { left, right };
}

function firstMismatch(actual: Float32Array, from: number, to: number, want: (s: number) => number): number {
  for (let s = from; s < to; s++) if (actual[s] !== want(s)) return s;
  return -1;
}

async function captureAndAudition(o: { rate: number; bpm: number; meter: Meter; fault: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-plugin-clap-'));
  let server: StylebridgeServer | undefined = await startServer({ configDir: dir });
  // Bars 0-2 heard, the take armed two bars ahead and heard three times, then (fault) the host away and back.
  const run = runHost(dir, { ...o, seconds: (o.fault ? 13 : 10) * barSeconds(o.bpm, o.meter), speed: 2 });
  try {
    const session: PluginSession = await server.sessions.waitFor(() => true, 8000);
    assert.equal(session.identity.format, 'clap');
    assert.equal(session.identity.sampleRate, o.rate);
    assert.equal(session.identity.latency, 0);
    await until('bar 3', () => (session.transport?.bar ?? 0) >= 3);
    assert.equal(session.transport?.meterNum, o.meter.numerator);
    assert.equal(session.transport?.bpm, o.bpm);

    // Capture bar 1: the exact timeline samples between the bar lines timing.ts defines.
    const b1 = barStartSample(1, o.bpm, o.meter, o.rate);
    const b2 = barStartSample(2, o.bpm, o.meter, o.rate);
    const cap = await session.capture({ at: 'bar', bar: 1, bars: 1 });
    assert.equal(cap.info.startSample, b1);
    assert.equal(cap.info.frames, b2 - b1);
    assert.equal(firstMismatch(cap.audio.channels[0]!, 0, b2 - b1, (i) => input(b1 + i)), -1);
    assert.equal(firstMismatch(cap.audio.channels[1]!, 0, b2 - b1, (i) => -input(b1 + i)), -1);
    const last = await session.capture({ at: 'last', bars: 2 });
    assert.equal(last.info.startSample, barStartSample(last.info.bar, o.bpm, o.meter, o.rate));
    assert.equal(last.info.frames, barStartSample(last.info.bar + 2, o.bpm, o.meter, o.rate) - last.info.startSample);
    await assert.rejects(session.capture({ at: 'bar', bar: (session.transport?.bar ?? 0) + 4, bars: 1 }), { code: 'CAPTURE_NOT_HEARD' });

    // Audition a one-bar take from a bar two bars ahead.
    const frames = barsLengthSamples(1, o.bpm, o.meter, o.rate);
    const take: AudioBuffer = { sampleRate: o.rate, channels: [Float32Array.from({ length: frames }, (_, i) => takeSample(i))] };
    await session.uploadTake('t1', take);
    const start = (session.transport?.bar ?? 0) + 2;
    const played = await session.play({ take: 't1', at: 'bar', bar: start, mode: 'replace', gain: 1 });
    assert.equal(played.bar, start);
    await until('the take playing', () => session.status?.state === 'playing' && session.status.bar === start);
    await until(`bar ${start + 3}`, () => (session.transport?.bar ?? 0) >= start + 3);

    let killedAt = 0;
    if (o.fault) {
      // The host goes away during playback and comes back on another port with another token.
      killedAt = (session.transport?.sample ?? 0);
      await server.close();
      server = undefined;
      await sleep(300);
      server = await startServer({ configDir: dir });
      const again = await server.sessions.waitFor(() => true, 15000);
      assert.equal(again.identity.format, 'clap');
      await until('transport after reconnecting', () => again.transport !== null);
    }
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    const out = readOutput(run.out);

    // Before the start bar: the input untouched; from its line: the take, bar after bar.
    const s0 = barStartSample(start, o.bpm, o.meter, o.rate);
    assert.equal(firstMismatch(out.left, 0, s0, input), -1);
    assert.equal(firstMismatch(out.right, 0, s0, (s) => -input(s)), -1);
    for (let k = 0; k < 3; k++) {
      const a = barStartSample(start + k, o.bpm, o.meter, o.rate);
      const b = barStartSample(start + k + 1, o.bpm, o.meter, o.rate);
      const want = (s: number) => (s - a < frames ? takeSample(s - a) : 0);
      assert.equal(firstMismatch(out.left, a, b, want), -1, `bar ${start + k} left`);
      assert.equal(firstMismatch(out.right, a, b, want), -1, `bar ${start + k} right`);
    }
    if (o.fault) {
      // After the host vanished the plugin stopped the take (10 ms fade) and passes the input through.
      const from = killedAt + Math.round(o.rate * 1.0);
      assert.ok(from < out.left.length);
      assert.equal(firstMismatch(out.left, from, out.left.length, input), -1);
    }
  } finally {
    run.child.kill();
    await run.done;
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the CLAP plugin in a CLAP host, connected to the host server', { skip }, () => {
  before(() => {
    const r = spawnSync('make', ['-C', join(root, 'plugin-shim'), '-j2'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `plugin build failed:\n${r.stdout}\n${r.stderr}`);
  });

  test('at 4/4 120 BPM 48 kHz it captures bar 1 sample-exact, plays a take from its bar line, and survives the host being killed', async () => {
    await captureAndAudition({ rate: 48000, bpm: 120, meter: { numerator: 4, denominator: 4 }, fault: true });
  });

  test('at 7/8 93 BPM 44.1 kHz the fractional bar lines still match timing.ts for capture and playback', async () => {
    await captureAndAudition({ rate: 44100, bpm: 93, meter: { numerator: 7, denominator: 8 }, fault: false });
  });

  test('with no host running the plugin passes audio through bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-plugin-clap-'));
    try {
      // In real time, so the network thread has time to look for the host (and to say it is not there).
      const run = runHost(dir, { rate: 48000, bpm: 120, meter: { numerator: 4, denominator: 4 }, seconds: 2, speed: 1 });
      const r = await run.done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /host not reachable/);
      const out = readOutput(run.out);
      assert.equal(out.left.length, 96000);
      assert.equal(firstMismatch(out.left, 0, 96000, input), -1);
      assert.equal(firstMismatch(out.right, 0, 96000, (s) => -input(s)), -1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
