// The discovery file: the config folder rule of docs/protocol.md section 1, atomic 0600 writes, and removal only when ours.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDir, readBridgeFile, removeBridgeFileIfOurs, writeBridgeFile, type BridgeInfo } from '../../src/node/discovery.js';

const info = (over: Partial<BridgeInfo> = {}): BridgeInfo => ({ port: 40000, token: 'ab'.repeat(32), pid: 4242, version: '0.1.0', protocol: { major: 1, minor: 0 }, ...over });

describe('discovery', () => {
  test('STYLEBRIDGE_CONFIG_DIR overrides the whole folder on every platform', () => {
    for (const p of ['linux', 'darwin', 'win32'] as const) {
      assert.equal(configDir({ STYLEBRIDGE_CONFIG_DIR: '/x/y', XDG_CONFIG_HOME: '/xdg', APPDATA: 'C:\\A' }, p, '/home/u'), '/x/y');
    }
  });

  test('Linux uses an absolute XDG_CONFIG_HOME, else ~/.config, with a stylebridge subfolder', () => {
    assert.equal(configDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u'), '/xdg/stylebridge');
    assert.equal(configDir({ XDG_CONFIG_HOME: '' }, 'linux', '/home/u'), '/home/u/.config/stylebridge');
    assert.equal(configDir({ XDG_CONFIG_HOME: 'relative/dir' }, 'linux', '/home/u'), '/home/u/.config/stylebridge');
    assert.equal(configDir({}, 'freebsd', '/home/u'), '/home/u/.config/stylebridge');
  });

  test('macOS uses ~/Library/Application Support/stylebridge and ignores XDG_CONFIG_HOME', () => {
    assert.equal(configDir({ XDG_CONFIG_HOME: '/xdg' }, 'darwin', '/Users/u'), '/Users/u/Library/Application Support/stylebridge');
  });

  test('Windows uses %APPDATA%\\stylebridge, else the profile roaming folder', () => {
    assert.match(configDir({ APPDATA: 'C:/Users/u/AppData/Roaming' }, 'win32', 'C:/Users/u'), /AppData[\\/]Roaming[\\/]stylebridge$/);
    assert.match(configDir({ USERPROFILE: 'C:/Users/v' }, 'win32', 'C:/Users/u'), /Users[\\/]v[\\/]AppData[\\/]Roaming[\\/]stylebridge$/);
  });

  test('the file is written with mode 0600 in a folder created with 0700, leaves no temp file, and reads back', () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-disc-'));
    const dir = join(root, 'nested', 'stylebridge');
    const path = writeBridgeFile(info(), dir);
    assert.equal(path, join(dir, 'bridge.json'));
    if (process.platform !== 'win32') {
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(dir).mode & 0o777, 0o700);
    }
    assert.deepEqual(readdirSync(dir), ['bridge.json']);
    assert.deepEqual(readBridgeFile(dir), info());
    writeBridgeFile(info({ port: 40001 }), dir);
    assert.equal(readBridgeFile(dir)?.port, 40001);
    rmSync(root, { recursive: true, force: true });
  });

  test('no file reads as undefined; a damaged file is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-disc-'));
    assert.equal(readBridgeFile(dir), undefined);
    writeFileSync(join(dir, 'bridge.json'), '{"port": 1, "tok');
    assert.throws(() => readBridgeFile(dir), { code: 'INVALID_ARGUMENT' });
    writeFileSync(join(dir, 'bridge.json'), JSON.stringify({ ...info(), token: 'short' }));
    assert.throws(() => readBridgeFile(dir), { code: 'INVALID_ARGUMENT' });
    rmSync(dir, { recursive: true, force: true });
  });

  test('removal happens only when pid and token still match', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-disc-'));
    writeBridgeFile(info({ pid: 1, token: 'cd'.repeat(32) }), dir);
    assert.equal(removeBridgeFileIfOurs(info(), dir), false);
    assert.ok(readBridgeFile(dir));
    writeBridgeFile(info(), dir);
    assert.equal(removeBridgeFileIfOurs(info(), dir), true);
    assert.equal(readBridgeFile(dir), undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a folder that cannot be created gives SERVER_START_FAILED', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-disc-'));
    writeFileSync(join(dir, 'file'), 'x');
    assert.throws(() => writeBridgeFile(info(), join(dir, 'file', 'sub')), { code: 'SERVER_START_FAILED' });
    rmSync(dir, { recursive: true, force: true });
  });
});
