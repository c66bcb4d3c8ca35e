// Xruns of the LV2 plugin in jalv under a JACK dummy server at 64 frames for 60 s, connected to the host server with a
// take playing and the transport rolling (target 0). Writes bench/out/plugin-jack.json.
// Usage: node --import tsx bench/plugin-jack.ts [SECONDS] [PERIOD]   (default 60, 64; needs jackd2, jalv, the built plugin)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { barsLengthSamples } from '../src/common/timing.js';
import { startServer } from '../src/node/server/index.js';

const SECONDS = Number(process.argv[2] ?? 60);
const PERIOD = Number(process.argv[3] ?? 64);
const root = new URL('..', import.meta.url).pathname;
const bundles = join(root, 'build/plugin/bin');
if (!existsSync(join(bundles, 'stylebridge.lv2'))) {
  console.error('build the plugin first: npm run build:plugin');
  process.exit(2);
}
const counter = join(root, 'build/bench/plugin-xrun-counter');
mkdirSync(join(root, 'build/bench'), { recursive: true });
const cc = spawnSync('cc', ['-O2', join(root, 'bench/plugin-xrun-counter.c'), '-o', counter, '-ljack'], { encoding: 'utf8' });
if (cc.status !== 0) {
  console.error(`cannot build the xrun counter (libjack-jackd2-dev):\n${cc.stderr}`);
  process.exit(2);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BASELINE_SECONDS = 15;
/** Runs the xrun counter asynchronously: the host server in this process must keep reading meanwhile. */
function countXruns(seconds: number): Promise<string> {
  return new Promise<string>((resolve) => {
    let out = '';
    const c = spawn(counter, [String(seconds)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', () => resolve(out.trim()));
  });
}
const name = `sb-plugin-bench-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'sb-plugin-jack-'));
const env = { ...process.env, JACK_DEFAULT_SERVER: name, JACK_NO_START_SERVER: '1', STYLEBRIDGE_CONFIG_DIR: dir, LV2_PATH: bundles };
const children: ChildProcess[] = [];
const load0 = loadavg()[0];
const serverLog: string[] = [];
const server = await startServer({ configDir: dir, log: (level, message) => { if (level !== 'debug') serverLog.push(`${level}: ${message}`); } });
let result: Record<string, unknown> = {};
try {
  children.push(spawn('jackd', ['-n', name, '-R', '-d', 'dummy', '-r', '48000', '-p', String(PERIOD), '-C', '2', '-P', '2'], { env, stdio: 'ignore' }));
  if (spawnSync('jack_wait', ['-w', '-t', '10'], { env }).status !== 0) throw new Error('JACK did not start');
  // Baseline: the same server with no plugin, to tell the machine's xruns from the plugin's.
  const baseline = JSON.parse(await countXruns(BASELINE_SECONDS)) as { xruns: number };
  const jalv = spawn('jalv', ['-n', 'stylebridge', 'urn:stylebridge:plugin'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(jalv);
  let pluginLog = '';
  jalv.stderr.on('data', (d: Buffer) => (pluginLog += d.toString()));
  jalv.stdout.on('data', (d: Buffer) => (pluginLog += d.toString()));
  const session = await server.sessions.waitFor(() => true, 10000);
  const transport = spawn('jack_transport', [], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(transport);
  transport.stdin.write('master\ntempo 120\nplay\n');
  while (!session.transport?.playing) await sleep(10);
  const frames = barsLengthSamples(1, 120, { numerator: 4, denominator: 4 }, 48000);
  await session.uploadTake('t', { sampleRate: 48000, channels: [Float32Array.from({ length: frames }, (_, i) => Math.sin(i / 30) * 0.1)] });
  await session.play({ take: 't', at: 'next', mode: 'mix', gain: 0.5 });
  const counted = JSON.parse(await countXruns(SECONDS)) as { xruns: number; bufferSize: number; sampleRate: number };
  result = {
    bench: 'plugin-jack',
    note: 'jalv + LV2 plugin under a JACK dummy server (real-time scheduling requested), transport rolling, take playing in mix mode, connected',
    seconds: SECONDS, periodFrames: counted.bufferSize, sampleRate: counted.sampleRate, xruns: counted.xruns,
    baselineWithoutPlugin: { seconds: BASELINE_SECONDS, xruns: baseline.xruns },
    pluginStatus: session.status,
    pluginConnections: server.sessions.list().length,
    pluginLog: pluginLog.split('\n').filter((l) => l.startsWith('stylebridge plugin')).slice(-10),
    serverLog: serverLog.slice(-10),
    machine: { cpus: cpus().length, loadavg1mBefore: load0, loadavg1mAfter: loadavg()[0] },
  };
} finally {
  for (const c of children.reverse()) c.kill('SIGTERM');
  await sleep(500);
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
const text = JSON.stringify(result, null, 1);
writeFileSync(new URL('./out/plugin-jack.json', import.meta.url), text + '\n');
console.log(text);
