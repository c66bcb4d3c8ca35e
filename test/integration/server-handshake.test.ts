// The host's front door on a real server: discovery file, token, Origin and Host checks, hello and version negotiation.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type StylebridgeServer } from '../../src/node/server/index.js';
import { openSocket, ProtocolClient, TestPlugin, TestUi } from '../support/protocol-client.js';

const refusal = async (p: Promise<unknown>): Promise<{ status: number; body: { code: string } }> => {
  try {
    await p;
  } catch (err) {
    return err as { status: number; body: { code: string } };
  }
  throw new Error('the connection was accepted');
};

describe('server handshake and authentication', () => {
  let dir: string;
  let server: StylebridgeServer;
  let bystander: TestPlugin;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-server-'));
    server = await startServer({ configDir: dir, limits: { helloTimeoutMs: 1000, maxUiConnections: 3 } });
    bystander = await TestPlugin.connect({ port: server.port, token: server.token, identity: { trackName: 'Bystander' } });
  });

  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** After every bad attempt: the host still serves, and the connected plugin is unaffected. */
  const stillHealthy = async () => {
    bystander.sendTransport(48000);
    await bystander.sync();
    assert.equal(bystander.ws.readyState, bystander.ws.OPEN);
    const ui = await TestUi.connect({ port: server.port, token: server.token });
    const { result } = await ui.call('tracks.list');
    assert.ok((result as { tracks: { id: string }[] }).tracks.some((t) => t.id === bystander.identity.instanceId));
    await ui.close();
    assert.deepEqual(bystander.violations, []);
  };

  test('bridge.json holds port, token, pid and version with mode 0600', () => {
    const path = join(dir, 'bridge.json');
    const info = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(info.port, server.port);
    assert.equal(info.token, server.token);
    assert.match(info.token, /^[0-9a-f]{64}$/);
    assert.equal(info.pid, process.pid);
    assert.equal(typeof info.version, 'string');
    assert.deepEqual(info.protocol, { major: 1, minor: 1 });
    if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  test('a plugin with the token in the Authorization header gets a welcome with session, limits and its instance id', async () => {
    const p = await TestPlugin.connect({ port: server.port, token: server.token });
    assert.equal(p.welcome!.protocol.major, 1);
    assert.match(p.welcome!.session, /^p-\d+$/);
    assert.equal(p.welcome!.limits.maxTextMessageBytes, server.limits.maxTextMessageBytes);
    assert.equal(p.welcome!.instanceId, p.identity.instanceId);
    await p.close();
  });

  test('the token is also accepted as the token query parameter', async () => {
    const u = await TestUi.connect({ port: server.port, token: server.token, tokenIn: 'query' });
    assert.ok(u.welcome);
    await u.close();
  });

  test('a connection without a token is refused with 401 AUTH_MISSING_TOKEN before the WebSocket opens', async () => {
    const r = await refusal(openSocket('plugin', { port: server.port }));
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'AUTH_MISSING_TOKEN');
    await stillHealthy();
  });

  test('a wrong token is refused with 401 AUTH_BAD_TOKEN, also one of the right length', async () => {
    const wrong = server.token.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    for (const token of ['nope', wrong]) {
      const r = await refusal(openSocket('ui', { port: server.port, token }));
      assert.equal(r.status, 401);
      assert.equal(r.body.code, 'AUTH_BAD_TOKEN');
    }
    await stillHealthy();
  });

  test('a browser Origin other than the host UI is refused with 403 AUTH_BAD_ORIGIN even with the right token', async () => {
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `http://127.0.0.1.evil.example:${server.port}`]) {
      const r = await refusal(openSocket('ui', { port: server.port, token: server.token, origin, tokenIn: 'query' }));
      assert.equal(r.status, 403, origin);
      assert.equal(r.body.code, 'AUTH_BAD_ORIGIN');
    }
    await stillHealthy();
  });

  test('the host UI origins on 127.0.0.1 and localhost are accepted', async () => {
    for (const origin of [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`]) {
      const u = await TestUi.connect({ port: server.port, token: server.token, origin, tokenIn: 'query' });
      await u.close();
    }
  });

  test('a Host header other than the loopback address (DNS rebinding) is refused with 403 AUTH_BAD_HOST', async () => {
    const r = await refusal(openSocket('ui', { port: server.port, token: server.token, host: `evil.example:${server.port}` }));
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'AUTH_BAD_HOST');
    await stillHealthy();
  });

  test('a plain HTTP request on a WebSocket path gets the refusal an upgrade would get, or 426 when it would pass', async () => {
    const get = async (headers: Record<string, string>) => {
      const res = await fetch(`http://127.0.0.1:${server.port}/ui`, { headers });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    };
    assert.deepEqual(await get({}), { status: 401, code: 'AUTH_MISSING_TOKEN' });
    assert.deepEqual(await get({ authorization: 'Bearer nope' }), { status: 401, code: 'AUTH_BAD_TOKEN' });
    assert.deepEqual(await get({ authorization: `Bearer ${server.token}`, origin: 'https://evil.example' }), { status: 403, code: 'AUTH_BAD_ORIGIN' });
    assert.deepEqual(await get({ authorization: `Bearer ${server.token}` }), { status: 426, code: 'SERVER_UPGRADE_REQUIRED' });
  });

  test('an unknown WebSocket path is refused with 404', async () => {
    const r = await refusal(openSocket('ui', { port: server.port, token: server.token, path: '/admin' }));
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'SERVER_NOT_FOUND');
  });

  test('a hello with another major version gets PROTO_UNSUPPORTED_VERSION and close 4406', async () => {
    const c = new ProtocolClient(await openSocket('plugin', { port: server.port, token: server.token }), 'plugin');
    c.send({ type: 'hello', protocol: { major: 2, minor: 0 }, role: 'plugin', client: { name: 'x', version: '2' }, identity: bystander.identity });
    const e = await c.next('error');
    assert.equal(e.code, 'PROTO_UNSUPPORTED_VERSION');
    assert.equal(e.fatal, true);
    assert.deepEqual(e.details, { supported: [1] });
    assert.equal((await c.closed).code, 4406);
    await stillHealthy();
  });

  test('a hello with a newer minor version is negotiated down to the host minor', async () => {
    const u = new TestUi(await openSocket('ui', { port: server.port, token: server.token }), 'ui');
    const w = await u.hello({}, { major: 1, minor: 9 });
    assert.deepEqual(w.protocol, { major: 1, minor: 1 });
    await u.close();
  });

  test('a first message other than hello gets PROTO_BAD_HELLO and close 4400', async () => {
    const c = new ProtocolClient(await openSocket('plugin', { port: server.port, token: server.token }), 'plugin');
    c.send({ type: 'transport', playing: true, bpm: 120, meterNum: 4, meterDen: 4, bar: 0, beat: 0, ppq: 0, barStartPpq: 0, sample: 0 });
    assert.equal((await c.next('error')).code, 'PROTO_BAD_HELLO');
    assert.equal((await c.closed).code, 4400);
    await stillHealthy();
  });

  test('a hello whose role does not match the path gets PROTO_WRONG_ROLE and close 4400', async () => {
    const c = new ProtocolClient(await openSocket('ui', { port: server.port, token: server.token }), 'ui');
    c.send({ type: 'hello', protocol: { major: 1, minor: 0 }, role: 'plugin', client: { name: 'x', version: '1' }, identity: bystander.identity });
    assert.equal((await c.next('error')).code, 'PROTO_WRONG_ROLE');
    assert.equal((await c.closed).code, 4400);
  });

  test('a connection that sends no hello within helloTimeoutMs gets PROTO_HELLO_TIMEOUT and close 4408', async () => {
    const c = new ProtocolClient(await openSocket('plugin', { port: server.port, token: server.token }), 'plugin');
    assert.equal((await c.next('error')).code, 'PROTO_HELLO_TIMEOUT');
    assert.equal((await c.closed).code, 4408);
    await stillHealthy();
  });

  test('a plugin identity with more channels than maxChannels is refused at hello with PROTO_LIMIT_EXCEEDED', async () => {
    const c = new ProtocolClient(await openSocket('plugin', { port: server.port, token: server.token }), 'plugin');
    c.send({ type: 'hello', protocol: { major: 1, minor: 0 }, role: 'plugin', client: { name: 'x', version: '1' }, identity: { ...bystander.identity, instanceId: 'nine', channels: 9 } });
    const e = await c.next('error');
    assert.equal(e.code, 'PROTO_LIMIT_EXCEEDED');
    assert.equal(e.details?.limit, 'maxChannels');
    assert.equal((await c.closed).code, 4400);
  });

  test('a second plugin with an instance id already in use is given a fresh one in welcome', async () => {
    const twin = await TestPlugin.connect({ port: server.port, token: server.token, identity: { instanceId: bystander.identity.instanceId } });
    assert.notEqual(twin.identity.instanceId, bystander.identity.instanceId);
    assert.match(twin.identity.instanceId, /^[0-9a-f]{16}$/);
    await twin.close();
  });

  test('connections over maxUiConnections are refused with 503 SERVER_TOO_MANY_CONNECTIONS while plugins still connect', async () => {
    const uis = await Promise.all([1, 2, 3].map(() => TestUi.connect({ port: server.port, token: server.token })));
    const r = await refusal(openSocket('ui', { port: server.port, token: server.token }));
    assert.equal(r.status, 503);
    assert.equal(r.body.code, 'SERVER_TOO_MANY_CONNECTIONS');
    const p = await TestPlugin.connect({ port: server.port, token: server.token });
    await p.close();
    await Promise.all(uis.map((u) => u.close()));
    await stillHealthy();
  });

  test('close() sends SERVER_SHUTTING_DOWN with 1001 and removes bridge.json only while it is still ours', async () => {
    const own = mkdtempSync(join(tmpdir(), 'sb-server-own-'));
    const s = await startServer({ configDir: own });
    const p = await TestPlugin.connect({ port: s.port, token: s.token });
    await s.close();
    assert.equal((await p.closed).code, 1001);
    assert.ok(p.errors.some((e) => e.type === 'error' && e.code === 'SERVER_SHUTTING_DOWN'));
    assert.equal(existsSync(join(own, 'bridge.json')), false);

    // A newer host's file is left alone.
    const s1 = await startServer({ configDir: own });
    const s2 = await startServer({ configDir: own });
    await s1.close();
    assert.equal(JSON.parse(readFileSync(join(own, 'bridge.json'), 'utf8')).token, s2.token);
    await s2.close();
    rmSync(own, { recursive: true, force: true });
  });

  test('the token is new at every start', async () => {
    const s = await startServer({ writeDiscovery: false });
    assert.notEqual(s.token, server.token);
    await s.close();
  });
});
