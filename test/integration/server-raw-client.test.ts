// A plugin written the way docs/protocol.md 2.1 describes a minimal client (raw TCP, hand-made upgrade and frames,
// zero masking key, no WebSocket library) is served by the host: the contract the C++ plugin relies on.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { FrameKind, encodeFrame } from '../../src/common/protocol/frame.js';
import { startServer, type StylebridgeServer } from '../../src/node/server/index.js';

/** One RFC 6455 frame from a client: FIN set, masked with the given key (zero by default). */
function clientFrame(opcode: number, payload: Uint8Array, mask = Buffer.alloc(4)): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n]) : n < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 255]) : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; })()]);
  const body = Buffer.from(payload);
  for (let i = 0; i < n; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, mask, body]);
}

/** Reads server frames (never masked, never fragmented) from a byte stream. */
class FrameReader {
  #buf = Buffer.alloc(0);
  pings = 0;
  constructor(private readonly onPing: (payload: Buffer) => void = () => undefined) {}
  readonly frames: { opcode: number; fin: boolean; payload: Buffer }[] = [];
  #wake: (() => void) | undefined;
  push(chunk: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    for (;;) {
      if (this.#buf.length < 2) break;
      const b0 = this.#buf[0]!;
      const b1 = this.#buf[1]!;
      assert.equal(b1 & 0x80, 0, 'the host never masks');
      let len = b1 & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.#buf.length < 4) break;
        len = this.#buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (this.#buf.length < 10) break;
        len = Number(this.#buf.readBigUInt64BE(2));
        at = 10;
      }
      if (this.#buf.length < at + len) break;
      const frame = { opcode: b0 & 0x0f, fin: (b0 & 0x80) !== 0, payload: this.#buf.subarray(at, at + len) };
      if (frame.opcode === 9) {
        this.pings++;
        this.onPing(frame.payload);
      } else {
        this.frames.push(frame);
      }
      this.#buf = this.#buf.subarray(at + len);
    }
    this.#wake?.();
  }
  async next(timeoutMs = 3000): Promise<{ opcode: number; fin: boolean; payload: Buffer }> {
    const t0 = Date.now();
    while (this.frames.length === 0) {
      if (Date.now() - t0 > timeoutMs) throw new Error('no frame');
      await new Promise<void>((r) => {
        this.#wake = r;
        setTimeout(r, 50);
      });
    }
    return this.frames.shift()!;
  }
}

describe('a minimal raw client as described in docs/protocol.md 2.1', () => {
  let server: StylebridgeServer;
  before(async () => {
    server = await startServer({ writeDiscovery: false, limits: { pingIntervalMs: 150 } });
  });
  after(async () => {
    await server.close();
  });

  async function upgrade(token: string): Promise<{ socket: Socket; reader: FrameReader; status: string }> {
    const socket = connect({ host: '127.0.0.1', port: server.port });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`GET /plugin HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    const reader = new FrameReader((payload) => socket.write(clientFrame(10, payload)));
    let head = Buffer.alloc(0);
    const status = await new Promise<string>((resolve) => {
      const onData = (c: Buffer) => {
        head = Buffer.concat([head, c]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const text = head.subarray(0, end).toString();
        socket.on('data', (d: Buffer) => reader.push(d));
        if (head.length > end + 4) reader.push(head.subarray(end + 4));
        resolve(text);
      };
      socket.on('data', onData);
    });
    return { socket, reader, status };
  }

  test('a wrong token gets an HTTP 401 with a JSON body before any WebSocket frame', async () => {
    const socket = connect({ host: '127.0.0.1', port: server.port });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`GET /plugin HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer nope\r\n\r\n`);
    let text = '';
    await new Promise<void>((r) => {
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('close', () => r());
    });
    assert.match(text, /^HTTP\/1\.1 401 /);
    assert.equal(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).code, 'AUTH_BAD_TOKEN');
  });

  test('hello, welcome, transport, a ping answered, and a capture answered with a zero-masked binary frame', async () => {
    const { socket, reader, status } = await upgrade(server.token);
    assert.match(status, /^HTTP\/1\.1 101 /);
    const identity = { host: 'Raw', format: 'test', trackName: 'Raw', instanceId: 'raw1', sampleRate: 48000, channels: 1, latency: 0 };
    socket.write(clientFrame(1, Buffer.from(JSON.stringify({ type: 'hello', protocol: { major: 1, minor: 0 }, role: 'plugin', client: { name: 'raw', version: '1' }, identity }))));
    const welcome = await reader.next();
    assert.equal(welcome.opcode, 1);
    assert.ok(welcome.fin);
    assert.equal(JSON.parse(welcome.payload.toString()).type, 'welcome');
    socket.write(clientFrame(1, Buffer.from(JSON.stringify({ type: 'transport', playing: true, bpm: 120, meterNum: 4, meterDen: 4, bar: 2, beat: 0, ppq: 8, barStartPpq: 8, sample: 192000 }))));
    const session = await server.sessions.waitFor((s) => s.instanceId === 'raw1');
    const pending = session.capture({ at: 'last', bars: 1 });
    const req = await reader.next();
    const capture = JSON.parse(req.payload.toString()) as { type: string; id: number };
    assert.equal(capture.type, 'capture');
    socket.write(clientFrame(1, Buffer.from(JSON.stringify({ type: 'captured', id: capture.id, bar: 1, bars: 1, startSample: 96000, frames: 3, sampleRate: 48000, channels: 1, bpm: 120, meterNum: 4, meterDen: 4 }))));
    socket.write(clientFrame(2, encodeFrame({ kind: FrameKind.capture, id: capture.id, sampleRate: 48000, channels: 1, frameOffset: 0, frameCount: 3, totalFrames: 3 }, [new Float32Array([0.5, -0.5, 0.25])])));
    const r = await pending;
    assert.deepEqual(Array.from(r.audio.channels[0]!), [0.5, -0.5, 0.25]);
    assert.equal(session.transport?.bar, 2);
    // A masked frame with a random key works as well.
    socket.write(clientFrame(1, Buffer.from(JSON.stringify({ type: 'status', state: 'idle', take: 0, takes: 0, drops: 0, underruns: 0 })), randomBytes(4)));
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(session.status?.state, 'idle');
    // Pings answered with pongs keep the connection: several ping intervals later it is still served.
    await new Promise((res) => setTimeout(res, 600));
    assert.ok(reader.pings >= 2, `${reader.pings} pings`);
    assert.equal(server.sessions.list().includes(session), true);
    socket.write(clientFrame(8, Buffer.from([0x03, 0xe8])));
    const close = await reader.next();
    assert.equal(close.opcode, 8);
    assert.equal(close.payload.readUInt16BE(0), 1000);
    socket.destroy();
  });
});
