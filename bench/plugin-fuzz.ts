// Long libFuzzer run of the plugin's decoders (text messages, audio frames, WebSocket frames, bridge.json):
// executions, executions per second, coverage growth and crashes. Writes bench/out/plugin-fuzz.json.
// Usage: node --import tsx bench/plugin-fuzz.ts [SECONDS]   (default 120; needs clang++ with libFuzzer)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const SECONDS = Number(process.argv[2] ?? 120);
const root = new URL('..', import.meta.url).pathname;
const shim = join(root, 'plugin-shim');
const outDir = join(root, 'bench/out');
const binary = join(root, 'build/bench/plugin-fuzz');
mkdirSync(join(root, 'build/bench'), { recursive: true });
mkdirSync(outDir, { recursive: true });

const sources = ['fuzz/FuzzDecoder.cpp', 'core/net/Json.cpp', 'core/net/Protocol.cpp', 'core/net/WebSocket.cpp', 'core/net/Discovery.cpp'].map((f) => join(shim, f));
const build = spawnSync('clang++', ['-std=c++17', '-O1', '-g', '-fsanitize=fuzzer,address,undefined', `-I${join(shim, 'core')}`, ...sources, '-o', binary], { encoding: 'utf8' });
if (build.status !== 0) {
  console.error(`cannot build the fuzzer (clang++ with libFuzzer needed):\n${build.stderr}`);
  process.exit(2);
}
// Work on a copy of the seeds so the run can grow its corpus without touching the repository.
const corpus = mkdtempSync(join(tmpdir(), 'sb-plugin-fuzz-'));
cpSync(join(shim, 'fuzz/corpus'), corpus, { recursive: true });
const seeds = readdirSync(corpus).length;
const load0 = loadavg()[0];
const r = spawnSync(binary, [`-max_total_time=${SECONDS}`, '-max_len=4096', '-print_final_stats=1', `-artifact_prefix=${outDir}/plugin-fuzz-crash-`, corpus],
  { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const log = `${r.stdout}\n${r.stderr}`;
const stat = (name: string) => Number(new RegExp(`stat::${name}:\\s+(\\d+)`).exec(log)?.[1] ?? NaN);
const crashed = r.status !== 0 || /ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|deadly signal|runtime error:/.test(log);
const result = {
  bench: 'plugin-fuzz',
  seconds: SECONDS,
  executions: stat('number_of_executed_units'),
  execPerSecond: stat('average_exec_per_sec'),
  newUnits: stat('new_units_added'),
  seedInputs: seeds,
  corpusAfter: readdirSync(corpus).length,
  peakRssMb: stat('peak_rss_mb'),
  crashes: crashed ? 1 : 0,
  exitCode: r.status,
  crashLog: crashed ? log.slice(-4000) : undefined,
  machine: { cpus: cpus().length, loadavg1mBefore: load0, loadavg1mAfter: loadavg()[0] },
};
rmSync(corpus, { recursive: true, force: true });
const text = JSON.stringify(result, null, 1);
writeFileSync(join(outDir, 'plugin-fuzz.json'), text + '\n');
console.log(text);
process.exit(crashed ? 1 : 0);
