// The plugin's automatable Capture parameter, raised by the project's CLAP host, makes the real host capture and keep that bar (protocol 1.1).
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { barStartSample, type Meter } from '../../src/common/timing.js';
import { decodeAudio } from '../../src/node/audio/index.js';
import { startHost } from '../../src/node/host/index.js';

const root = new URL('../..', import.meta.url).pathname;
const bundle = join(root, 'build/plugin/bin/stylebridge.clap');
const clapHost = join(root, 'build/plugin/clap-host');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = !has('make') || !has('c++') ? 'make or a C++ compiler is not installed'
  : !existsSync('/usr/share/dpf/Makefile.plugins.mk') ? 'DPF is not installed (apt-get install dpf-source)' : false;

/** What the CLAP host feeds at timeline sample s (left; the right is its negative). */
const input = (s: number) => Math.fround((s & 0xffffff) / 16777216);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the Capture parameter through the host', { skip }, () => {
  before(() => {
    const r = spawnSync('make', ['-C', join(root, 'plugin-shim'), '-j2'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `plugin build failed:\n${r.stdout}\n${r.stderr}`);
  });

  test('a rising Capture parameter makes the host capture the last complete bar, sample for sample, and keep it in the project', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-plugin-capreq-'));
    const rate = 44100;
    const bpm = 93;
    const meter: Meter = { numerator: 7, denominator: 8 };
    const host = await startHost({ projectDir: join(dir, 'project'), configDir: dir });
    // A bar of 7/8 at 93 BPM lasts 2.258 s: at 5.5 s the transport is in bar 2, so bar 1 is the last complete one.
    const child = spawn(clapHost, ['--plugin', bundle, '--rate', String(rate), '--bpm', String(bpm), '--num', '7', '--den', '8', '--block', '256',
      '--seconds', '7', '--speed', '1', '--event', '5.5:capture'], { env: { ...process.env, STYLEBRIDGE_CONFIG_DIR: dir } });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const done = new Promise<number | null>((r) => child.on('close', r));
    try {
      const session = await host.server.sessions.waitFor(() => true, 8000);
      assert.equal(session.protocol?.minor, 1, 'the plugin negotiated protocol 1.1');
      const end = Date.now() + 10_000;
      while (host.library.listCaptures({ limit: 10 }).length === 0 && Date.now() < end) await sleep(20);
      assert.equal(await done, 0, log);
      const caps = host.library.listCaptures({ limit: 10 });
      assert.equal(caps.length, 1, `one capture stored\n${log}`);
      const cap = caps[0]!;
      assert.equal(cap.barIndex, 1);
      assert.equal(cap.source.kind, 'plugin');
      assert.equal(cap.source.trackId, session.instanceId);
      const start = barStartSample(1, bpm, meter, rate);
      assert.equal(cap.frames, barStartSample(2, bpm, meter, rate) - start);
      const audio = (await decodeAudio(host.library.readFile(cap))).audio;
      let mismatch = -1;
      for (let i = 0; i < cap.frames && mismatch < 0; i++) {
        if (audio.channels[0]![i] !== input(start + i) || audio.channels[1]![i] !== -input(start + i)) mismatch = i;
      }
      assert.equal(mismatch, -1, `the stored bar differs from what the plugin heard at frame ${mismatch}`);
      assert.match(log, /asked the host to capture bar 1/);
    } finally {
      child.kill('SIGKILL');
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
