// The limits not covered by the other server tests, each exceeded on a real server: what happens, and who is unaffected.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../src/node/server/index.js';
import { type CallError, TestPlugin, TestUi, openSocket } from '../support/protocol-client.js';

const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err as { status: number; body: { code: string } };
  }
  throw new Error('the connection was accepted');
};

describe('server limits', () => {
  test('connections over maxPluginConnections are refused with 503 while UIs still connect', async () => {
    const server = await startServer({ writeDiscovery: false, limits: { maxPluginConnections: 2 } });
    const o = { port: server.port, token: server.token };
    const ps = [await TestPlugin.connect(o), await TestPlugin.connect(o)];
    const r = await refusal(openSocket('plugin', o));
    assert.equal(r.status, 503);
    assert.equal(r.body.code, 'SERVER_TOO_MANY_CONNECTIONS');
    const ui = await TestUi.connect(o);
    assert.equal(((await ui.call('tracks.list')).result as { tracks: unknown[] }).tracks.length, 2);
    await ps[0]!.close();
    const again = await TestPlugin.connect(o);
    await Promise.all([again.close(), ps[1]!.close(), ui.close()]);
    await server.close();
  });

  test('a peer that stops answering pings is dropped after pingIntervalMs while others stay', async () => {
    const server = await startServer({ writeDiscovery: false, limits: { pingIntervalMs: 500 } });
    const o = { port: server.port, token: server.token };
    const hung = await TestPlugin.connect({ ...o, autoPong: false });
    const fine = await TestPlugin.connect(o);
    const closed = await hung.closed;
    assert.equal(closed.code, 1006);
    assert.equal(fine.ws.readyState, fine.ws.OPEN);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(fine.ws.readyState, fine.ws.OPEN);
    await fine.close();
    await server.close();
  });

  test('a capture reply announcing more than maxTransferFrames fails the capture at once with PROTO_LIMIT_EXCEEDED', async () => {
    const server = await startServer({ writeDiscovery: false, limits: { maxTransferFrames: 48000, requestTimeoutMs: 5000 } });
    const o = { port: server.port, token: server.token };
    const p = await TestPlugin.connect({ ...o, identity: { trackName: 'Long' } });
    const t0 = performance.now();
    await assert.rejects(server.sessions.find('Long').capture({ at: 'bar', bar: 0, bars: 1 }), (e: Error & { code: string; details: { limit: string } }) => e.code === 'PROTO_LIMIT_EXCEEDED' && e.details.limit === 'maxTransferFrames');
    assert.ok(performance.now() - t0 < 4000, 'failed without waiting for the request timeout');
    assert.equal((await p.next('error')).code, 'PROTO_LIMIT_EXCEEDED');
    assert.equal(p.ws.readyState, p.ws.OPEN);
    await p.close();
    await server.close();
  });

  test('a take over maxTransferBytes is refused before anything is sent to the plugin', async () => {
    const server = await startServer({ writeDiscovery: false, limits: { maxTransferBytes: 1000 } });
    const p = await TestPlugin.connect({ port: server.port, token: server.token, identity: { trackName: 'T' } });
    await assert.rejects(server.sessions.find('T').uploadTake('big', { sampleRate: 48000, channels: [new Float32Array(200), new Float32Array(200)] }), (e: Error & { code: string }) => e.code === 'PROTO_LIMIT_EXCEEDED');
    assert.equal(p.requests.length, 0);
    await p.close();
    await server.close();
  });

  test('a gain over maxGain is refused with PROTO_LIMIT_EXCEEDED', async () => {
    const server = await startServer({ writeDiscovery: false });
    const o = { port: server.port, token: server.token };
    const p = await TestPlugin.connect({ ...o, identity: { trackName: 'G' } });
    const ui = await TestUi.connect(o);
    await ui.upload('g', { sampleRate: 48000, channels: [new Float32Array(10)] });
    await assert.rejects(ui.call('audition', { track: 'G', take: 'g', gain: server.limits.maxGain + 1 }), (e: CallError) => e.code === 'PROTO_LIMIT_EXCEEDED');
    await Promise.all([p.close(), ui.close()]);
    await server.close();
  });

  test('beyond maxHostTakes the least recently used uploaded take is forgotten', async () => {
    const server = await startServer({ writeDiscovery: false, limits: { maxHostTakes: 2 } });
    const o = { port: server.port, token: server.token };
    const p = await TestPlugin.connect({ ...o, identity: { trackName: 'H' } });
    const ui = await TestUi.connect(o);
    const a = { sampleRate: 48000, channels: [new Float32Array(10)] };
    for (const k of ['h1', 'h2', 'h3']) await ui.upload(k, a);
    await assert.rejects(ui.call('audition', { track: 'H', take: 'h1' }), (e: CallError) => e.code === 'SERVER_NO_SUCH_TAKE');
    await ui.call('audition', { track: 'H', take: 'h3' });
    await Promise.all([p.close(), ui.close()]);
    await server.close();
  });

  test('transport events to UIs are coalesced per track to at most uiTransportHz, the latest winning', async () => {
    const server = await startServer({ writeDiscovery: false, limits: { uiTransportHz: 5 } });
    const o = { port: server.port, token: server.token };
    const ui = await TestUi.connect(o);
    const p = await TestPlugin.connect({ ...o, identity: { trackName: 'C' } });
    const samples: number[] = [];
    ui.ws.on('message', (d, bin) => {
      if (bin) return;
      const m = JSON.parse(d.toString()) as { type: string; event?: string; data?: { transport: { sample: number } } };
      if (m.type === 'event' && m.event === 'transport') samples.push(m.data!.transport.sample);
    });
    for (let i = 1; i <= 10; i++) p.sendTransport(i * 1000);
    await p.sync();
    await new Promise((r) => setTimeout(r, 450));
    assert.ok(samples.length >= 1 && samples.length <= 5, `got ${samples.length} events for 10 transport messages`);
    assert.equal(samples.at(-1), 10_000);
    await Promise.all([p.close(), ui.close()]);
    await server.close();
  });

  test('events to a UI that does not read are skipped beyond maxBufferedBytes; replies still arrive and other UIs get everything', async () => {
    const server = await startServer({ writeDiscovery: false, limits: { maxBufferedBytes: 64 * 1024 } });
    const o = { port: server.port, token: server.token };
    const slow = await TestUi.connect(o);
    const fast = await TestUi.connect(o);
    let fastCount = 0;
    let slowCount = 0;
    fast.ws.on('message', () => fastCount++);
    slow.ws.on('message', () => slowCount++);
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const payload = 'x'.repeat(4096);
    const N = 3000;
    for (let i = 0; i < N; i++) {
      server.broadcast('job.progress', { i, payload });
      if (i % 200 === 0) await new Promise((r) => setImmediate(r));
    }
    while (fastCount < N) await new Promise((r) => setTimeout(r, 10));
    socket.resume();
    const { result } = await slow.call('tracks.list');
    assert.deepEqual(result, { tracks: [] });
    assert.ok(slowCount < N, `slow UI got ${slowCount} of ${N} events`);
    await Promise.all([slow.close(), fast.close()]);
    await server.close();
  });
});
