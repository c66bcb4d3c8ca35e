// Configures, builds and runs the C++ test suites with CMake/ctest; skips (with the reason) when a tool is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const cmake = readFileSync(new URL('../CMakeLists.txt', import.meta.url), 'utf8');
if (!/add_subdirectory|add_test/.test(cmake)) {
  console.log('native tests: skipped (no C++ test suites are registered in CMakeLists.txt yet)');
  process.exit(0);
}
if (!has('cmake') || !has('c++')) {
  console.log('native tests: skipped (cmake or a C++ compiler is not installed)');
  process.exit(0);
}
const build = `${root}build/tests`;
const run = (args) => spawnSync(args[0], args.slice(1), { cwd: root, stdio: 'inherit' }).status;
if (!existsSync(`${build}/CMakeCache.txt`) && run(['cmake', '-S', '.', '-B', build, '-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DSTYLEBRIDGE_TESTS=ON']) !== 0) process.exit(1);
if (run(['cmake', '--build', build, '-j', '2']) !== 0) process.exit(1);
process.exit(run(['ctest', '--test-dir', build, '--output-on-failure']) === 0 ? 0 : 1);
