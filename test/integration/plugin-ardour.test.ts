// The built LV2 and VST3 plugins on an audio track in Ardour 7 (headless ardour7-lua, dummy backend), against the real host server.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { barSeconds, barStartSample, barsLengthSamples, type Meter } from '../../src/common/timing.js';
import { startServer, type PluginSession } from '../../src/node/server/index.js';
import { ardourUnavailable, buildPlugin, readFloatWav, scanVst3, VST3_SCANNER } from '../support/ardour-session.js';

const root = new URL('../..', import.meta.url).pathname;
const skip = ardourUnavailable();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, pred: () => boolean, timeoutMs = 15000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A session at the tempo and meter, one stereo audio track with the plugin, rolling for `seconds`. */
function luaScript(dir: string, format: 'lv2' | 'vst3', rate: number, bpm: number, meter: Meter, seconds: number): string {
  const plugin = format === 'lv2' ? '"urn:stylebridge:plugin", ARDOUR.PluginType.LV2' : '"Stylebridge", ARDOUR.PluginType.VST3';
  return `
local backend = AudioEngine:set_backend("None (Dummy)", "", "")
assert(backend, "no dummy backend")
backend:set_device_name("Uniform White Noise")
backend:set_sample_rate(${rate})
backend:set_buffer_size(256)
assert(AudioEngine:start(false) == 0, "engine start")
assert(create_session("${dir}/session", "session", ${rate}), "create session")
local tm = Temporal.TempoMap.fetch_writable()
tm:set_tempo(Temporal.Tempo(${bpm}, ${bpm}, 4), Temporal.timepos_t(0))
tm:set_meter(Temporal.Meter(${meter.numerator}, ${meter.denominator}), Temporal.timepos_t(0))
Temporal.TempoMap.update(tm)
local tr = Session:new_audio_track(2, 2, nil, 1, "Drums", ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true):front()
local p = ARDOUR.LuaAPI.new_plugin(Session, ${plugin}, "")
assert(not p:isnil(), "plugin not found")
assert(tr:add_processor_by_index(p, 0, nil, true), "plugin not added")
-- "Drums" records its input (the dummy backend's white noise: never periodic, so alignments are unambiguous) from sample 0: what the plugin heard, as Ardour wrote it.
-- "Out" records Drums' output: what the plugin played (unity fader and panner, latency compensated).
local out = Session:new_audio_track(2, 2, nil, 1, "Out", ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true):front()
out:input():disconnect_all(nil)
for c = 0, 1 do
  assert(out:input():connect(out:input():audio(c), tr:output():audio(c):name(), nil) == 0, "connect Out")
end
for _, t in ipairs({tr, out}) do
  t:monitoring_control():set_value(ARDOUR.MonitorChoice.MonitorInput, PBD.GroupControlDisposition.NoGroup)
  t:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
end
Session:maybe_enable_record(false)
ARDOUR.LuaAPI.usleep(200000)
Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
for i = 1, ${Math.ceil(seconds * 10)} do ARDOUR.LuaAPI.usleep(100000) end
Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(1000000)
Session:save_state("", false, false, false, false, false)
close_session()
print("ardour-done")
`;
}

async function inArdour(format: 'lv2' | 'vst3', rate: number, bpm: number, meter: Meter): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-plugin-ardour-'));
  mkdirSync(join(dir, 'lv2'));
  symlinkSync(join(root, 'build/plugin/bin/stylebridge.lv2'), join(dir, 'lv2/stylebridge.lv2'));
  if (format === 'vst3') await scanVst3(root, dir);
  const bar = barSeconds(bpm, meter);
  writeFileSync(join(dir, 'run.lua'), luaScript(dir, format, rate, bpm, meter, 8 * bar + 4));
  const server = await startServer({ configDir: dir });
  let log = '';
  const ardour = spawn('ardour7-lua', [join(dir, 'run.lua')], {
    env: { ...process.env, HOME: dir, STYLEBRIDGE_CONFIG_DIR: dir, LV2_PATH: join(dir, 'lv2') },
  });
  ardour.stdout.on('data', (d: Buffer) => (log += d.toString()));
  ardour.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => ardour.on('close', r));
  try {
    const session: PluginSession = await server.sessions.waitFor(() => true, 30000).catch((e: unknown) => {
      throw new Error(`${String(e)}\nArdour said:\n${log.slice(-3000)}`);
    });
    assert.equal(session.identity.format, format);
    assert.equal(session.identity.sampleRate, rate);
    await until('bar 2 rolling', () => session.transport?.playing === true && session.transport.bar >= 2);
    // Ardour's VST3 tempo comes from its superclock math (93 arrives as 92.9999997858...).
    assert.ok(Math.abs((session.transport?.bpm ?? 0) - bpm) < 1e-6, `bpm ${session.transport?.bpm}`);
    assert.equal(session.transport?.meterNum, meter.numerator);
    assert.equal(session.transport?.meterDen, meter.denominator);

    // Bar 1 cut on the bar lines timing.ts defines (Ardour's own bar lines are floored; ours round half up).
    const cap = await session.capture({ at: 'bar', bar: 1, bars: 1 });
    assert.equal(cap.info.startSample, barStartSample(1, bpm, meter, rate));
    assert.equal(cap.info.frames, barStartSample(2, bpm, meter, rate) - barStartSample(1, bpm, meter, rate));
    assert.ok(Math.abs(cap.info.bpm - bpm) < 1e-6);

    // A one-bar take from a bar two bars ahead, replacing the input.
    const frames = barsLengthSamples(1, bpm, meter, rate);
    const takeSample = (i: number) => Math.fround(((i * 7) % 4096 + 1) / 8192 + 0.25);
    await session.uploadTake('t', { sampleRate: rate, channels: [Float32Array.from({ length: frames }, (_, i) => takeSample(i))] });
    const start = (session.transport?.bar ?? 0) + 2;
    await session.play({ take: 't', at: 'bar', bar: start, mode: 'replace', gain: 1 });
    await until('the take playing', () => session.status?.state === 'playing' && session.status.bar === start);
    assert.equal(await exited, 0, log.slice(-3000));
    assert.match(log, /ardour-done/);

    // The captured bar is, sample for sample, what Ardour recorded at those timeline positions.
    const audioDir = join(dir, 'session/interchange/session/audiofiles');
    const files = readdirSync(audioDir).filter((f) => f.endsWith('.wav')).sort();
    assert.equal(files.length, 4, files.join());
    const wav = (track: string, c: number) => readFloatWav(join(audioDir, files.find((f) => f.includes(`_${track}-`) && f.includes(c === 0 ? '%L' : '%R'))!));
    const b1 = barStartSample(1, bpm, meter, rate);
    for (let c = 0; c < 2; c++) {
      const recorded = wav('Drums', c);
      const got = cap.audio.channels[c]!;
      let mismatch = -1;
      for (let i = 0; i < got.length && mismatch < 0; i++) if (got[i] !== recorded[b1 + i]) mismatch = i;
      let offset = NaN;
      for (let d = -20000; d <= 20000 && Number.isNaN(offset); d++) {
        let ok = true;
        for (let i = 0; i < 64 && ok; i++) ok = got[1000 + i] === recorded[b1 + d + 1000 + i];
        if (ok) offset = d;
      }
      assert.equal(mismatch, -1, `channel ${c}: first difference at frame ${mismatch} of bar 1 (the bar matches the recording ${offset} frames later) got ${Array.from(got.slice(0, 4)).join(' ')} recorded ${Array.from(recorded.slice(b1, b1 + 4)).join(' ')} recorded.length ${recorded.length}`);
      assert.ok(got.some((v) => v !== 0), 'the bar is not silence');

      // What the plugin played: the input up to the start bar's line, then the take from that very sample, bar after
      // bar. Ardour places the second track's recording `lag` samples off the first one's (internal routing), so the
      // timeline sample t is played[t + lag]; lag is where the passed-through input lines up with the input.
      const played = wav('Out', c);
      const s0 = barStartSample(start, bpm, meter, rate);
      let lag = NaN;
      for (let d = -12000; d <= 12000 && Number.isNaN(lag); d++) {
        let ok = true;
        for (let i = 0; i < 256 && ok; i++) ok = played[b1 + 20000 + d + i] === recorded[b1 + 20000 + i];
        if (ok) lag = d;
      }
      assert.ok(!Number.isNaN(lag), `channel ${c}: the output does not contain the input`);
      let firstDiff = -1;
      for (let i = b1; i < s0 && firstDiff < 0; i++) if (played[i + lag] !== recorded[i]) firstDiff = i;
      assert.equal(firstDiff, -1, `channel ${c}: output differs from the input at ${firstDiff}, before the start bar at ${s0} (lag ${lag})`);
      for (let k = 0; k < 2; k++) {
        const a = barStartSample(start + k, bpm, meter, rate);
        const e = barStartSample(start + k + 1, bpm, meter, rate);
        assert.ok(e + lag <= played.length, 'the recording covers the take');
        for (let i = a; i < e && firstDiff < 0; i++) if (played[i + lag] !== (i - a < frames ? takeSample(i - a) : 0)) firstDiff = i;
        assert.equal(firstDiff, -1, `channel ${c}: bar ${start + k} differs from the take at sample ${firstDiff - a} (lag ${lag})`);
      }
    }
  } finally {
    ardour.kill('SIGKILL');
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the plugin in Ardour 7, headless', { skip }, () => {
  before(() => buildPlugin(root));

  test('LV2 at 7/8 93 BPM 44.1 kHz: Ardour\'s transport reaches the host, bar 1 is cut on the timing.ts bar lines and equals Ardour\'s own recording, the take plays from its bar line sample-exact', async () => {
    await inArdour('lv2', 44100, 93, { numerator: 7, denominator: 8 });
  });

  test('LV2 at 4/4 120 BPM 48 kHz: the same', async () => {
    await inArdour('lv2', 48000, 120, { numerator: 4, denominator: 4 });
  });

  test('VST3 at 7/8 93 BPM 44.1 kHz: the same, through Ardour\'s rounded PPQ and DPF\'s integer bar arithmetic', { skip: existsSync(VST3_SCANNER) ? false : 'no ardour-vst3-scanner' }, async () => {
    await inArdour('vst3', 44100, 93, { numerator: 7, denominator: 8 });
  });
});
