// Child process of bench/server-bench.ts: plays the plugins and the UI over loopback so the host's process measures only itself.
// Driven over IPC: {mode: 'lag', port, token, plugins, hz, seconds} or {mode: 'capture', port, token, iterations}.
import { TestPlugin, TestUi } from '../test/support/protocol-client.js';

interface LagJob { mode: 'lag'; port: number; token: string; plugins: number; hz: number; seconds: number }
interface CaptureJob { mode: 'capture'; port: number; token: string; iterations: number; warmup: number }

const send = (m: unknown) => process.send!(m);

async function lag(j: LagJob): Promise<void> {
  const o = { port: j.port, token: j.token };
  const plugins = await Promise.all(Array.from({ length: j.plugins }, (_, i) => TestPlugin.connect({ ...o, identity: { trackName: `Track ${i + 1}`, instanceId: `bench${i}` } })));
  const ui = await TestUi.connect(o);
  let events = 0;
  ui.ws.on('message', () => events++);
  send({ ready: true });
  await new Promise<void>((r) => process.once('message', () => r()));
  const period = 1000 / j.hz;
  const t0 = performance.now();
  let sent = 0;
  const timers = plugins.map((p, i) => {
    return new Promise<void>((resolve) => {
      setTimeout(() => {
        const iv = setInterval(() => {
          const elapsed = performance.now() - t0;
          if (elapsed >= j.seconds * 1000) {
            clearInterval(iv);
            resolve();
            return;
          }
          p.sendTransport(Math.floor((elapsed / 1000) * 48000));
          sent++;
        }, period);
      }, (i * period) / j.plugins);
    });
  });
  await Promise.all(timers);
  await Promise.all(plugins.map((p) => p.sync()));
  const rateLimited = plugins.reduce((a, p) => a + p.errors.filter((e) => e.type === 'error' && e.code === 'PROTO_RATE_LIMITED').length, 0);
  send({ sent, uiMessages: events, rateLimitedReports: rateLimited, violations: plugins.flatMap((p) => p.violations) });
  await Promise.all([...plugins, ui].map((c) => c.close()));
}

async function capture(j: CaptureJob): Promise<void> {
  const o = { port: j.port, token: j.token };
  // One plugin with the zero masking key (what docs/protocol.md recommends), one with random keys (RFC default).
  const plugin = await TestPlugin.connect({ ...o, identity: { trackName: 'Bench', instanceId: 'benchcap', channels: 2, sampleRate: 48000 }, mask: 'zero' });
  const masked = await TestPlugin.connect({ ...o, identity: { trackName: 'Bench masked', instanceId: 'benchcaprnd', channels: 2, sampleRate: 48000 }, mask: 'random' });
  send({ ready: true });
  // Phase 1: the host calls session.capture() itself; this process only answers as the plugin.
  await new Promise<void>((r) => process.once('message', () => r()));
  // Phase 2: a UI in this process calls capture through /ui (UI -> host -> plugin -> host -> UI).
  const ui = await TestUi.connect(o);
  const rtt: number[] = [];
  for (let i = 0; i < j.warmup + j.iterations; i++) {
    const t = performance.now();
    const { audio } = await ui.call('capture', { track: 'benchcap', at: 'bar', bar: 1, bars: 1 });
    const dt = performance.now() - t;
    if (audio!.channels[0]!.length !== 96000) throw new Error('wrong capture length');
    if (i >= j.warmup) rtt.push(dt);
  }
  send({ uiRttMs: rtt, violations: [...plugin.violations, ...masked.violations, ...ui.violations] });
  await Promise.all([plugin.close(), masked.close(), ui.close()]);
}

process.once('message', (j: LagJob | CaptureJob) => {
  (j.mode === 'lag' ? lag(j) : capture(j)).then(() => process.exit(0), (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
});
