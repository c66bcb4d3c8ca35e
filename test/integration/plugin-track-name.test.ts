// The CLAP plugin reports the DAW's track name (CLAP track-info) in its identity and again when the track is renamed; the CLI finds the track by that name.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost } from '../../src/node/host/index.js';
import { runCliProcess } from '../support/cli.js';

const root = new URL('../..', import.meta.url).pathname;
const bundle = join(root, 'build/plugin/bin/stylebridge.clap');
const clapHost = join(root, 'build/plugin/clap-host');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = !has('make') || !has('c++') ? 'make or a C++ compiler is not installed'
  : !existsSync('/usr/share/dpf/Makefile.plugins.mk') ? 'DPF is not installed (apt-get install dpf-source)' : false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the track name from the DAW', { skip }, () => {
  before(() => {
    const r = spawnSync('make', ['-C', join(root, 'plugin-shim'), '-j2'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `plugin build failed:\n${r.stdout}\n${r.stderr}`);
  });

  test('CLAP: the name of track-info arrives in hello, a rename is sent as identity, and the CLI addresses the track by it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-plugin-name-'));
    const env = { STYLEBRIDGE_CONFIG_DIR: dir };
    const host = await startHost({ projectDir: join(dir, 'project'), configDir: dir });
    const child = spawn(clapHost, ['--plugin', bundle, '--seconds', '8', '--speed', '1', '--track-name', 'Drums', '--event', '4:rename=Bass Line'],
      { env: { ...process.env, ...env } });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const done = new Promise<number | null>((r) => child.on('close', r));
    try {
      const session = await host.server.sessions.waitFor(() => true, 8000);
      assert.equal(session.identity.trackName, 'Drums', 'the name is in the hello');
      const first = await runCliProcess(['tracks', '--json'], env);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.json<{ tracks: Array<{ identity: { trackName: string } }> }>().tracks[0]?.identity.trackName, 'Drums');

      const end = Date.now() + 8000;
      const name = () => session.identity.trackName;
      while (name() !== 'Bass Line' && Date.now() < end) await sleep(20);
      assert.equal(name(), 'Bass Line', `the rename reached the host\n${log}`);
      assert.equal(host.server.sessions.find('Bass Line'), session);
      const cap = await runCliProcess(['capture', '--track', 'Bass Line', '--bar', '0', '--json'], env);
      assert.equal(cap.code, 0, cap.stderr);
      assert.equal(cap.json<{ capture: { trackName: string } }>().capture.trackName, 'Bass Line');
      assert.equal(await done, 0, log);
      assert.match(log, /track name is now "Bass Line"/);
    } finally {
      child.kill('SIGKILL');
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
