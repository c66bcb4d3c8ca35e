// The desktop shell's behaviour, outside Electron: IPC sender checks, URL policy, drag and folder payloads, host lifecycle, bundles.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StylebridgeError } from '../../src/common/errors.js';
import { bridgeFilePath } from '../../src/node/discovery.js';
import { newId } from '../../src/node/library/layout.js';
import { HostProcess } from '../../electron/host-process.js';
import { checkIpcSender, hostOrigin, isAllowedUrl } from '../../electron/ipc-guard.js';
import { MAX_DRAG_LABEL, MAX_FOLDER_PATH, dragFile, parseDragRequest, parseFolder } from '../../electron/payloads.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./ui-host-child.ts', import.meta.url));
const code = (fn: () => unknown): string => {
  try { fn(); } catch (e) { return e instanceof StylebridgeError ? e.code : `not a StylebridgeError: ${String(e)}`; }
  return 'no error';
};

describe('IPC sender check', () => {
  const trusted = { origin: hostOrigin(49152), webContentsId: 7 };
  const ev = (url: string, parent: unknown = null, id = 7) => ({ senderFrame: { url, parent }, sender: { id } });

  test('accepts the main window\'s top frame showing the host\'s UI', () => {
    assert.doesNotThrow(() => checkIpcSender(ev('http://127.0.0.1:49152/#x'), trusted));
  });
  test('refuses other windows, sub-frames, other origins, gone frames and garbage URLs', () => {
    assert.equal(code(() => checkIpcSender(ev('http://127.0.0.1:49152/', null, 8), trusted)), 'APP_IPC_REJECTED');
    assert.equal(code(() => checkIpcSender(ev('http://127.0.0.1:49152/', { url: 'x' }), trusted)), 'APP_IPC_REJECTED');
    assert.equal(code(() => checkIpcSender(ev('http://127.0.0.1:49153/'), trusted)), 'APP_IPC_REJECTED');
    assert.equal(code(() => checkIpcSender(ev('https://evil.example/'), trusted)), 'APP_IPC_REJECTED');
    assert.equal(code(() => checkIpcSender(ev('file:///etc/passwd'), trusted)), 'APP_IPC_REJECTED');
    assert.equal(code(() => checkIpcSender(ev('not a url'), trusted)), 'APP_IPC_REJECTED');
    assert.equal(code(() => checkIpcSender({ senderFrame: null, sender: { id: 7 } }, trusted)), 'APP_IPC_REJECTED');
  });
});

describe('window URL policy', () => {
  const o = hostOrigin(5000);
  test('lets the window reach only its host, over HTTP and the /ui WebSocket', () => {
    assert.equal(isAllowedUrl('http://127.0.0.1:5000/app.js', o), true);
    assert.equal(isAllowedUrl('ws://127.0.0.1:5000/ui?token=x', o), true);
    for (const u of ['http://127.0.0.1:5001/', 'https://127.0.0.1:5000/', 'http://localhost:5000/', 'https://example.com/', 'file:///tmp/x', 'ws://127.0.0.1:5001/ui', 'javascript:alert(1)', '']) {
      assert.equal(isAllowedUrl(u, o), false, u);
    }
  });
  test('allows devtools only in development', () => {
    assert.equal(isAllowedUrl('devtools://devtools/bundled/x.html', o), false);
    assert.equal(isAllowedUrl('devtools://devtools/bundled/x.html', o, true), true);
  });
});

describe('drag-out and folder payloads', () => {
  const project = mkdtempSync(join(tmpdir(), 'sb-app-'));
  const takeName = `${newId('take', Date.now())}.wav`;
  mkdirSync(join(project, 'takes'));
  mkdirSync(join(project, 'captures'));
  writeFileSync(join(project, 'takes', takeName), 'RIFF');
  const dirTake = `${newId('take', Date.now() + 1)}.wav`;
  mkdirSync(join(project, 'takes', dirTake));

  test('resolves a take\'s audioUrl to its file inside the project folder', () => {
    const req = parseDragRequest({ audioUrl: `takes/${takeName}`, label: 'Take 1' });
    assert.equal(dragFile(req, project), join(project, 'takes', takeName));
    assert.equal(dragFile({ audioUrl: `/files/takes/${takeName}`, label: '' }, project), join(project, 'takes', takeName));
  });
  test('refuses traversal, absolute paths, non-library names, bounces, folders and missing files', () => {
    for (const audioUrl of ['../etc/passwd', `takes/../../${takeName}`, '/etc/passwd', 'takes/evil.wav', `bounces/${takeName}`, `takes/${takeName}/x`, `takes/${takeName.replace('.wav', '.exe')}`, `takes/${dirTake}`, `takes/${newId('take', 1)}.wav`, `captures/${takeName}`]) {
      assert.equal(code(() => dragFile({ audioUrl, label: '' }, project)), 'APP_BAD_DRAG', audioUrl);
    }
  });
  test('refuses malformed requests and labels over maxDragLabel', () => {
    assert.equal(code(() => parseDragRequest(null)), 'APP_BAD_DRAG');
    assert.equal(code(() => parseDragRequest({ audioUrl: 3, label: '' })), 'APP_BAD_DRAG');
    assert.doesNotThrow(() => parseDragRequest({ audioUrl: 'takes/x.wav', label: 'x'.repeat(MAX_DRAG_LABEL) }));
    assert.equal(code(() => parseDragRequest({ audioUrl: 'takes/x.wav', label: 'x'.repeat(MAX_DRAG_LABEL + 1) })), 'APP_BAD_DRAG');
  });
  test('reveals only existing folders, absolute or inside the project, with paths up to maxFolderPath', () => {
    assert.equal(parseFolder(project), project);
    assert.equal(code(() => parseFolder('relative/folder')), 'INVALID_ARGUMENT');
    assert.equal(parseFolder('takes', project), join(project, 'takes'), 'relative to the project folder');
    assert.equal(code(() => parseFolder('../..', project)), 'INVALID_ARGUMENT');
    assert.equal(code(() => parseFolder('takes/../../x', project)), 'INVALID_ARGUMENT');
    assert.equal(code(() => parseFolder(join(project, 'takes', takeName))), 'INVALID_ARGUMENT');
    assert.equal(code(() => parseFolder(join(project, 'nope'))), 'INVALID_ARGUMENT');
    assert.equal(code(() => parseFolder('/' + 'a'.repeat(MAX_FOLDER_PATH))), 'INVALID_ARGUMENT');
    assert.equal(code(() => parseFolder(42)), 'INVALID_ARGUMENT');
    rmSync(project, { recursive: true, force: true });
  });
});

describe('host lifecycle', () => {
  const tsx = ['--import', 'tsx'];
  const node = (args: string[], dir: string, extra: Partial<ConstructorParameters<typeof HostProcess>[0]> = {}) =>
    new HostProcess({ command: process.execPath, args, env: { ...process.env, STYLEBRIDGE_CONFIG_DIR: dir }, configDir: dir, cwd: ROOT, ...extra });

  test('starts `stylebridge serve`, learns its port and token from bridge.json, and stops it cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cfg-'));
    const h = node([...tsx, CHILD, 'serve', '--project', join(dir, 'project')], dir);
    try {
      const info = await h.start();
      assert.equal(info.pid, h.pid);
      assert.match(info.token, /^[0-9a-f]{64}$/);
      const res = await fetch(`http://127.0.0.1:${info.port}/`);
      assert.ok(res.status === 404 || res.status === 200, `host answers HTTP (${res.status})`);
      const exit = await h.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, 'exited by itself after SIGTERM');
      assert.equal(existsSync(bridgeFilePath(dir)), false, 'bridge.json removed');
      assert.equal(h.info, undefined);
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a host that exits at once fails the start with APP_HOST_START_FAILED and its exit code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cfg-'));
    const h = node(['-e', 'console.error("port in use"); process.exit(3)'], dir);
    await assert.rejects(h.start(), (e: unknown) => e instanceof StylebridgeError && e.code === 'APP_HOST_START_FAILED' && /exited with 3/.test(e.message) && /port in use/.test(e.message));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a host that never writes bridge.json fails after startTimeoutMs and is killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cfg-'));
    const h = node(['-e', 'setInterval(() => {}, 1000)'], dir, { startTimeoutMs: 400, stopGraceMs: 200 });
    await assert.rejects(h.start(), (e: unknown) => e instanceof StylebridgeError && e.code === 'APP_HOST_START_FAILED' && (e.details as { limit?: string }).limit === 'startTimeoutMs');
    assert.equal(h.pid, undefined, 'no child left running');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a host that ignores SIGTERM is killed after stopGraceMs, and a crash is reported as unexpected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-cfg-'));
    const stubborn = `process.on('SIGTERM', () => {}); require('fs').writeFileSync(process.env.STYLEBRIDGE_CONFIG_DIR + '/bridge.json', JSON.stringify({ port: 1, token: '${'a'.repeat(64)}', pid: process.pid, version: '0', protocol: { major: 1, minor: 0 } })); setInterval(() => {}, 1000);`;
    const h = node(['-e', stubborn], dir, { stopGraceMs: 300 });
    await h.start();
    assert.deepEqual(await h.stop(), { code: null, signal: 'SIGKILL' });

    const crashes: unknown[] = [];
    const h2 = node(['-e', stubborn], dir);
    h2.onUnexpectedExit((e) => crashes.push(e));
    await h2.start();
    process.kill(h2.pid!, 'SIGKILL');
    for (let i = 0; i < 50 && crashes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(crashes, [{ code: null, signal: 'SIGKILL' }]);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('app bundles', () => {
  test('main and preload bundle; the sandboxed preload needs nothing but electron', () => {
    const out = mkdtempSync(join(tmpdir(), 'sb-app-build-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-ui.mjs'), '--out', join(out, 'ui'), '--electron-out', join(out, 'electron')], { cwd: ROOT, stdio: 'pipe' });
      const preload = readFileSync(join(out, 'electron', 'preload.cjs'), 'utf8');
      const requires = [...new Set([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))];
      assert.deepEqual(requires, ['electron']);
      assert.match(preload, /exposeInMainWorld\)?\(?["']?stylebridgeDesktop|stylebridgeDesktop/);
      const main = readFileSync(join(out, 'electron', 'main.cjs'), 'utf8');
      assert.match(main, /requestSingleInstanceLock/);
      assert.match(main, /contextIsolation:\s*!0|contextIsolation:\s*true/);
      assert.match(main, /sandbox:\s*!0|sandbox:\s*true/);
      const html = readFileSync(join(out, 'ui', 'index.html'), 'utf8');
      assert.doesNotMatch(html, /<script(?![^>]*src=)/i, 'no inline script');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
