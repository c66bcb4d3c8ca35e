// Static UI files on a real server: served safely (no traversal, no dot-files, no symlink escape), right types, strict headers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type StylebridgeServer } from '../../src/node/server/index.js';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** A raw HTTP request (paths are sent exactly as given, without normalisation). */
function get(port: number, path: string, o: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: { host: o.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static UI files', () => {
  let root: string;
  let server: StylebridgeServer;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'sb-static-'));
    const site = join(root, 'site');
    mkdirSync(join(site, 'sub'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>Stylebridge</title>');
    writeFileSync(join(site, 'app.js'), 'console.log(1);');
    writeFileSync(join(site, 'style.css'), 'body{}');
    writeFileSync(join(site, 'sub', 'index.html'), 'sub');
    writeFileSync(join(site, '.env'), 'SECRET=1');
    writeFileSync(join(site, 'tool.exe'), 'MZ');
    writeFileSync(join(root, 'outside.html'), 'outside');
    try {
      symlinkSync(join(root, 'outside.html'), join(site, 'escape.html'));
    } catch {
      // symlinks may be unavailable (Windows without rights): that case is then not exercised
    }
    server = await startServer({ staticDir: site, writeDiscovery: false });
  });

  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('/ serves index.html as text/html with the CSP and no-store headers, and no token in it', async () => {
    const r = await get(server.port, '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(r.headers['content-security-policy']), new RegExp(`connect-src 'self' ws://127.0.0.1:${server.port}`));
    assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    assert.ok(!r.body.includes(server.token));
  });

  test('scripts, styles and folder index pages get their MIME types; HEAD has no body', async () => {
    assert.equal((await get(server.port, '/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal((await get(server.port, '/style.css')).headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await get(server.port, '/sub/')).body, 'sub');
    const head = await get(server.port, '/app.js', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  test('path traversal, encoded traversal, dot-files, unknown types and symlinks out of the folder are 404', async () => {
    for (const p of ['/../outside.html', '/%2e%2e/outside.html', '/sub/..%2f..%2foutside.html', '/.env', '/%2eenv', '/tool.exe', '/escape.html', '/nope.html', '/%E0%A4%A', '/..%5coutside.html', '/index.html%00.js']) {
      const r = await get(server.port, p);
      assert.equal(r.status, 404, p);
      assert.ok(!r.body.includes('outside') && !r.body.includes('SECRET'), p);
    }
  });

  test('methods other than GET and HEAD are refused with 405', async () => {
    assert.equal((await get(server.port, '/', { method: 'POST' })).status, 405);
  });

  test('a request with a foreign Host header (DNS rebinding) is refused with 403 AUTH_BAD_HOST', async () => {
    const r = await get(server.port, '/', { host: `attacker.example:${server.port}` });
    assert.equal(r.status, 403);
    assert.equal(JSON.parse(r.body).code, 'AUTH_BAD_HOST');
  });

  test('localhost is an accepted Host name', async () => {
    assert.equal((await get(server.port, '/', { host: `localhost:${server.port}` })).status, 200);
  });

  test('the UI url carries the token in the fragment, never in the path or query', () => {
    assert.equal(server.url, `http://127.0.0.1:${server.port}/#token=${server.token}`);
  });

  test('the port is not reachable on a non-loopback address of this machine', async (t) => {
    const ip = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (!ip) return t.skip('this machine has no non-loopback IPv4 address');
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const s = connect({ host: ip, port: server.port });
      s.once('connect', () => {
        s.destroy();
        resolve(undefined);
      });
      s.once('error', resolve);
    });
    assert.equal(err?.code, 'ECONNREFUSED');
  });

  test('without a static folder every path is 404', async () => {
    const s = await startServer({ writeDiscovery: false });
    assert.equal((await get(s.port, '/')).status, 404);
    await s.close();
  });
});
