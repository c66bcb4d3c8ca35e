// Headless Ardour 7 (ardour7-lua, dummy backend) for the plugin's end-to-end tests: sessions with a tempo map, an imported region, the plugin, and a recording of the track output.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Meter } from '../../src/common/timing.js';
import { encodeWav } from '../../src/node/audio/index.js';

export type ArdourPluginFormat = 'lv2' | 'vst3';

/** Ardour's time unit: superclock ticks per second (`Temporal.superclock_ticks_per_second()` in 7.3). */
export const SUPERCLOCK_TICKS_PER_SECOND = 282240000;
export const VST3_SCANNER = '/usr/lib/ardour7/ardour-vst3-scanner';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Why the Ardour tests cannot run here (a missing tool), or false when they can. */
export function ardourUnavailable(): string | false {
  const missing = ['make', 'c++', 'ardour7-lua'].filter((c) => !has(c));
  if (missing.length > 0) return `not installed: ${missing.join(', ')}`;
  if (!existsSync('/usr/share/dpf/Makefile.plugins.mk')) return 'DPF is not installed (apt-get install dpf-source)';
  return false;
}

/** Builds the plugin (incremental); throws with the build log when it fails. */
export function buildPlugin(root: string): void {
  const r = spawnSync('make', ['-C', join(root, 'plugin-shim'), '-j2'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`plugin build failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * Makes the built VST3 visible to ardour7-lua run with HOME=`home`: it reads VST3 plugins only from the
 * scanner's cache, and only from a cache file newer (whole seconds) than the module.
 */
export async function scanVst3(root: string, home: string): Promise<void> {
  cpSync(join(root, 'build/plugin/bin/stylebridge.vst3'), join(home, '.vst3/stylebridge.vst3'), { recursive: true });
  await new Promise((r) => setTimeout(r, 1100));
  const scan = spawnSync(VST3_SCANNER, [join(home, '.vst3/stylebridge.vst3')],
    { env: { ...process.env, HOME: home, LD_LIBRARY_PATH: '/usr/lib/ardour7' }, encoding: 'utf8' });
  if (scan.status !== 0) throw new Error(`VST3 scan failed: ${scan.stdout}${scan.stderr}`);
}

/** Lua lines that start the dummy backend (silent inputs) at `rate`. */
function backendLua(rate: number): string {
  return `
local backend = AudioEngine:set_backend("None (Dummy)", "", "")
assert(backend, "no dummy backend")
backend:set_device_name("Silence")
backend:set_sample_rate(${rate})
backend:set_buffer_size(256)
assert(AudioEngine:start(false) == 0, "engine start")
`;
}

/** A script that creates `dir/session` at the tempo and meter with one empty stereo audio track, saves and closes it. */
export function createSessionLua(dir: string, opts: { rate: number; bpm: number; meter: Meter; track: string }): string {
  return `${backendLua(opts.rate)}
assert(create_session("${dir}/session", "session", ${opts.rate}), "create session")
local tm = Temporal.TempoMap.fetch_writable()
tm:set_tempo(Temporal.Tempo(${opts.bpm}, ${opts.bpm}, 4), Temporal.timepos_t(0))
tm:set_meter(Temporal.Meter(${opts.meter.numerator}, ${opts.meter.denominator}), Temporal.timepos_t(0))
Temporal.TempoMap.update(tm)
Session:new_audio_track(2, 2, nil, 1, "${opts.track}", ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true)
Session:save_state("", false, false, false, false, false)
close_session()
print("session-created")
`;
}

/**
 * A script that loads `dir/session`, inserts the plugin first on `track` (which plays its region from disk),
 * records the track's output into a second track "Out", rolls from 0 until the file `stopFile` appears (or
 * `maxSeconds` pass), then stops, saves and closes. When the file `renameFile` appears, the track takes the name
 * it holds (first line), as a rename in the mixer would. Transport, monitor and region fades are off, so the track
 * output is the region's samples where the plugin passes audio through.
 */
export function playSessionLua(dir: string, opts: { rate: number; format: ArdourPluginFormat; track: string; stopFile: string; renameFile?: string; maxSeconds: number }): string {
  const plugin = opts.format === 'lv2' ? '"urn:stylebridge:plugin", ARDOUR.PluginType.LV2' : '"Stylebridge", ARDOUR.PluginType.VST3';
  return `${backendLua(opts.rate)}
assert(load_session("${dir}/session", "session"), "load session")
local cfg = Session:cfg()
cfg:set_use_transport_fades(false)
cfg:set_use_monitor_fades(false)
cfg:set_use_region_fades(false)
local tr = Session:route_by_name("${opts.track}"):to_track()
assert(tr:playlist():region_list():size() == 1, "the track has its region")
local p = ARDOUR.LuaAPI.new_plugin(Session, ${plugin}, "")
assert(not p:isnil(), "plugin not found")
assert(tr:add_processor_by_index(p, 0, nil, true), "plugin not added")
tr:monitoring_control():set_value(ARDOUR.MonitorChoice.MonitorDisk, PBD.GroupControlDisposition.NoGroup)
local out = Session:new_audio_track(2, 2, nil, 1, "Out", ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true):front()
out:input():disconnect_all(nil)
for c = 0, 1 do
  assert(out:input():connect(out:input():audio(c), tr:output():audio(c):name(), nil) == 0, "connect Out")
end
out:monitoring_control():set_value(ARDOUR.MonitorChoice.MonitorInput, PBD.GroupControlDisposition.NoGroup)
out:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
Session:maybe_enable_record(false)
ARDOUR.LuaAPI.usleep(200000)
Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
print("ardour-rolling")
local renamed = ${opts.renameFile ? 'false' : 'true'}
for i = 1, ${Math.ceil(opts.maxSeconds * 10)} do
  local f = io.open("${opts.stopFile}", "r")
  if f then f:close() break end
  if not renamed then
    local r = io.open("${opts.renameFile ?? ''}", "r")
    if r then
      local name = r:read("*l")
      r:close()
      tr:set_name(name) -- Ardour 7.3 returns false here although the track is renamed
      assert(tr:name() == name, "rename")
      renamed = true
      print("ardour-renamed")
    end
  end
  ARDOUR.LuaAPI.usleep(100000)
end
Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
ARDOUR.LuaAPI.usleep(1000000)
Session:save_state("", false, false, false, false, false)
close_session()
print("ardour-done")
`;
}

const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Puts a region of `channels` (one mono float32 WAV per channel, written next to the session) on `track`'s
 * playlist at timeline sample 0, with region fades off. Ardour 7.3 has no headless import call, so this edits
 * the saved session XML (times in superclock ticks), as Ardour would have written it after an import.
 */
export function addRegionToSession(dir: string, opts: { track: string; rate: number; channels: readonly Float32Array[]; name: string }): string[] {
  const file = join(dir, 'session/session.ardour');
  let xml = readFileSync(file, 'utf8');
  const counter = /id-counter="(\d+)"/.exec(xml);
  if (!counter) throw new Error('no id-counter in the session file');
  let next = Number(counter[1]) + 1;
  const wavs = opts.channels.map((ch, c) => {
    const path = join(dir, `${opts.name}-${c}.wav`);
    writeFileSync(path, encodeWav({ sampleRate: opts.rate, channels: [ch] }, { encoding: 'float32' }));
    return path;
  });
  const sourceIds = wavs.map(() => next++);
  const frames = opts.channels[0]!.length;
  if (SUPERCLOCK_TICKS_PER_SECOND % opts.rate !== 0) throw new Error(`${opts.rate} Hz is not a whole number of superclock ticks`);
  const length = frames * (SUPERCLOCK_TICKS_PER_SECOND / opts.rate);
  const region = (id: number, name: string, wholeFile: boolean) => `<Region name="${xmlAttr(name)}" muted="0" opaque="1" locked="0" video-locked="0" automatic="0" whole-file="${wholeFile ? 1 : 0}" import="0" external="1" sync-marked="0" left-of-split="0" right-of-split="0" hidden="0" position-locked="0" valid-transients="0" start="a0" length="a${length}@a0" sync-position="a0" ancestral-start="a0" ancestral-length="a0@a0" stretch="1" shift="1" layering-index="0" tags="" contents="0" envelope-active="0" default-fade-in="0" default-fade-out="0" fade-in-active="0" fade-out-active="0" scale-amplitude="1" id="${id}" type="audio" first-edit="nothing" ${sourceIds.map((s, c) => `source-${c}="${s}" master-source-${c}="${s}"`).join(' ')} channels="${wavs.length}"/>`;
  const sources = wavs.map((p, c) => `<Source name="${xmlAttr(p)}" type="audio" flags="" id="${sourceIds[c]}" channel="0" origin="" gain="1"/>`);
  if (!xml.includes('<Sources/>') || !xml.includes('<Regions/>')) throw new Error('the session already has sources or regions');
  xml = xml.replace('<Sources/>', `<Sources>\n    ${sources.join('\n    ')}\n  </Sources>`);
  xml = xml.replace('<Regions/>', `<Regions>\n    ${region(next++, opts.name, true)}\n  </Regions>`);
  const playlist = new RegExp(`(<Playlist [^>]*name="${opts.track}"[^>]*)/>`);
  if (!playlist.test(xml)) throw new Error(`no empty playlist named ${opts.track}`);
  xml = xml.replace(playlist, (_m, open: string) => `${open}>\n      ${region(next++, `${opts.name}.1`, false)}\n    </Playlist>`);
  xml = xml.replace(counter[0], `id-counter="${next + 1}"`);
  writeFileSync(file, xml);
  return wavs;
}

/** The samples of a mono float32 WAV as Ardour records it. */
export function readFloatWav(path: string): Float32Array {
  const b = readFileSync(path);
  let pos = 12;
  let float = false;
  while (pos + 8 <= b.length) {
    const id = b.toString('latin1', pos, pos + 4);
    const size = b.readUInt32LE(pos + 4);
    if (id === 'fmt ') float = b.readUInt16LE(pos + 8) === 3 && b.readUInt16LE(pos + 10) === 1 && b.readUInt16LE(pos + 22) === 32;
    if (id === 'data') {
      if (!float) throw new Error(`${path} is not mono float32`);
      return new Float32Array(b.buffer.slice(b.byteOffset + pos + 8, b.byteOffset + pos + 8 + size));
    }
    pos += 8 + size + (size & 1);
  }
  throw new Error(`no data chunk in ${path}`);
}

/**
 * The offset d at which `b`'s samples from `bAt` reappear in `a` from `aAt + d` (a run of `run` exactly equal
 * samples), searched over |d| <= maxLag; NaN when there is none.
 */
export function exactLag(a: Float32Array, aAt: number, b: Float32Array, bAt: number, maxLag: number, run = 256): number {
  for (let d = -maxLag; d <= maxLag; d++) {
    let ok = aAt + d >= 0 && aAt + d + run <= a.length && bAt + run <= b.length;
    for (let i = 0; i < run && ok; i++) ok = a[aAt + d + i] === b[bAt + i];
    if (ok) return d;
  }
  return NaN;
}

/**
 * Normalised cross-correlation of `signal` around `at` with the first `n` samples of `ref`, at lags -maxLag..maxLag,
 * on first differences (a whitening that keeps the low end of music from flattening the peak). Returns the lag
 * of the peak, its value and the best value at any lag more than one sample away.
 */
export function crossCorrelationPeak(signal: Float32Array, at: number, ref: Float32Array, n: number, maxLag: number): { lag: number; peak: number; runnerUp: number } {
  const diff = (x: Float32Array, i: number) => (x[i] ?? 0) - (x[i - 1] ?? 0);
  let refEnergy = 0;
  for (let i = 1; i < n; i++) refEnergy += diff(ref, i) ** 2;
  const values: number[] = [];
  for (let d = -maxLag; d <= maxLag; d++) {
    let dot = 0;
    let energy = 0;
    for (let i = 1; i < n; i++) {
      const s = diff(signal, at + d + i);
      dot += s * diff(ref, i);
      energy += s * s;
    }
    values.push(energy > 0 && refEnergy > 0 ? dot / Math.sqrt(energy * refEnergy) : 0);
  }
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  let runnerUp = -Infinity;
  for (let i = 0; i < values.length; i++) if (Math.abs(i - best) > 1 && values[i]! > runnerUp) runnerUp = values[i]!;
  return { lag: best - maxLag, peak: values[best]!, runnerUp };
}
