// The PortAudio that naudiodon ships for macOS and Windows: the files native/cmake/naudiodon-portaudio.cmake names exist and fit.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cmakeModule = join(root, 'native', 'cmake', 'naudiodon-portaudio.cmake');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function naudiodonDir(): string {
  const require = createRequire(join(root, 'package.json'));
  try {
    return dirname(require.resolve('naudiodon/package.json'));
  } catch {
    assert.fail('naudiodon (an optional dependency) is not installed: run npm ci');
  }
}

interface Resolved { usable: boolean; includeDir: string; linkLibrary: string; runtimeLibrary: string; reason: string }

/** What the CMake logic resolves for a system and architecture (the same function native/CMakeLists.txt calls). */
function resolve(system: string, arch: string, dir = naudiodonDir()): Resolved {
  const r = spawnSync('cmake', [`-DNAUDIODON_DIR=${dir}`, `-DSB_SYSTEM=${system}`, `-DSB_ARCH=${arch}`, '-P', cmakeModule], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const kv = new Map(r.stderr.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return {
    usable: kv.get('usable') === 'TRUE', includeDir: kv.get('include_dir') ?? '', linkLibrary: kv.get('link_library') ?? '',
    runtimeLibrary: kv.get('runtime_library') ?? '', reason: kv.get('reason') ?? '',
  };
}

/** Every PortAudio function the addon's audio code calls. */
function paFunctionsUsed(): string[] {
  const src = readFileSync(join(root, 'native', 'src', 'audio_io.cpp'), 'utf8');
  return [...new Set([...src.matchAll(/\b(Pa_[A-Za-z]+)\s*\(/g)].map((m) => m[1]!))].sort();
}

/** Whether `name` occurs NUL-terminated in a binary (symbol and export name tables hold names that way). */
function namesSymbol(bin: Buffer, name: string): boolean {
  return bin.includes(Buffer.from(`${name}\0`, 'latin1'));
}

const CPU_TYPE_X86_64 = 0x01000007;

/** CPU types of a Mach-O file (universal or thin). */
function machoCpuTypes(bin: Buffer): number[] {
  if (bin.readUInt32BE(0) === 0xcafebabe) {
    return Array.from({ length: bin.readUInt32BE(4) }, (_, i) => bin.readUInt32BE(8 + 20 * i));
  }
  if (bin.readUInt32LE(0) === 0xfeedfacf || bin.readUInt32LE(0) === 0xfeedface) return [bin.readUInt32LE(4)];
  return [];
}

/** The machine field of a PE image (0x8664 = x64), or -1 when it is not one. */
function peMachine(bin: Buffer): number {
  if (bin.toString('latin1', 0, 2) !== 'MZ') return -1;
  const pe = bin.readUInt32LE(0x3c);
  return bin.toString('latin1', pe, pe + 4) === 'PE\0\0' ? bin.readUInt16LE(pe + 4) : -1;
}

describe('PortAudio from naudiodon for macOS and Windows', { skip: has('cmake') ? false : 'cmake not installed' }, () => {
  const used = paFunctionsUsed();

  test('for macOS x64 the CMake logic names portaudio.h and an x86_64 libportaudio.dylib that exports every function the audio code calls', () => {
    const r = resolve('Darwin', 'x64');
    assert.equal(r.usable, true, r.reason);
    const header = readFileSync(join(r.includeDir, 'portaudio.h'), 'latin1');
    assert.ok(used.length >= 10, `audio_io.cpp calls ${used.join(', ')}`);
    for (const f of used) assert.match(header, new RegExp(`\\b${f}\\s*\\(`), `portaudio.h declares ${f}`);
    assert.equal(r.runtimeLibrary, r.linkLibrary, 'macOS links and ships the same dylib');
    const dylib = readFileSync(r.linkLibrary);
    assert.ok(machoCpuTypes(dylib).includes(CPU_TYPE_X86_64), 'the dylib has an x86_64 slice');
    assert.ok(namesSymbol(dylib, '@rpath/libportaudio.dylib'), 'its install name is @rpath-relative (the addon adds @loader_path)');
    for (const f of used) assert.ok(namesSymbol(dylib, `_${f}`), `libportaudio.dylib names _${f}`);
  });

  test('for Windows x64 the CMake logic names portaudio.h, the import library portaudio_x64.lib and an x64 portaudio_x64.dll that export every function the audio code calls', () => {
    const r = resolve('Windows', 'x64');
    assert.equal(r.usable, true, r.reason);
    assert.ok(existsSync(join(r.includeDir, 'portaudio.h')));
    const lib = readFileSync(r.linkLibrary);
    assert.equal(lib.toString('latin1', 0, 8), '!<arch>\n', 'the import library is an archive');
    const dll = readFileSync(r.runtimeLibrary);
    assert.equal(peMachine(dll), 0x8664, 'the DLL is an x64 PE image');
    for (const f of used) {
      assert.ok(namesSymbol(lib, `__imp_${f}`), `portaudio_x64.lib imports ${f}`);
      assert.ok(namesSymbol(dll, f), `portaudio_x64.dll exports ${f}`);
    }
  });

  test('architectures naudiodon has no binaries for, Linux, and a missing package are refused with a reason (pkg-config is tried instead)', () => {
    const mac = resolve('Darwin', 'arm64');
    assert.equal(mac.usable, false);
    assert.match(mac.reason, /arm64/);
    const win = resolve('Windows', 'arm64');
    assert.equal(win.usable, false);
    assert.match(win.reason, /x64 only/);
    const linux = resolve('Linux', 'x64');
    assert.equal(linux.usable, false);
    assert.match(linux.reason, /pkg-config/);
    const none = resolve('Darwin', 'x64', join(tmpdir(), 'no-such-naudiodon'));
    assert.equal(none.usable, false);
    assert.match(none.reason, /not installed/);
  });

  test('the addon audio code compiles for Windows x64 against naudiodon\'s header and links against its import library', {
    skip: has('x86_64-w64-mingw32-g++-posix') && has('x86_64-w64-mingw32-dlltool') ? false : 'mingw-w64 not installed (Debian: g++-mingw-w64-x86-64-posix)',
  }, () => {
    const r = resolve('Windows', 'x64');
    const dir = mkdtempSync(join(tmpdir(), 'sb-pa-win-'));
    try {
      const nm = (p: string) => join(root, 'node_modules', p);
      const cc = spawnSync('x86_64-w64-mingw32-g++-posix', [
        '-std=c++17', '-c', '-O0', '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED', '-DSB_HAVE_PORTAUDIO=1',
        `-I${nm('node-api-headers/include')}`, `-I${nm('node-addon-api')}`, `-I${r.includeDir}`,
        join(root, 'native', 'src', 'audio_io.cpp'), '-o', join(dir, 'audio_io.o'),
      ], { encoding: 'utf8' });
      assert.equal(cc.status, 0, cc.stderr);
      // Node-API comes from node.exe at run time: an import library from node-api-headers' .def stands in for it.
      const dt = spawnSync('x86_64-w64-mingw32-dlltool', ['-d', nm('node-api-headers/def/node_api.def'), '-l', join(dir, 'libnode_api.a')], { encoding: 'utf8' });
      assert.equal(dt.status, 0, dt.stderr);
      const out = join(dir, 'audio_io.dll');
      const ld = spawnSync('x86_64-w64-mingw32-g++-posix', ['-shared', '-o', out, join(dir, 'audio_io.o'), r.linkLibrary, join(dir, 'libnode_api.a'),
        '-static-libgcc', '-static-libstdc++'], { encoding: 'utf8' });
      assert.equal(ld.status, 0, `unresolved PortAudio symbols? ${ld.stderr}`);
      assert.ok(namesSymbol(readFileSync(out), 'portaudio_x64.dll'), 'the linked module imports portaudio_x64.dll');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
