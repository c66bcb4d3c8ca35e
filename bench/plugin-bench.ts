// Benchmark of the plugin in the project's CLAP host against the real host server: audio-thread time per block
// against the block budget at 32, 128 and 1024 frames (a take playing in mix mode, the network thread busy), and
// the capture latency from request to bar at the host. Writes bench/out/plugin.json.
// Usage: node --import tsx bench/plugin-bench.ts [SECONDS_PER_BLOCK_SIZE] [CAPTURES]   (default 10, 30)
// Needs the built plugin (npm run build:plugin). process() timings on a shared 2-core machine include
// preemption by other processes: `machine.loadavg1m*` says how busy it was.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { barsLengthSamples } from '../src/common/timing.js';
import { startServer } from '../src/node/server/index.js';

const SECONDS = Number(process.argv[2] ?? 10);
const CAPTURES = Number(process.argv[3] ?? 30);
const root = new URL('..', import.meta.url).pathname;
const bundle = join(root, 'build/plugin/bin/stylebridge.clap');
const host = join(root, 'build/plugin/clap-host');
if (!existsSync(bundle) || !existsSync(host)) {
  console.error('build the plugin first: npm run build:plugin');
  process.exit(2);
}
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load0 = loadavg()[0];

async function run(block: number, measureCaptures: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-plugin-bench-'));
  const server = await startServer({ configDir: dir });
  const child = spawn(host, ['--plugin', bundle, '--rate', '48000', '--bpm', '120', '--num', '4', '--den', '4', '--block', String(block),
    '--seconds', String(SECONDS), '--speed', '1'], { env: { ...process.env, STYLEBRIDGE_CONFIG_DIR: dir } });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  const captureMs: number[] = [];
  try {
    const s = await server.sessions.waitFor(() => true, 8000);
    while ((s.transport?.bar ?? 0) < 1) await sleep(10);
    const frames = barsLengthSamples(1, 120, { numerator: 4, denominator: 4 }, 48000);
    await s.uploadTake('t', { sampleRate: 48000, channels: [Float32Array.from({ length: frames }, (_, i) => Math.sin(i / 20) * 0.1)] });
    await s.play({ take: 't', at: 'next', mode: 'mix', gain: 0.5 });
    if (measureCaptures) {
      for (let i = 0; i < CAPTURES; i++) {
        const t0 = performance.now();
        await s.capture({ at: 'last', bars: 1 });
        captureMs.push(performance.now() - t0);
        await sleep(50);
      }
    }
    await exited;
  } finally {
    child.kill();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const t = JSON.parse(stdout.trim()) as { budgetUs: number; meanUs: number; p99Us: number; maxUs: number; maxAtBlock: number; blocks: number };
  return {
    block, blocks: t.blocks, budgetUs: r3(t.budgetUs), meanUs: t.meanUs, p99Us: t.p99Us, maxUs: t.maxUs, maxAtBlock: t.maxAtBlock,
    maxOfBudget: r3(t.maxUs / t.budgetUs),
    ...(measureCaptures ? { captureLastBarMs: { n: captureMs.length, p50: r3(pct(captureMs, 0.5)), p95: r3(pct(captureMs, 0.95)), max: r3(Math.max(...captureMs)) } } : {}),
  };
}

const results = [];
for (const block of [32, 128, 1024]) results.push(await run(block, block === 128));
const out = {
  bench: 'plugin',
  note: 'process() wall time per block in the CLAP host at 48 kHz, real-time pacing, take playing in mix mode, connected to the host server',
  secondsPerBlockSize: SECONDS,
  results,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg1mBefore: load0, loadavg1mAfter: loadavg()[0] },
};
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
const text = JSON.stringify(out, null, 1);
writeFileSync(new URL('./out/plugin.json', import.meta.url), text + '\n');
console.log(text);
