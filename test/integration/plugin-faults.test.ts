// Faults around the built plugin (CLAP bundle in the project's CLAP host): a wrong token, garbage from the peer, a
// broken WebSocket frame. The plugin logs, answers with protocol errors, reconnects, and the audio passes through.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import { startServer } from '../../src/node/server/index.js';

const root = new URL('../..', import.meta.url).pathname;
const bundle = join(root, 'build/plugin/bin/stylebridge.clap');
const clapHost = join(root, 'build/plugin/clap-host');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = !has('make') || !has('c++') ? 'make or a C++ compiler is not installed'
  : !existsSync('/usr/share/dpf/Makefile.plugins.mk') ? 'DPF is not installed (apt-get install dpf-source)' : false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, pred: () => boolean, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
const input = (s: number) => Math.fround((s & 0xffffff) / 16777216);

/** Runs the CLAP host in real time; resolves with its stderr and whether every output sample equalled its input. */
function runHost(dir: string, seconds: number) {
  const out = join(dir, 'out.f32');
  const child = spawn(clapHost, ['--plugin', bundle, '--seconds', String(seconds), '--speed', '1', '--block', '256', '--out', out],
    { env: { ...process.env, STYLEBRIDGE_CONFIG_DIR: dir } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stderr: string; passthrough: boolean }>((resolve) => child.on('close', (code) => {
    let passthrough = false;
    if (existsSync(out)) {
      const b = readFileSync(out);
      const f = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      passthrough = f.length === seconds * 48000 * 2;
      for (let i = 0; passthrough && i < f.length / 2; i++) passthrough = f[2 * i] === input(i) && f[2 * i + 1] === -input(i);
    }
    resolve({ code, stderr, passthrough });
  }));
  return { child, done, stderrNow: () => stderr };
}

describe('faults around the plugin', { skip }, () => {
  before(() => {
    const r = spawnSync('make', ['-C', join(root, 'plugin-shim'), '-j2'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `plugin build failed:\n${r.stdout}\n${r.stderr}`);
  });

  test('a wrong token is refused, logged and retried, and the plugin joins once bridge.json holds the right one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-plugin-faults-'));
    const server = await startServer({ configDir: dir });
    const bridgeFile = join(dir, 'bridge.json');
    const good = readFileSync(bridgeFile, 'utf8');
    writeFileSync(bridgeFile, JSON.stringify({ ...JSON.parse(good) as object, token: 'f'.repeat(64) }));
    const run = runHost(dir, 8);
    try {
      await until('the refusal in the log', () => /HTTP 401/.test(run.stderrNow()));
      assert.equal(server.sessions.size, 0);
      writeFileSync(bridgeFile, good);
      const session = await server.sessions.waitFor(() => true, 12000);
      assert.equal(session.identity.format, 'clap');
      const r = await run.done;
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.passthrough, 'the audio passed through untouched');
    } finally {
      run.child.kill();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('garbage from the peer gets protocol errors, the plugin stays responsive, and a broken frame makes it reconnect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-plugin-faults-'));
    const token = 'a'.repeat(64);
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true });
    const received: unknown[] = [];
    const sockets: WebSocket[] = [];
    let authHeaders: (string | undefined)[] = [];
    http.on('upgrade', (req, socket, head) => {
      authHeaders.push(req.headers.authorization);
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.push(ws);
        ws.on('message', (data, isBinary) => {
          if (isBinary) return;
          const m = JSON.parse(data.toString()) as { type: string };
          received.push(m);
          if (m.type === 'hello') {
            ws.send(JSON.stringify({ type: 'welcome', protocol: { major: 1, minor: 0 }, session: `f-${sockets.length}`, server: { name: 'fault-peer', version: '0' }, limits: {} }));
          }
        });
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    writeFileSync(join(dir, 'bridge.json'), JSON.stringify({ port, token, pid: process.pid, version: '0', protocol: { major: 1, minor: 0 } }));
    const run = runHost(dir, 8);
    const errors = () => received.filter((m): m is { type: string; code: string; id?: number } => (m as { type: string }).type === 'error');
    try {
      await until('the first connection', () => sockets.length === 1 && received.some((m) => (m as { type: string }).type === 'status'));
      assert.equal(authHeaders[0], `Bearer ${token}`);
      const ws = sockets[0]!;
      ws.send('not json at all');
      ws.send('{"type":"teleport","id":3}');
      ws.send('{"type":"play","id":4,"take":0,"at":"next","mode":"mix","gain":1}');
      ws.send(Buffer.from('definitely not an audio frame, far too short'));
      const badMagic = Buffer.alloc(48);
      badMagic.write('XXXX');
      ws.send(badMagic);
      ws.send('{"type":"capture","id":5,"at":"last","bars":1}');
      await until('errors for the garbage and a reply to the capture', () =>
        errors().length >= 5 && received.some((m) => { const x = m as { id?: number; type: string }; return x.id === 5 && (x.type === 'captured' || x.type === 'error'); }));
      const codes = errors().map((e) => e.code);
      assert.ok(codes.includes('PROTO_BAD_JSON'), codes.join());
      assert.ok(codes.includes('PROTO_UNKNOWN_TYPE'), codes.join());
      assert.ok(codes.includes('PROTO_INVALID_MESSAGE'), codes.join());
      assert.equal(codes.filter((c) => c === 'PROTO_BAD_FRAME').length, 2, codes.join());
      // A frame no WebSocket allows (reserved opcode 3): the plugin fails the connection (1002) and comes back.
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      ((ws as unknown as { _socket: Socket })._socket).write(Buffer.from([0x83, 0x00]));
      assert.equal(await closed, 1002);
      await until('the second connection', () => sockets.length === 2, 8000);
      authHeaders = [];
      const r = await run.done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /refused a message from the host/);
      assert.match(r.stderr, /disconnected: protocol error/);
      assert.ok(r.passthrough, 'the audio passed through untouched');
    } finally {
      run.child.kill();
      for (const s of sockets) s.terminate();
      wss.close();
      http.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
