// The CLI against a real host: tracks, capture, audition, stop, render, bounce, doctor, and their errors and exit codes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameCount } from '../../src/common/audio-buffer.js';
import { barsLengthSamples, parseMeter } from '../../src/common/timing.js';
import { decodeAudio, encodeWav } from '../../src/node/audio/index.js';
import { startHost, type Host } from '../../src/node/host/index.js';
import { TestPlugin, TestUi } from '../support/protocol-client.js';
import { tryLoadNativeAddon } from '../../src/node/native/load.js';
import { runCliProcess } from '../support/cli.js';
import { materialClip, materialUnavailable } from '../material/render-material.js';

describe('stylebridge CLI with a running host', () => {
  let dir: string;
  let host: Host;
  let plugin: TestPlugin;
  let env: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
    env = { STYLEBRIDGE_CONFIG_DIR: join(dir, 'config') };
    host = await startHost({ projectDir: join(dir, 'project'), configDir: env.STYLEBRIDGE_CONFIG_DIR! });
    plugin = await TestPlugin.connect({ port: host.server.port, token: host.server.token, identity: { trackName: 'Drums', host: 'TestDAW' } });
    plugin.sendTransport(plugin.tempo.barStartSample(8) - 100);
    await host.server.sessions.waitFor((s) => s.transport !== null);
  });

  after(async () => {
    await plugin?.close();
    await host?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('tracks --json lists the connected plugin with its identity and transport', async () => {
    const r = await runCliProcess(['tracks', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const { tracks } = r.json<{ tracks: Array<{ id: string; identity: { trackName: string; host: string }; transport: { bpm: number } | null }> }>();
    assert.equal(tracks.length, 1);
    assert.equal(tracks[0]!.identity.trackName, 'Drums');
    assert.equal(tracks[0]!.identity.host, 'TestDAW');
    assert.equal(tracks[0]!.transport?.bpm, 120);
  });

  test('capture --bar K writes exactly that bar, sample for sample, and keeps it in the project', async () => {
    const out = join(dir, 'bar2.wav');
    const r = await runCliProcess(['capture', '--track', 'Drums', '--bar', '2', '--out', out, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const { capture } = r.json<{ capture: { id: string; bar: number; frames: number } }>();
    assert.equal(capture.bar, 2);
    const audio = (await decodeAudio(new Uint8Array(readFileSync(out)))).audio;
    const start = plugin.tempo.barStartSample(2);
    assert.equal(frameCount(audio), plugin.tempo.barStartSample(3) - start);
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < frameCount(audio); i += 997) assert.equal(audio.channels[c]![i], TestPlugin.sample(start + i, c), `channel ${c} frame ${i}`);
    }
    assert.equal(host.library.getCapture(capture.id).barIndex, 2);
  });

  test('capture of a bar the plugin has not heard fails with CAPTURE_NOT_HEARD and exit code 1', async () => {
    const r = await runCliProcess(['capture', '--track', 'Drums', '--bar', '40'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CAPTURE_NOT_HEARD/);
  });

  test('capture on an unknown track fails with SERVER_NO_SUCH_TRACK and exit code 5', async () => {
    const r = await runCliProcess(['capture', '--track', 'Nope', '--bar', '1'], env);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /SERVER_NO_SUCH_TRACK/);
  });

  test('audition of a file uploads it to the plugin and plays it from the next bar line; stop stops it', async () => {
    const file = join(dir, 'take.wav');
    const frames = plugin.tempo.barStartSample(1);
    const ch = [new Float32Array(frames), new Float32Array(frames)];
    for (let i = 0; i < frames; i++) { ch[0]![i] = Math.sin(i / 20) * 0.5; ch[1]![i] = ch[0]![i]!; }
    writeFileSync(file, encodeWav({ sampleRate: 48000, channels: ch }, { encoding: 'float32' }));
    const r = await runCliProcess(['audition', '--track', 'Drums', '--take', file, '--mode', 'mix', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json<{ bar: number }>().bar, 9, 'the plugin has heard up to bar 8, so the next bar line is 9');
    const play = plugin.requests.find((m) => m.type === 'play') as { mode: string; at: string } | undefined;
    assert.equal(play?.mode, 'mix');
    assert.equal(play?.at, 'next');
    const held = [...plugin.takes.values()].at(-1)!;
    assert.equal(held.frames, frames);
    assert.deepEqual(held.audio!.channels[0]!.subarray(0, 64), ch[0]!.subarray(0, 64));
    const s = await runCliProcess(['stop', '--track', 'Drums'], env);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(plugin.playing, undefined);
  });

  test('a wrong flag value gets a one-line error, the usage, and exit code 2', async () => {
    const r = await runCliProcess(['capture', '--track', 'Drums', '--bars', 'many'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^stylebridge: option '--bars <n>' argument 'many' is invalid/);
    assert.match(r.stderr, /Usage: stylebridge capture/);
  });

  test('host commands without a running host fail with CLI_NO_HOST and exit code 3', async () => {
    const r = await runCliProcess(['tracks'], { STYLEBRIDGE_CONFIG_DIR: join(dir, 'nowhere') });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /CLI_NO_HOST/);
  });

  test('a rendered take imported through the UI API is auditioned by id and bounced to a stem of exact length', { skip: materialUnavailable() }, async () => {
    const clip = materialClip('house', 124);
    const ui = await TestUi.connect({ port: host.server.port, token: host.server.token });
    try {
      const { result } = await ui.call('captures.import', { name: 'house.wav', bpm: 124, meter: { numerator: 4, denominator: 4 }, frames: frameCount(clip.audio), sampleRate: clip.audio.sampleRate, channels: 2 }, { audio: clip.audio });
      const captureId = (result as { capture: { id: string } }).capture.id;
      const { result: started } = await ui.call('render', { captureId, variations: 2, bars: 2, seed: 5, strength: 4 });
      const jobId = (started as { jobId: string }).jobId;
      const done = (await ui.event('job.updated', (d) => (d as { id: string; state: string }).id === jobId && ['done', 'failed'].includes((d as { state: string }).state), 60_000)) as { state: string; result: { takeIds: string[] } };
      assert.equal(done.state, 'done');
      assert.equal(done.result.takeIds.length, 2);
      const takeId = done.result.takeIds[0]!;
      const take = host.library.getTake(takeId);
      assert.equal(take.frames, barsLengthSamples(2, 124, parseMeter('4/4'), 48000));

      const a = await runCliProcess(['audition', '--track', 'Drums', '--take', takeId, '--at-bar', '12', '--json'], env);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(a.json<{ bar: number }>().bar, 12);

      const out = join(dir, 'stems');
      const b = await runCliProcess(['bounce', '--project', join(dir, 'project'), '--from-bar', '4', '--to-bar', '8', '--out', out, '--json'], env);
      assert.equal(b.code, 0, b.stderr);
      const files = readdirSync(out).filter((f) => f.endsWith('.wav'));
      assert.equal(files.length, 1);
      const stem = (await decodeAudio(new Uint8Array(readFileSync(join(out, files[0]!))))).audio;
      assert.equal(frameCount(stem), barsLengthSamples(8, 124, parseMeter('4/4'), 48000) - barsLengthSamples(4, 124, parseMeter('4/4'), 48000));
    } finally {
      await ui.close();
    }
  });
});

describe('stylebridge CLI offline', () => {
  test('render writes one file per variation, each exactly N bars at the output rate', { skip: materialUnavailable() }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-render-'));
    try {
      const clip = materialClip('shuffle68', 100);
      const input = join(dir, 'in.wav');
      writeFileSync(input, encodeWav(clip.audio, { encoding: 'float32' }));
      const r = await runCliProcess(['render', '--in', input, '--bpm', '100', '--meter', '6/8', '--bars', '2', '--variations', '3', '--sample-rate', '44100', '--out', join(dir, 'out'), '--seed', '9', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const { files } = r.json<{ files: Array<{ file: string; frames: number }> }>();
      assert.equal(files.length, 3);
      const expected = barsLengthSamples(2, 100, parseMeter('6/8'), 44100);
      for (const f of files) {
        const a = (await decodeAudio(new Uint8Array(readFileSync(f.file)))).audio;
        assert.equal(a.sampleRate, 44100);
        assert.equal(frameCount(a), expected);
      }
      const again = await runCliProcess(['render', '--in', input, '--bpm', '100', '--meter', '6/8', '--bars', '2', '--variations', '3', '--sample-rate', '44100', '--out', join(dir, 'again'), '--seed', '9', '--json']);
      const second = again.json<{ files: Array<{ file: string }> }>().files;
      assert.deepEqual(readFileSync(second[1]!.file), readFileSync(files[1]!.file), 'same input, parameters and seed give a bit-identical file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('render with the musicgen-style engine and a model package writes exact bars and names the device it ran on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-neural-'));
    try {
      const input = join(dir, 'in.wav');
      const frames = barsLengthSamples(1, 120, parseMeter('4/4'), 48000);
      const ch = new Float32Array(frames);
      for (let i = 0; i < frames; i++) ch[i] = (i % 24000 < 2000 ? 0.8 : 0.05) * Math.sin(i / 7);
      writeFileSync(input, encodeWav({ sampleRate: 48000, channels: [ch, ch] }, { encoding: 'float32' }));
      const model = new URL('../fixtures/models/tiny', import.meta.url).pathname;
      const r = await runCliProcess(['render', '--in', input, '--bpm', '120', '--engine', 'musicgen-style', '--model', model, '--prompt', 'funky drums', '--variations', '2', '--out', join(dir, 'out'), '--seed', '3', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = r.json<{ device: string; files: Array<{ file: string; seed: number }> }>();
      assert.match(out.device, /^(cpu \((native|js fallback)\)|cuda)$/);
      assert.deepEqual(out.files.map((f) => f.seed), [3, 4]);
      for (const f of out.files) assert.equal(frameCount((await decodeAudio(new Uint8Array(readFileSync(f.file)))).audio), frames);
      // The q8 variant runs in the native addon; without it the JS loop refuses it with a stable code.
      const base = ['render', '--in', input, '--bpm', '120', '--engine', 'musicgen-style', '--model', model, '--variations', '1', '--variant', 'q8', '--json'];
      const q8 = await runCliProcess([...base, '--out', join(dir, 'q8')]);
      if (tryLoadNativeAddon()) {
        assert.equal(q8.code, 0, q8.stderr);
        assert.equal(q8.json<{ device: string }>().device, 'cpu (native)');
      }
      const noNative = await runCliProcess([...base, '--out', join(dir, 'q8js')], { STYLEBRIDGE_DISABLE_NATIVE: '1' });
      assert.equal(noNative.code, 6, noNative.stderr);
      assert.match(noNative.stderr, /MODEL_NATIVE_REQUIRED/);
      const concat = await runCliProcess(['render', '--in', input, '--bpm', '120', '--variations', '1', '--variant', 'q8', '--out', join(dir, 'c')]);
      assert.equal(concat.code, 2, concat.stderr);
      assert.match(concat.stderr, /INVALID_ARGUMENT/);
      const none = await runCliProcess(['render', '--in', input, '--bpm', '120', '--engine', 'musicgen-style', '--variations', '1', '--out', join(dir, 'x')], { STYLEBRIDGE_MODELS_DIR: join(dir, 'no-models') });
      assert.notEqual(none.code, 0);
      assert.match(none.stderr, /ENGINE_MODEL_MISSING/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('render refuses a text prompt for the built-in engine, saying why', async () => {
    const r = await runCliProcess(['render', '--in', '/nonexistent.wav', '--bpm', '120', '--variations', '1', '--out', '/tmp/x', '--prompt', 'funky']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ENGINE_PROMPT_UNSUPPORTED: The built-in concat engine does not understand text prompts/);
  });

  test('render of a truncated file fails with an audio error code and exit code 6', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-trunc-'));
    try {
      const f = join(dir, 't.wav');
      const wav = encodeWav({ sampleRate: 48000, channels: [new Float32Array(48000)] }, { encoding: 'pcm16' });
      writeFileSync(f, wav.subarray(0, 30));
      const r = await runCliProcess(['render', '--in', f, '--bpm', '120', '--variations', '1', '--out', join(dir, 'o')]);
      assert.equal(r.code, 6, r.stderr);
      assert.match(r.stderr, /AUDIO_/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('doctor --json reports engines, ONNX Runtime providers, plugin builds and paths', async () => {
    const r = await runCliProcess(['doctor', '--json'], { STYLEBRIDGE_CONFIG_DIR: '/tmp/sb-doctor-cfg' });
    assert.equal(r.code, 0, r.stderr);
    const d = r.json<{ engines: Array<{ id: string }>; onnxRuntime: { providers: Array<{ name: string }> }; plugins: unknown[]; paths: { configDir: string } }>();
    assert.ok(d.engines.some((e) => e.id === 'concat'));
    assert.deepEqual(d.onnxRuntime.providers.map((p) => p.name).sort(), ['cpu', 'cuda']);
    assert.equal(d.plugins.length, 3);
    assert.equal(d.paths.configDir, '/tmp/sb-doctor-cfg');
  });
});

describe('stylebridge plugin install', () => {
  test('copies every built bundle into the user plugin folders under HOME', { skip: ['vst3', 'clap', 'lv2'].every((f) => !existsSync(new URL(`../../build/plugin/bin/stylebridge.${f}`, import.meta.url))) ? 'no plugin is built (npm run build:plugin)' : false }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'sb-home-'));
    try {
      const r = await runCliProcess(['plugin', 'install', '--json'], { HOME: home });
      assert.equal(r.code, 0, r.stderr);
      const { installed } = r.json<{ installed: Array<{ format: string; to: string }> }>();
      assert.ok(installed.length >= 1);
      for (const i of installed) {
        assert.ok(i.to.startsWith(join(home, `.${i.format}`)), i.to);
        assert.ok(existsSync(i.to), i.to);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('says where bundles go on macOS and Windows', async () => {
    const { userPluginDirs } = await import('../../src/node/plugin-install.js');
    assert.equal(userPluginDirs('darwin', {}, '/Users/p').vst3, '/Users/p/Library/Audio/Plug-Ins/VST3');
    assert.equal(userPluginDirs('darwin', {}, '/Users/p').clap, '/Users/p/Library/Audio/Plug-Ins/CLAP');
    assert.equal(userPluginDirs('win32', { LOCALAPPDATA: 'C:\\Users\\p\\AppData\\Local' }, 'C:\\Users\\p').clap.replace(/\\/g, '/'), 'C:/Users/p/AppData/Local/Programs/Common/CLAP');
    assert.equal(userPluginDirs('linux', {}, '/home/p').lv2, '/home/p/.lv2');
  });
});
