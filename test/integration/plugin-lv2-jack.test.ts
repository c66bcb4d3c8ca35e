// The built LV2 plugin in jalv under a JACK dummy server, jack_transport as timebase master, against the real host server.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { barStartSample, barsLengthSamples } from '../../src/common/timing.js';
import { startServer, type PluginSession, type StylebridgeServer } from '../../src/node/server/index.js';

const root = new URL('../..', import.meta.url).pathname;
const bundles = join(root, 'build/plugin/bin');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['make', 'c++', 'jackd', 'jack_wait', 'jack_transport', 'jalv'].filter((c) => !has(c));
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}`
  : !existsSync('/usr/share/dpf/Makefile.plugins.mk') ? 'DPF is not installed (apt-get install dpf-source)' : false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, pred: () => boolean, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
function stopChild(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => c.kill('SIGKILL'), 3000);
    c.once('close', () => { clearTimeout(t); resolve(); });
    c.kill('SIGTERM');
  });
}

describe('the LV2 plugin in jalv under JACK with a moving transport', { skip }, () => {
  const jackName = `sb-plugin-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'sb-plugin-lv2-'));
  const env = { ...process.env, JACK_DEFAULT_SERVER: jackName, JACK_NO_START_SERVER: '1', STYLEBRIDGE_CONFIG_DIR: dir, LV2_PATH: bundles };
  let jackd: ChildProcess | undefined;
  let jalv: ChildProcess | undefined;
  let transport: ChildProcess | undefined;
  let server: StylebridgeServer | undefined;
  let jalvLog = '';

  before(async () => {
    const r = spawnSync('make', ['-C', join(root, 'plugin-shim'), '-j2'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `plugin build failed:\n${r.stdout}\n${r.stderr}`);
    jackd = spawn('jackd', ['-n', jackName, '-d', 'dummy', '-r', '48000', '-p', '128', '-C', '2', '-P', '2'], { env, stdio: 'ignore' });
    const w = spawnSync('jack_wait', ['-w', '-t', '10'], { env, encoding: 'utf8' });
    assert.equal(w.status, 0, `JACK dummy server did not start: ${w.stdout}${w.stderr}`);
    server = await startServer({ configDir: dir });
    jalv = spawn('jalv', ['-n', 'stylebridge', 'urn:stylebridge:plugin'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    jalv.stdout!.on('data', (d: Buffer) => (jalvLog += d.toString()));
    jalv.stderr!.on('data', (d: Buffer) => (jalvLog += d.toString()));
  });

  after(async () => {
    await stopChild(transport);
    await stopChild(jalv);
    await server?.close();
    await stopChild(jackd);
    rmSync(dir, { recursive: true, force: true });
  });

  test('jalv connects, reports the moving transport, captures a whole bar on the bar lines and plays a take', async () => {
    const session: PluginSession = await server!.sessions.waitFor(() => true, 10000).catch((e: unknown) => {
      throw new Error(`${String(e)}\njalv said:\n${jalvLog}`);
    });
    assert.equal(session.identity.format, 'lv2');
    assert.equal(session.identity.sampleRate, 48000);
    assert.equal(session.identity.host, 'jalv');

    transport = spawn('jack_transport', [], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    transport.stdin!.write('master\ntempo 120\nplay\n');
    await until('the transport rolling into bar 2', () => session.transport?.playing === true && session.transport.bar >= 2);
    assert.equal(session.transport?.bpm, 120);
    assert.equal(session.transport?.meterNum, 4);
    assert.equal(session.transport?.meterDen, 4);
    const s0 = session.transport!.sample;
    await sleep(300);
    assert.ok(session.transport!.sample > s0, 'the timeline sample advances');

    const cap = await session.capture({ at: 'last', bars: 1 });
    const meter = { numerator: 4, denominator: 4 };
    assert.equal(cap.info.frames, barsLengthSamples(1, 120, meter, 48000));
    assert.equal(cap.info.startSample, barStartSample(cap.info.bar, 120, meter, 48000));
    assert.equal(cap.audio.channels.length, 2);

    const frames = barsLengthSamples(1, 120, meter, 48000);
    await session.uploadTake('t', { sampleRate: 48000, channels: [new Float32Array(frames).fill(0.25)] });
    await session.play({ take: 't', at: 'next', mode: 'mix', gain: 1 });
    await until('the take playing', () => session.status?.state === 'playing', 8000);
    const bar = session.status!.bar!;
    assert.ok(bar >= cap.info.bar + 1, `started at bar ${bar}, after the captured bar ${cap.info.bar}`);
    await session.stop({ at: 'now' });
    await until('idle again', () => session.status?.state === 'idle', 5000);
  });
});
