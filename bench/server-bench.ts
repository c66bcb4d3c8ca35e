// Benchmark of the host server on loopback: event-loop lag with 32 plugins sending transport at 30 Hz, and the
// round trip of a capture of one 2 s stereo 48 kHz bar (host API and through /ui). Targets: lag p99 < 5 ms, RTT < 5 ms.
// Usage: node --import tsx bench/server-bench.ts [SECONDS] [ITERATIONS]   (default 10 s, 200; writes bench/out/server.json)
// The clients run in a child process; `idleLagMs` and `machine.loadavg1m*` say how busy the machine was (lag and RTT
// on a shared 2-core machine are dominated by other processes: compare with the idle figure).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startServer } from '../src/node/server/index.js';

const SECONDS = Number(process.argv[2] ?? 10);
const ITERATIONS = Number(process.argv[3] ?? 200);
const PLUGINS = 32;
const HZ = 30;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
};
const stats = (xs: number[]) => ({ n: xs.length, p50: r3(pct(xs, 0.5)), p99: r3(pct(xs, 0.99)), max: r3(Math.max(...xs)), mean: r3(xs.reduce((a, b) => a + b, 0) / xs.length) });

function child(): ChildProcess {
  return fork(new URL('./server-clients.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}
const nextMessage = <T>(c: ChildProcess) => new Promise<T>((resolve, reject) => {
  c.once('message', (m) => resolve(m as T));
  c.once('exit', (code) => code !== 0 && reject(new Error(`client process exited with ${code}`)));
});

/** Event-loop lag of this process with the server up and no client: what the machine itself adds. */
async function idleLag(seconds: number) {
  const server = await startServer({ writeDiscovery: false });
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  h.disable();
  await server.close();
  const ms = (ns: number) => r3(ns / 1e6);
  return { seconds, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
}

async function lagBench() {
  const server = await startServer({ writeDiscovery: false });
  let received = 0;
  server.sessions.on((e) => {
    if (e.kind === 'transport') received++;
  });
  const c = child();
  c.send({ mode: 'lag', port: server.port, token: server.token, plugins: PLUGINS, hz: HZ, seconds: SECONDS });
  await nextMessage(c);
  const h = monitorEventLoopDelay({ resolution: 1 });
  const mem0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  h.enable();
  c.send({ go: true });
  const done = await nextMessage<{ sent: number; uiMessages: number; rateLimitedReports: number; violations: string[] }>(c);
  h.disable();
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ms = (ns: number) => r3(ns / 1e6);
  const dropped = server.sessions.list().reduce((a, s) => a + s.droppedTotal, 0);
  const out = {
    plugins: PLUGINS,
    hz: HZ,
    seconds: r3(wall),
    transportSent: done.sent,
    transportReceived: received,
    transportDropped: dropped,
    rateLimitedReports: done.rateLimitedReports,
    uiEventsReceived: done.uiMessages,
    eventLoopLagMs: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean) },
    hostCpuPercent: r3(((cpu.user + cpu.system) / 1e6 / wall) * 100),
    hostRssMiB: r3(process.memoryUsage().rss / 2 ** 20),
    hostRssGrowthMiB: r3((process.memoryUsage().rss - mem0) / 2 ** 20),
    protocolViolations: done.violations.length,
  };
  await server.close();
  return out;
}

async function captureBench() {
  const server = await startServer({ writeDiscovery: false });
  const c = child();
  c.send({ mode: 'capture', port: server.port, token: server.token, iterations: ITERATIONS, warmup: 20 });
  await nextMessage(c);
  const rtt = async (track: string) => {
    const s = server.sessions.find(track);
    const xs: number[] = [];
    let cpu = process.cpuUsage();
    for (let i = 0; i < 20 + ITERATIONS; i++) {
      if (i === 20) cpu = process.cpuUsage();
      const t = performance.now();
      const r = await s.capture({ at: 'bar', bar: 1, bars: 1 });
      const dt = performance.now() - t;
      if (r.audio.channels[0]!.length !== 96000 || r.audio.channels.length !== 2) throw new Error('wrong capture');
      if (i >= 20) xs.push(dt);
    }
    const used = process.cpuUsage(cpu);
    return { xs, cpuMs: r3((used.user + used.system) / 1000 / ITERATIONS) };
  };
  const api = await rtt('benchcap');
  const apiMasked = await rtt('benchcaprnd');
  const uiCpu0 = process.cpuUsage();
  c.send({ go: true });
  const ui = await nextMessage<{ uiRttMs: number[]; violations: string[] }>(c);
  const uiCpu = process.cpuUsage(uiCpu0);
  await server.close();
  return {
    bar: { seconds: 2, sampleRate: 48000, channels: 2, frames: 96000, bytes: 96000 * 2 * 4 },
    /** host -> plugin -> host through PluginSession.capture(); the plugin masks with the zero key. */
    hostApiRttMs: stats(api.xs),
    /** CPU time the host process spends per capture: its own cost, independent of how busy the machine is. */
    hostCpuMsPerCapture: api.cpuMs,
    /** The same with a plugin that masks with random keys (the host then unmasks 768 KB in JavaScript). */
    hostApiRttRandomMaskMs: stats(apiMasked.xs),
    hostCpuMsPerCaptureRandomMask: apiMasked.cpuMs,
    /** UI -> host -> plugin -> host -> UI through the /ui capture method. */
    uiRttMs: stats(ui.uiRttMs),
    /** Host CPU per /ui capture (includes the 20 warm-up calls, so a slight over-estimate). */
    hostCpuMsPerUiCapture: r3((uiCpu.user + uiCpu.system) / 1000 / (ITERATIONS + 20)),
    protocolViolations: ui.violations.length,
  };
}

const result = {
  bench: 'server',
  node: process.version,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, loadavg1mAtStart: r3(loadavg()[0]!) },
  idleLagMs: await idleLag(Math.min(5, SECONDS)),
  lag: await lagBench(),
  capture: await captureBench(),
  targets: { eventLoopLagP99Ms: 5, captureRttMs: 5 },
  loadavg1mAtEnd: r3(loadavg()[0]!),
};
const text = JSON.stringify(result, null, 2);
process.stdout.write(text + '\n');
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/server.json', import.meta.url), text + '\n');
