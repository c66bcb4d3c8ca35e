// The product end to end in Ardour 7 (headless): the real host, the built plugin on a track playing rendered music, driven by the stylebridge CLI.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameCount } from '../../src/common/audio-buffer.js';
import { barStartSample, formatMeter, type Meter } from '../../src/common/timing.js';
import { decodeAudio } from '../../src/node/audio/index.js';
import { startHost } from '../../src/node/host/index.js';
import { runCliProcess } from '../support/cli.js';
import {
  addRegionToSession, ardourUnavailable, buildPlugin, createSessionLua, crossCorrelationPeak, exactLag, playSessionLua, readFloatWav, scanVst3,
  VST3_SCANNER, type ArdourPluginFormat,
} from '../support/ardour-session.js';
import { materialClip, materialUnavailable } from '../material/render-material.js';

const root = new URL('../..', import.meta.url).pathname;
const skip = ardourUnavailable() || materialUnavailable() || false;
const TRACK = 'Groove';
/** The bar the CLI captures (0-based: Ardour's bar 3). */
const CAPTURE_BAR = 2;
/** Bars of the take checked in the recording after its start bar. */
const CHECKED_BARS = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, get: () => T | undefined | false, timeoutMs: number, log: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nArdour said:\n${log().slice(-3000)}`);
    await sleep(20);
  }
}

interface Case { format: ArdourPluginFormat; style: string; rate: number; bpm: number; meter: Meter; bars: number }

/** Figures each run prints, for the record. */
interface Figures { [k: string]: unknown }

async function endToEnd(c: Case): Promise<Figures> {
  const figures: Figures = { format: c.format, bpm: c.bpm, meter: formatMeter(c.meter), rate: c.rate };
  const clip = materialClip(c.style, c.bpm, { captureBars: c.bars, sampleRate: c.rate });
  assert.deepEqual(clip.meter, c.meter);
  const region = clip.audio.channels;
  const dir = mkdtempSync(join(tmpdir(), 'sb-ardour-cli-'));
  const configDir = join(dir, 'config');
  const env = { STYLEBRIDGE_CONFIG_DIR: configDir };
  const cli = async (args: string[]) => {
    const r = await runCliProcess([...args, '--json'], env, 60_000);
    assert.equal(r.code, 0, `stylebridge ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  mkdirSync(join(dir, 'lv2'));
  symlinkSync(join(root, 'build/plugin/bin/stylebridge.lv2'), join(dir, 'lv2/stylebridge.lv2'));
  if (c.format === 'vst3') await scanVst3(root, dir);
  const ardourEnv = { ...process.env, HOME: dir, STYLEBRIDGE_CONFIG_DIR: configDir, LV2_PATH: join(dir, 'lv2') };

  // The session: tempo and meter at 0, one stereo track, and a region of rendered music at timeline sample 0.
  writeFileSync(join(dir, 'create.lua'), createSessionLua(dir, { rate: c.rate, bpm: c.bpm, meter: c.meter, track: TRACK }));
  const created = spawnSync('ardour7-lua', [join(dir, 'create.lua')], { env: ardourEnv, encoding: 'utf8', timeout: 60_000 });
  assert.match(created.stdout ?? '', /session-created/, `${created.stdout}${created.stderr}`);
  addRegionToSession(dir, { track: TRACK, rate: c.rate, channels: region, name: `${c.style}-${c.bpm}` });

  const host = await startHost({ projectDir: join(dir, 'project'), configDir });
  const stopFile = join(dir, 'stop');
  const renameFile = join(dir, 'rename');
  writeFileSync(join(dir, 'play.lua'), playSessionLua(dir, { rate: c.rate, format: c.format, track: TRACK, stopFile, renameFile, maxSeconds: 90 }));
  let log = '';
  const ardour = spawn('ardour7-lua', [join(dir, 'play.lua')], { env: ardourEnv });
  ardour.stdout.on('data', (d: Buffer) => (log += d.toString()));
  ardour.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => ardour.on('close', r));
  try {
    const session = await host.server.sessions.waitFor(() => true, 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\nArdour said:\n${log.slice(-3000)}`);
    });
    await until(`bar ${CAPTURE_BAR + 1} heard whole`, () => session.transport?.playing === true && session.transport.bar >= CAPTURE_BAR + 1 && session.transport.beat >= 1, 30_000, () => log);

    // `stylebridge tracks` sees the plugin, its format, rate and Ardour's tempo and meter.
    type Row = { id: string; identity: { format: string; host: string; trackName: string; sampleRate: number }; transport: { playing: boolean; bpm: number; meterNum: number; meterDen: number; bar: number } | null };
    const { tracks } = (await cli(['tracks'])).json<{ tracks: Row[] }>();
    assert.equal(tracks.length, 1, JSON.stringify(tracks));
    const row = tracks[0]!;
    assert.equal(row.identity.format, c.format);
    assert.equal(row.identity.sampleRate, c.rate);
    assert.ok(row.transport?.playing, 'the transport rolls');
    assert.ok(Math.abs(row.transport.bpm - c.bpm) < 1e-6, `bpm ${row.transport.bpm}`);
    assert.equal(row.transport.meterNum, c.meter.numerator);
    assert.equal(row.transport.meterDen, c.meter.denominator);
    figures.identity = row.identity;
    // VST3 learns the track name from Ardour (IInfoListener); LV2 has no way to, so its track is addressed by instance id.
    if (c.format === 'vst3') assert.equal(row.identity.trackName, TRACK);
    else assert.equal(row.identity.trackName, '');
    const track = c.format === 'vst3' ? TRACK : row.id;

    // `stylebridge capture --bar K --out` writes the region's samples of bar K, sample for sample.
    const capFile = join(dir, 'bar.wav');
    const cap = (await cli(['capture', '--track', track, '--bar', String(CAPTURE_BAR), '--out', capFile])).json<{ capture: { bar: number; frames: number; bpm: number } }>().capture;
    assert.equal(cap.bar, CAPTURE_BAR);
    const captured = (await decodeAudio(new Uint8Array(readFileSync(capFile)))).audio;
    const b0 = barStartSample(CAPTURE_BAR, c.bpm, c.meter, c.rate);
    const b1 = barStartSample(CAPTURE_BAR + 1, c.bpm, c.meter, c.rate);
    assert.equal(captured.sampleRate, c.rate);
    assert.equal(frameCount(captured), b1 - b0);
    for (let ch = 0; ch < 2; ch++) {
      const got = captured.channels[ch]!;
      let mismatch = -1;
      for (let i = 0; i < got.length && mismatch < 0; i++) if (got[i] !== region[ch]![b0 + i]) mismatch = i;
      const offset = mismatch < 0 ? 0 : exactLag(region[ch]!, b0 + 2000, got, 2000, 20000);
      assert.equal(mismatch, -1, `channel ${ch}: the captured bar first differs from the region at frame ${mismatch} (it matches the region ${offset} frames off)`);
    }
    figures.capture = { bar: CAPTURE_BAR, startSample: b0, frames: b1 - b0, equalSamples: 2 * (b1 - b0) };

    // A take rendered from the capture with the concat engine, as float32 so the comparison can be exact.
    const renderDir = join(dir, 'takes');
    const rendered = (await cli(['render', '--in', capFile, '--bpm', String(c.bpm), '--meter', formatMeter(c.meter), '--bars', '1', '--variations', '1', '--seed', '11', '--bit-depth', '32f', '--out', renderDir])).json<{ files: Array<{ file: string; frames: number }> }>();
    const takeFile = rendered.files[0]!.file;
    const take = (await decodeAudio(new Uint8Array(readFileSync(takeFile)))).audio;
    assert.equal(take.sampleRate, c.rate);

    // `stylebridge audition --take FILE` sends it; it starts on the next bar line.
    const before = session.transport?.bar ?? 0;
    const aud = (await cli(['audition', '--track', track, '--take', takeFile])).json<{ bar?: number }>();
    const after = session.transport?.bar ?? 0;
    // The plugin resolves "the next bar line" on the audio thread and names it in its reply; its status agrees.
    assert.equal(typeof aud.bar, 'number', 'the CLI names the bar the take starts at');
    const start = aud.bar!;
    const reported = await until('the take armed on a bar', () => (session.status && session.status.state !== 'idle' && session.status.bar !== undefined && session.status.bar >= 0 ? session.status.bar : undefined), 10_000, () => log);
    assert.equal(reported, start, 'the plugin status names the bar the CLI printed');
    assert.ok(start >= before + 1 && start <= after + 1, `the take starts at bar ${start}, the next bar line after the transport was at bar ${before}..${after}`);
    await until(`bar ${start + CHECKED_BARS} played`, () => session.transport !== null && session.transport.bar >= start + CHECKED_BARS + 1, 60_000, () => log);
    if (c.format === 'vst3') {
      // A rename in Ardour reaches the plugin (IInfoListener) and the app (identity), and the CLI finds the new name.
      writeFileSync(renameFile, `${TRACK} 2\n`);
      await until('the rename', () => session.identity.trackName === `${TRACK} 2` || undefined, 10_000, () => log);
      const renamed = (await cli(['tracks'])).json<{ tracks: Row[] }>().tracks;
      assert.equal(renamed[0]?.identity.trackName, `${TRACK} 2`);
      figures.renamedTo = renamed[0]?.identity.trackName;
    }
    writeFileSync(stopFile, '');
    assert.equal(await exited, 0, log.slice(-3000));
    assert.match(log, /ardour-done/);

    // The recording of the track output: the region passed through up to the start bar's line, then the take from
    // that very sample, again on every following bar line.
    const audioDir = join(dir, 'session/interchange/session/audiofiles');
    const files = readdirSync(audioDir).filter((f) => f.includes('_Out-') && f.endsWith('.wav')).sort();
    assert.equal(files.length, 2, files.join());
    const s0 = barStartSample(start, c.bpm, c.meter, c.rate);
    const xcorr: unknown[] = [];
    for (let ch = 0; ch < 2; ch++) {
      const played = readFloatWav(join(audioDir, files.find((f) => f.includes(ch === 0 ? '%L' : '%R'))!));
      // Ardour places the recording `lag` samples off the timeline: timeline sample t is played[t + lag].
      const lag = exactLag(played, b0, region[ch]!, b0, 12000);
      assert.ok(!Number.isNaN(lag), `channel ${ch}: the recording does not contain the region`);
      let firstDiff = -1;
      const passEnd = Math.min(s0, region[ch]!.length);
      for (let t = Math.max(0, -lag); t < passEnd && firstDiff < 0; t++) if (played[t + lag] !== region[ch]![t]) firstDiff = t;
      assert.equal(firstDiff, -1, `channel ${ch}: the output differs from the region at timeline sample ${firstDiff}, before the take's bar line ${s0} (lag ${lag})`);
      const takeCh = take.channels[ch]!;
      let differsFromRegion = 0;
      for (let k = 0; k < CHECKED_BARS; k++) {
        const a = barStartSample(start + k, c.bpm, c.meter, c.rate);
        const e = barStartSample(start + k + 1, c.bpm, c.meter, c.rate);
        assert.ok(e + lag <= played.length, 'the recording covers the checked bars');
        for (let t = a; t < e && firstDiff < 0; t++) {
          const want = t - a < takeCh.length ? takeCh[t - a]! : 0;
          if (played[t + lag] !== want) firstDiff = t;
          if (t < region[ch]!.length && region[ch]![t] !== want) differsFromRegion++;
        }
        assert.equal(firstDiff, -1, `channel ${ch}: bar ${start + k} differs from the take at its frame ${firstDiff - a} (lag ${lag})`);
        const x = crossCorrelationPeak(played, a + lag, takeCh, 8192, 1024);
        assert.equal(x.lag, 0, `channel ${ch}: bar ${start + k}: the cross-correlation with the take peaks at ${x.lag}`);
        xcorr.push({ channel: ch, bar: start + k, ...x });
      }
      assert.ok(differsFromRegion > 1000, 'the take is not the music it replaces (the comparison means something)');
      figures[`lag${ch}`] = lag;
    }
    figures.take = { startBar: start, startSample: s0, frames: frameCount(take), checkedBars: CHECKED_BARS };
    figures.crossCorrelation = xcorr;
    return figures;
  } finally {
    ardour.kill('SIGKILL');
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the product in Ardour 7, headless, through the stylebridge CLI', { skip }, () => {
  before(() => buildPlugin(root));

  const vst3 = existsSync(VST3_SCANNER) ? false : 'no ardour-vst3-scanner';
  const cases: Array<[string, Case, string | false]> = [
    ['LV2 at 4/4 120 BPM 48 kHz', { format: 'lv2', style: 'house', rate: 48000, bpm: 120, meter: { numerator: 4, denominator: 4 }, bars: 16 }, false],
    ['VST3 at 7/8 93 BPM 44.1 kHz', { format: 'vst3', style: 'odd78', rate: 44100, bpm: 93, meter: { numerator: 7, denominator: 8 }, bars: 14 }, vst3],
    ['LV2 at 7/8 93 BPM 44.1 kHz', { format: 'lv2', style: 'odd78', rate: 44100, bpm: 93, meter: { numerator: 7, denominator: 8 }, bars: 14 }, false],
    ['VST3 at 4/4 120 BPM 48 kHz', { format: 'vst3', style: 'house', rate: 48000, bpm: 120, meter: { numerator: 4, denominator: 4 }, bars: 16 }, vst3],
  ];
  for (const [name, c, skipCase] of cases) {
    test(`${name}: tracks sees the plugin, capture --bar returns the region's bar sample for sample, a rendered take auditioned from a file plays from the next bar line and on every bar line after${c.format === 'vst3' ? '; the plugin reports Ardour\'s track name and its rename' : ''}`, { skip: skipCase }, async (t) => {
      const figures = await endToEnd(c);
      t.diagnostic(JSON.stringify(figures));
    });
  }
});
