// The /ui client against the real server over real loopback WebSockets: calls, events, limits, loss and reconnection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import WebSocket from 'ws';
import { StylebridgeError } from '../../src/common/errors.js';
import { UiClient, backoffDelay, describeError, type ConnectionStatus, type UiClientOptions } from '../../src/common/ui-client/index.js';
import { startServer, type StylebridgeServer } from '../../src/node/server/index.js';
import { TestPlugin } from '../support/protocol-client.js';

const nodeSocket: UiClientOptions['socket'] = (url, token) => new WebSocket(url, { headers: { authorization: `Bearer ${token}` } }) as unknown as ReturnType<UiClientOptions['socket']>;

function client(server: StylebridgeServer, extra: Partial<UiClientOptions> = {}): UiClient {
  return new UiClient({ url: `ws://127.0.0.1:${server.port}/ui`, token: server.token, socket: nodeSocket, client: { name: 'ui-client-test', version: '0' }, ...extra });
}

function waitFor(c: UiClient, pred: (s: ConnectionStatus) => boolean, timeoutMs = 5000): Promise<ConnectionStatus> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { off(); reject(new Error(`timed out in state ${c.status.state}`)); }, timeoutMs);
    const off = c.onStatus((s) => { if (pred(s)) { clearTimeout(t); queueMicrotask(() => off()); resolve(s); } });
  });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { return describeError(e).code; }
  return 'no error';
}

describe('/ui client', () => {
  let server: StylebridgeServer;
  before(async () => {
    server = await startServer({ writeDiscovery: false });
    let release: (() => void) | undefined;
    server.api.register('test.hold', Type.Object({}), () => new Promise<{ ok: true }>((r) => { release = () => r({ ok: true }); }));
    server.api.register('test.release', Type.Object({}), () => { release?.(); return { ok: true }; });
  });
  after(async () => { await server.close(); });

  test('connects with hello/welcome, calls methods, and receives events', async () => {
    const c = client(server);
    await c.start();
    assert.equal(c.status.state, 'open');
    assert.match(c.status.session ?? '', /^u-/);
    const info = await c.call('server.info', {});
    assert.equal(info.protocol.major, 1);
    const changed = new Promise<unknown>((r) => c.on('tracks.changed', r));
    const p = await TestPlugin.connect({ port: server.port, token: server.token, identity: { trackName: 'Keys' } });
    const ev = (await changed) as { tracks: { identity: { trackName: string } }[] };
    assert.equal(ev.tracks[0]?.identity.trackName, 'Keys');
    assert.equal((await c.call('tracks.list', {})).tracks.length, 1);
    await p.close();
    c.close();
    assert.equal(c.status.state, 'closed');
  });

  test('a host error rejects the call with the host\'s code and the table\'s hint', async () => {
    const c = client(server);
    await c.start();
    const err = await c.call('stop', { track: 'nobody' }).catch((e: unknown) => e);
    assert.ok(err instanceof StylebridgeError);
    assert.equal(err.code, 'SERVER_NO_SUCH_TRACK');
    assert.ok(describeError(err).hint);
    assert.equal(await codeOf(c.call('no.such.method', {})), 'SERVER_UNKNOWN_METHOD');
    c.close();
  });

  test('calls before the connection opens fail at once with UI_NOT_CONNECTED', async () => {
    const c = client(server);
    assert.equal(await codeOf(c.call('server.info', {})), 'UI_NOT_CONNECTED');
  });

  test('a call with no reply within callTimeoutMs fails with UI_CALL_TIMEOUT', async () => {
    const c = client(server, { limits: { callTimeoutMs: 150 } });
    await c.start();
    assert.equal(await codeOf(c.call('test.hold', {})), 'UI_CALL_TIMEOUT');
    await c.call('test.release', {});
    c.close();
  });

  test('more than maxPendingCalls calls in flight are refused with SERVER_BUSY', async () => {
    const c = client(server, { limits: { maxPendingCalls: 2 } });
    await c.start();
    const a = c.call('test.hold', {});
    const b = c.call('test.hold', {}).catch(() => undefined);
    assert.equal(await codeOf(c.call('server.info', {})), 'SERVER_BUSY');
    await new Promise((r) => setTimeout(r, 20));
    c.close();
    assert.equal(await codeOf(a), 'UI_CONNECTION_LOST');
    await b;
    const d = client(server);
    await d.start();
    await d.call('test.release', {});
    d.close();
  });

  test('a call larger than the host\'s maxTextMessageBytes is refused before sending and the connection stays open', async () => {
    const c = client(server);
    await c.start();
    const max = c.status.limits!.maxTextMessageBytes!;
    assert.equal(await codeOf(c.call('server.info', { pad: 'x'.repeat(max) } as never)), 'PROTO_MESSAGE_TOO_BIG');
    assert.equal(await codeOf(c.call('server.info', { pad: 'é'.repeat(Math.ceil(max / 2)) } as never)), 'PROTO_MESSAGE_TOO_BIG');
    assert.equal(c.status.state, 'open');
    assert.equal((await c.call('server.info', {})).protocol.major, 1);
    c.close();
  });

  test('reconnect delays double from initialBackoffMs up to maxBackoffMs', () => {
    const l = { initialBackoffMs: 500, maxBackoffMs: 10_000, backoffFactor: 2 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, l)), [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  test('a lost host fails pending calls, shows reconnecting, and the client reconnects when a host returns', async () => {
    const own = await startServer({ writeDiscovery: false });
    const port = own.port;
    let token = own.token;
    own.api.register('test.hold', Type.Object({}), () => new Promise(() => undefined));
    const c = client(own, { token: () => token, keepTryingWhenRefused: true, limits: { initialBackoffMs: 50, maxBackoffMs: 200 } });
    await c.start();
    const pending = c.call('test.hold', {});
    await own.close();
    assert.equal(await codeOf(pending), 'UI_CONNECTION_LOST');
    const s = await waitFor(c, (x) => x.state === 'reconnecting');
    assert.equal(s.error?.code, 'SERVER_SHUTTING_DOWN');
    assert.ok(s.retryAt !== undefined);
    const back = await startServer({ port, writeDiscovery: false });
    token = back.token;
    await waitFor(c, (x) => x.state === 'open', 10_000);
    assert.equal((await c.call('tracks.list', {})).tracks.length, 0);
    c.close();
    await back.close();
  });

  test('a fixed wrong token stops in failed after refusalsBeforeFailing attempts; retry() tries again', async () => {
    const c = client(server, { token: 'f'.repeat(64), limits: { initialBackoffMs: 20, refusalsBeforeFailing: 2 }, diagnose: async () => ({ code: 'AUTH_BAD_TOKEN', message: 'refused' }) });
    void c.start();
    const s = await waitFor(c, (x) => x.state === 'failed');
    assert.equal(s.error?.code, 'AUTH_BAD_TOKEN');
    assert.equal(s.attempt, 2);
    c.retry();
    const again = await waitFor(c, (x) => x.state === 'failed' && x.attempt === 3);
    assert.equal(again.error?.code, 'AUTH_BAD_TOKEN');
    c.close();
  });

  test('no token at all fails at once with UI_NO_TOKEN', async () => {
    const c = client(server, { token: '' });
    void c.start();
    const s = await waitFor(c, (x) => x.state === 'failed');
    assert.equal(s.error?.code, 'UI_NO_TOKEN');
    c.close();
  });
});
