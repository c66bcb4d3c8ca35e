// Bad input on a real server: oversize, truncated and stray frames, unknown types, invalid messages, floods.
// After each case the server still serves and the other clients are unaffected.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FrameKind, encodeFrame } from '../../src/common/protocol/frame.js';
import { startServer, type StylebridgeServer } from '../../src/node/server/index.js';
import type { CallError} from '../support/protocol-client.js';
import { TestPlugin, TestUi, openSocket, ProtocolClient } from '../support/protocol-client.js';

const LIMITS = {
  maxTextMessageBytes: 4096,
  maxBinaryMessageBytes: 65536,
  transportRateHz: 30,
  transportBurst: 15,
  messageRateHz: 200,
  messageBurst: 100,
  floodCloseDrops: 300,
  requestTimeoutMs: 2000,
  maxPendingRequests: 4,
};

describe('server under bad input', () => {
  let server: StylebridgeServer;
  let bystander: TestPlugin;
  let watcher: TestUi;
  const opts = () => ({ port: server.port, token: server.token });

  before(async () => {
    server = await startServer({ writeDiscovery: false, limits: LIMITS });
    bystander = await TestPlugin.connect({ ...opts(), identity: { trackName: 'Bystander' } });
    watcher = await TestUi.connect(opts());
  });

  after(async () => {
    assert.deepEqual(bystander.violations, []);
    assert.deepEqual(watcher.violations, []);
    await server.close();
  });

  /** The other clients still work: the bystander plugin answers a capture through the watching UI. */
  const othersUnaffected = async () => {
    assert.equal(bystander.ws.readyState, bystander.ws.OPEN);
    assert.equal(watcher.ws.readyState, watcher.ws.OPEN);
    const { audio } = await watcher.call('capture', { track: 'Bystander', at: 'bar', bar: 2, bars: 1 });
    assert.equal(audio!.channels[0]!.length, 96000);
    assert.equal(bystander.errors.length, 0);
  };

  const plugin = (name: string) => TestPlugin.connect({ ...opts(), identity: { trackName: name } });

  test('a binary message over maxBinaryMessageBytes closes that connection with 1009', async () => {
    const p = await plugin('Big');
    p.sendRaw(new Uint8Array(LIMITS.maxBinaryMessageBytes + 1));
    assert.equal((await p.closed).code, 1009);
    await othersUnaffected();
  });

  test('a text message over maxTextMessageBytes gets PROTO_MESSAGE_TOO_BIG and close 1009', async () => {
    const p = await plugin('Chatty');
    p.send({ type: 'identity', identity: { ...p.identity, trackName: 'x'.repeat(5000) } });
    const e = await p.next('error');
    assert.equal(e.code, 'PROTO_MESSAGE_TOO_BIG');
    assert.equal(e.details?.limit, 'maxTextMessageBytes');
    assert.equal((await p.closed).code, 1009);
    await othersUnaffected();
  });

  test('a truncated binary frame is refused with PROTO_BAD_FRAME, fails its capture, and the connection stays', async () => {
    const p = await plugin('Truncator');
    p.silent = true;
    const s = server.sessions.find('Truncator');
    const capture = s.capture({ at: 'bar', bar: 0, bars: 1 });
    while (!p.requests.some((m) => m.type === 'capture')) await new Promise((r) => setTimeout(r, 5));
    const id = (p.requests[0] as { id: number }).id;
    p.send({ type: 'captured', id, bar: 0, bars: 1, startSample: 0, frames: 4, sampleRate: 48000, channels: 1, bpm: 120, meterNum: 4, meterDen: 4 });
    const frame = encodeFrame({ kind: FrameKind.capture, id, sampleRate: 48000, channels: 1, frameOffset: 0, frameCount: 4, totalFrames: 4 }, [new Float32Array(4)]);
    p.sendRaw(frame.subarray(0, frame.length - 3));
    await assert.rejects(capture, (e: Error & { code: string }) => e.code === 'PROTO_BAD_FRAME');
    const e = await p.next('error');
    assert.equal(e.code, 'PROTO_BAD_FRAME');
    p.silent = false;
    const ok = await s.capture({ at: 'bar', bar: 1, bars: 1 });
    assert.equal(ok.audio.channels[0]!.length, 96000);
    await p.close();
    await othersUnaffected();
  });

  test('a well-formed frame for no open transfer gets PROTO_UNEXPECTED_FRAME and the connection stays', async () => {
    const p = await plugin('Stray');
    p.sendRaw(encodeFrame({ kind: FrameKind.capture, id: 77, sampleRate: 48000, channels: 1, frameOffset: 0, frameCount: 2, totalFrames: 2 }, [new Float32Array(2)]));
    assert.equal((await p.next('error')).code, 'PROTO_UNEXPECTED_FRAME');
    watcher.sendRaw(encodeFrame({ kind: FrameKind.take, id: 5, sampleRate: 48000, channels: 1, frameOffset: 0, frameCount: 2, totalFrames: 2 }, [new Float32Array(2)]));
    assert.equal((await watcher.next('error')).code, 'PROTO_UNEXPECTED_FRAME');
    await p.close();
    await othersUnaffected();
  });

  test('frames out of order inside a capture fail it with PROTO_UNEXPECTED_FRAME', async () => {
    const p = await plugin('Shuffler');
    p.silent = true;
    const capture = server.sessions.find('Shuffler').capture({ at: 'bar', bar: 0, bars: 1 });
    while (!p.requests.some((m) => m.type === 'capture')) await new Promise((r) => setTimeout(r, 5));
    const id = (p.requests[0] as { id: number }).id;
    p.send({ type: 'captured', id, bar: 0, bars: 1, startSample: 0, frames: 4, sampleRate: 48000, channels: 1, bpm: 120, meterNum: 4, meterDen: 4 });
    p.sendRaw(encodeFrame({ kind: FrameKind.capture, id, sampleRate: 48000, channels: 1, frameOffset: 2, frameCount: 2, totalFrames: 4 }, [new Float32Array(4)]));
    await assert.rejects(capture, (e: Error & { code: string }) => e.code === 'PROTO_UNEXPECTED_FRAME');
    await p.close();
    await othersUnaffected();
  });

  test('an unknown message type gets PROTO_UNKNOWN_TYPE (answering its id) and the connection stays', async () => {
    const p = await plugin('Future');
    p.send({ type: 'teleport', id: 42 });
    const e = await p.next('error');
    assert.equal(e.code, 'PROTO_UNKNOWN_TYPE');
    assert.equal(e.id, 42);
    assert.equal(e.fatal, false);
    p.sendTransport(0);
    await p.sync();
    assert.equal(server.sessions.find('Future').transport?.sample, 0);
    await p.close();
    await othersUnaffected();
  });

  test('invalid JSON, schema violations, wrong-role messages and unknown reply ids each get their code and the connection stays', async () => {
    const p = await plugin('Sloppy');
    const cases: [string | Record<string, unknown>, string][] = [
      ['{"type":', 'PROTO_BAD_JSON'],
      ['"just a string"', 'PROTO_BAD_JSON'],
      [{ type: 'transport', playing: true, bpm: 5000, meterNum: 4, meterDen: 4, bar: 0, beat: 0, ppq: 0, barStartPpq: 0, sample: 0 }, 'PROTO_INVALID_MESSAGE'],
      [{ type: 'call', id: 1, method: 'tracks.list' }, 'PROTO_WRONG_ROLE'],
      [{ type: 'ok', id: 999 }, 'PROTO_UNKNOWN_REQUEST'],
      [{ type: 'hello', protocol: { major: 1, minor: 0 }, role: 'plugin', client: { name: 'x', version: '1' }, identity: p.identity }, 'PROTO_INVALID_MESSAGE'],
    ];
    for (const [m, code] of cases) {
      if (typeof m === 'string') p.sendRaw(m);
      else p.send(m);
      const e = await p.next('error');
      assert.equal(e.code, code, JSON.stringify(m));
    }
    const e = p.errors.find((x) => x.type === 'error' && x.code === 'PROTO_INVALID_MESSAGE');
    assert.ok(e && e.type === 'error' && e.details?.path === '/bpm');
    assert.equal(p.ws.readyState, p.ws.OPEN);
    await p.close();
    await othersUnaffected();
  });

  test('random bytes and random text do not bring the server down', async () => {
    const p = await plugin('Noise');
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 60; i++) {
      const n = Math.floor(rnd() * 200);
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
      if (i % 3 === 0 && n >= 4) bytes.set([0x53, 0x42, 0x41, 0x46, 1, 0, 40, 0].slice(0, Math.min(8, n)));
      if (i % 2) p.sendRaw(bytes);
      else p.sendRaw(Buffer.from(bytes).toString('latin1'));
    }
    await p.sync();
    assert.equal(p.ws.readyState, p.ws.OPEN);
    await p.close();
    await othersUnaffected();
  });

  test('transport over transportRateHz is dropped and reported once with PROTO_RATE_LIMITED; the connection stays', async () => {
    const p = await plugin('Fast');
    for (let i = 0; i < 60; i++) p.sendTransport(i * 100);
    await p.sync();
    const e = await p.next('error');
    assert.equal(e.code, 'PROTO_RATE_LIMITED');
    assert.equal(e.details?.limit, 'transportRateHz');
    const reports = p.errors.filter((x) => x.type === 'error' && x.code === 'PROTO_RATE_LIMITED').length;
    assert.ok(reports >= 1 && reports <= 2, `${reports} reports (at most one a second)`);
    const s = server.sessions.find('Fast');
    assert.ok(s.transport!.sample < 59 * 100, 'the excess transport messages were not applied');
    assert.ok(s.droppedTotal >= 20, `dropped ${s.droppedTotal}`);
    assert.equal(p.ws.readyState, p.ws.OPEN);
    await p.close();
    await othersUnaffected();
  });

  test('a sustained message flood beyond floodCloseDrops closes that connection with 1008 only', async () => {
    const p = await plugin('Flood');
    const status = JSON.stringify({ type: 'status', state: 'idle', take: 0, takes: 0, drops: 0, underruns: 0 });
    for (let i = 0; i < LIMITS.messageBurst + LIMITS.floodCloseDrops + 1500; i++) p.sendRaw(status);
    const closed = await p.closed;
    assert.equal(closed.code, 1008);
    assert.ok(p.errors.some((x) => x.type === 'error' && x.code === 'PROTO_RATE_LIMITED' && x.fatal));
    await othersUnaffected();
  });

  test('more than maxPendingRequests calls in flight get SERVER_BUSY while the others complete', async () => {
    const p = await plugin('Slow');
    p.silent = true;
    const calls = Array.from({ length: LIMITS.maxPendingRequests + 2 }, () => watcher.call('capture', { track: 'Slow', bars: 1 }).then(() => 'ok', (e: CallError) => e.code));
    const codes = await Promise.all(calls);
    assert.equal(codes.filter((c) => c === 'SERVER_BUSY').length, 2);
    assert.equal(codes.filter((c) => c === 'PROTO_TIMEOUT').length, LIMITS.maxPendingRequests);
    await p.close();
    await othersUnaffected();
  });

  test('an upload announcing more channels than maxChannels is refused with PROTO_LIMIT_EXCEEDED', async () => {
    await assert.rejects(watcher.call('takes.upload', { take: 'wide', frames: 10, sampleRate: 48000, channels: 9 }), (e: CallError) => e.code === 'PROTO_LIMIT_EXCEEDED' && e.details?.limit === 'maxChannels');
    await othersUnaffected();
  });

  test('a UI sending a plugin message gets PROTO_WRONG_ROLE and stays', async () => {
    const u = await TestUi.connect(opts());
    u.send({ type: 'transport', playing: true, bpm: 120, meterNum: 4, meterDen: 4, bar: 0, beat: 0, ppq: 0, barStartPpq: 0, sample: 0 });
    assert.equal((await u.next('error')).code, 'PROTO_WRONG_ROLE');
    assert.deepEqual((await u.call('tracks.list')).result !== undefined, true);
    await u.close();
  });

  test('a text message that is not valid UTF-8 closes that connection with 1007', async () => {
    const p = await plugin('Garbled');
    p.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    assert.equal((await p.closed).code, 1007);
    await othersUnaffected();
  });

  test('a binary frame before hello closes with 4400', async () => {
    const c = new ProtocolClient(await openSocket('plugin', opts()), 'plugin');
    c.sendRaw(new Uint8Array(48));
    assert.equal((await c.next('error')).code, 'PROTO_BAD_HELLO');
    assert.equal((await c.closed).code, 4400);
    await othersUnaffected();
  });
});
