// Builds the native addon (native/, cmake-js) into build/native/Release/stylebridge_native.node.
// Run by `npm install` and `npm run build:native`. It never fails the install: on any problem it prints
// why and exits 0; the engine then uses its JavaScript fallback and `stylebridge doctor` shows the reason.
// Usage: node scripts/build-native.mjs [--strict]   (--strict exits 1 on failure, for CI jobs that need the addon)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const strict = process.argv.includes('--strict');
const outDir = join(root, 'build', 'native');
/** Where the outcome of the last build attempt is written (read by src/node/native for doctor). */
const statusFile = join(outDir, 'build-status.json');
const require = createRequire(join(root, 'package.json'));

function record(ok, reason) {
  try {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(statusFile, `${JSON.stringify({ ok, reason, at: new Date().toISOString() }, null, 2)}\n`);
  } catch {
    // the status file is a convenience; a read-only tree must not fail the install
  }
}

function give(reason) {
  record(false, reason);
  console.warn(`\nstylebridge: the native addon was not built: ${reason}`);
  console.warn('stylebridge: everything still works; the musicgen-style engine falls back to its JavaScript loop (slower, CPU only).');
  console.warn('stylebridge: fix the cause, then run `npm run build:native`.\n');
  process.exit(strict ? 1 : 0);
}

if (process.env.STYLEBRIDGE_SKIP_NATIVE === '1') give('STYLEBRIDGE_SKIP_NATIVE=1 is set');

const resolveDir = (pkg) => {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return null;
  }
};

const ortDir = resolveDir('onnxruntime-node');
if (!ortDir) give('onnxruntime-node is not installed');
const platform = process.platform;
const ortLibDir = join(ortDir, 'bin', 'napi-v6', platform, process.arch);
if (!existsSync(ortLibDir)) give(`onnxruntime-node ships no runtime for ${platform}-${process.arch} (${ortLibDir})`);

const headersPkg = resolveDir('com.github.asus4.onnxruntime');
if (!headersPkg) give('the ONNX Runtime headers package (com.github.asus4.onnxruntime) is not installed (devDependencies)');
const ortInclude = join(headersPkg, 'Plugins', 'iOS~', 'onnxruntime.xcframework', 'ios-arm64_x86_64-maccatalyst',
  'onnxruntime.framework', 'Versions', 'A', 'Headers');
if (!existsSync(join(ortInclude, 'onnxruntime_cxx_api.h'))) give(`ONNX Runtime headers not found in ${ortInclude}`);

const addonApi = resolveDir('node-addon-api');
if (!addonApi) give('node-addon-api is not installed (devDependencies)');
const cmakeJs = resolveDir('cmake-js');
if (!cmakeJs) give('cmake-js is not installed (devDependencies)');
if (spawnSync('cmake', ['--version']).status !== 0) give('cmake is not installed (Debian: apt-get install cmake)');

const args = [
  join(cmakeJs, 'bin', 'cmake-js'), 'compile',
  '--directory', join(root, 'native'),
  '--out', outDir,
  '--config', 'Release',
  '--parallel', '2',
  `--CDORT_INCLUDE_DIR=${ortInclude}`,
  `--CDORT_LIB_DIR=${ortLibDir}`,
  `--CDNODE_ADDON_API_DIR=${addonApi}`,
];
// macOS and Windows: device audio uses the PortAudio that naudiodon ships (an optional dependency whose own
// install script is not run); without it the addon builds without audio I/O. Linux uses pkg-config.
const naudiodon = resolveDir('naudiodon');
if (naudiodon) args.push(`--CDNAUDIODON_DIR=${naudiodon}`);
const started = Date.now();
const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
if (r.status !== 0) {
  const tail = log.split('\n').filter((l) => /error|Error|ERR!/.test(l)).slice(-8).join('\n');
  give(`cmake-js failed (exit ${r.status ?? r.signal}):\n${tail || log.slice(-2000)}`);
}
const built = join(outDir, 'Release', 'stylebridge_native.node');
if (!existsSync(built)) give(`the build finished but ${built} is missing`);
record(true, `built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`stylebridge: native addon built (${built}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
