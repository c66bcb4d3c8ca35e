// A plugin asks the host for a capture (protocol 1.1 `capture.request`): the host captures the bar, keeps it in the project and tells the UIs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAudio } from '../../src/node/audio/index.js';
import { startHost, type Host } from '../../src/node/host/index.js';
import { startServer } from '../../src/node/server/index.js';
import { openSocket, TestPlugin, TestUi } from '../support/protocol-client.js';

describe('capture.request from a plugin (protocol 1.1)', () => {
  let dir: string;
  let host: Host;
  let ui: TestUi;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-capreq-'));
    host = await startHost({ projectDir: join(dir, 'project'), configDir: join(dir, 'config') });
    ui = await TestUi.connect({ port: host.server.port, token: host.server.token });
  });

  after(async () => {
    await ui?.close();
    await host?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const plugin = async (name: string) => {
    const p = await TestPlugin.connect({ port: host.server.port, token: host.server.token, identity: { trackName: name, host: 'TestDAW' } });
    p.sendTransport(p.tempo.barStartSample(8) - 100);
    await host.server.sessions.waitFor((s) => s.instanceId === p.identity.instanceId && s.transport !== null);
    return p;
  };

  test('the host captures the bar the plugin names, stores it in the library and emits capture.added', async () => {
    const p = await plugin('Keys');
    try {
      const added = ui.event('capture.added', (d) => (d as { instanceId?: string }).instanceId === p.identity.instanceId, 10_000);
      p.send({ type: 'capture.request', bar: 3, bars: 1 });
      const cap = (await added) as { id: string; bar: number; bars: number; trackName: string; frames: number; source: string };
      assert.equal(cap.bar, 3);
      assert.equal(cap.bars, 1);
      assert.equal(cap.trackName, 'Keys');
      assert.equal(cap.source, 'plugin');
      const start = p.tempo.barStartSample(3);
      assert.equal(cap.frames, p.tempo.barStartSample(4) - start);
      const req = p.requests.find((m) => m.type === 'capture') as { at: string; bar: number; bars: number } | undefined;
      assert.deepEqual({ at: req?.at, bar: req?.bar, bars: req?.bars }, { at: 'bar', bar: 3, bars: 1 });
      const rec = host.library.getCapture(cap.id);
      assert.equal(rec.barIndex, 3);
      const audio = (await decodeAudio(host.library.readFile(rec))).audio;
      for (let c = 0; c < 2; c++) {
        for (let i = 0; i < cap.frames; i += 499) assert.equal(audio.channels[c]![i], TestPlugin.sample(start + i, c), `channel ${c} frame ${i}`);
      }
    } finally {
      await p.close();
    }
  });

  test('a bar the plugin has not heard comes back to the plugin as an error naming the bar, and nothing is stored', async () => {
    const p = await plugin('Bass');
    try {
      const before = host.library.listCaptures({ limit: 1000 }).length;
      p.send({ type: 'capture.request', bar: 40, bars: 1 });
      const err = await p.next('error', (e) => e.code === 'CAPTURE_NOT_HEARD');
      assert.equal((err.details as { bar: number }).bar, 40);
      assert.equal(host.library.listCaptures({ limit: 1000 }).length, before);
    } finally {
      await p.close();
    }
  });

  test('more requests than maxPluginCapturesInFlight (1) while one is being taken are refused with CAPTURE_REQUEST_BUSY', async () => {
    const p = await plugin('Pad');
    try {
      const added = ui.event('capture.added', (d) => (d as { instanceId?: string }).instanceId === p.identity.instanceId, 10_000);
      p.send({ type: 'capture.request', bar: 1, bars: 1 });
      p.send({ type: 'capture.request', bar: 2, bars: 1 });
      const err = await p.next('error', (e) => e.code === 'CAPTURE_REQUEST_BUSY');
      assert.equal((err.details as { bar: number }).bar, 2);
      assert.equal(((await added) as { bar: number }).bar, 1);
      assert.equal(p.requests.filter((m) => m.type === 'capture').length, 1, 'the host asked the plugin for one capture only');
    } finally {
      await p.close();
    }
  });

  test('a plugin that negotiated protocol 1.0 gets PROTO_UNKNOWN_TYPE for capture.request', async () => {
    const o = { port: host.server.port, token: host.server.token, identity: { trackName: 'Old', host: 'TestDAW' } };
    const p = new TestPlugin(await openSocket('plugin', { mask: 'zero', ...o }), o);
    try {
      const w = await p.hello({ identity: p.identity }, { major: 1, minor: 0 });
      assert.deepEqual(w.protocol, { major: 1, minor: 0 });
      p.send({ type: 'capture.request', bar: 1, bars: 1 });
      const err = await p.next('error');
      assert.equal(err.code, 'PROTO_UNKNOWN_TYPE');
      assert.equal(p.requests.length, 0);
    } finally {
      await p.close();
    }
  });

  test('a server without a capture store refuses the request with SERVER_NO_CAPTURE_STORE', async () => {
    const server = await startServer({ configDir: join(dir, 'bare'), writeDiscovery: false });
    const p = await TestPlugin.connect({ port: server.port, token: server.token });
    try {
      p.send({ type: 'capture.request', bar: 1, bars: 1 });
      const err = await p.next('error');
      assert.equal(err.code, 'SERVER_NO_CAPTURE_STORE');
    } finally {
      await p.close();
      await server.close();
    }
  });
});
