// The plugin and UI flows on a real server: transport, capture (sample-exact), take upload, play, switch, stop, events.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AudioBuffer } from '../../src/common/audio-buffer.js';
import type { StylebridgeError } from '../../src/common/errors.js';
import { TempoMap } from '../../src/common/timing.js';
import { Type } from '@sinclair/typebox';
import { startServer, withAudio, type StylebridgeServer } from '../../src/node/server/index.js';
import type { CallError} from '../support/protocol-client.js';
import { TestPlugin, TestUi } from '../support/protocol-client.js';

function ramp(frames: number, channels: number, sampleRate = 48000): AudioBuffer {
  return { sampleRate, channels: Array.from({ length: channels }, (_, c) => Float32Array.from({ length: frames }, (_, i) => Math.fround(((i + 1000 * c) % 997) / 997 - 0.5))) };
}

function assertTimelineAudio(audio: AudioBuffer, startSample: number): void {
  for (let c = 0; c < audio.channels.length; c++) {
    const ch = audio.channels[c]!;
    for (let i = 0; i < ch.length; i += 97) assert.equal(ch[i], TestPlugin.sample(startSample + i, c), `channel ${c} frame ${i}`);
    assert.equal(ch[ch.length - 1], TestPlugin.sample(startSample + ch.length - 1, c));
  }
}

describe('server flows', () => {
  let server: StylebridgeServer;
  let plugin: TestPlugin;
  let ui: TestUi;
  const opts = () => ({ port: server.port, token: server.token });

  before(async () => {
    server = await startServer({ writeDiscovery: false, limits: { maxTakesPerPlugin: 3, requestTimeoutMs: 2000, uiTransportHz: 50 } });
    ui = await TestUi.connect(opts());
    plugin = await TestPlugin.connect({ ...opts(), identity: { trackName: 'Drums', host: 'Ardour', format: 'lv2' } });
  });

  after(async () => {
    assert.deepEqual(plugin.violations, []);
    assert.deepEqual(ui.violations, []);
    await server.close();
  });

  test('a connected plugin is listed with its identity, and UIs get tracks.changed', async () => {
    const late = await TestPlugin.connect({ ...opts(), identity: { trackName: 'Bass' } });
    await ui.event('tracks.changed', (d) => (d as { tracks: { identity: { trackName: string } }[] }).tracks.some((t) => t.identity.trackName === 'Bass'));
    const { result } = await ui.call('tracks.list');
    const tracks = (result as { tracks: { id: string; session: string; identity: { trackName: string; format: string } }[] }).tracks;
    const drums = tracks.find((t) => t.id === plugin.identity.instanceId)!;
    assert.equal(drums.identity.trackName, 'Drums');
    assert.equal(drums.identity.format, 'lv2');
    assert.equal(drums.session, plugin.welcome!.session);
    await late.close();
    await ui.event('tracks.changed', (d) => !(d as { tracks: { identity: { trackName: string } }[] }).tracks.some((t) => t.identity.trackName === 'Bass'));
  });

  test('transport updates the session and reaches UIs as transport events', async () => {
    const sample = 4 * 96000 + 24000;
    plugin.sendTransport(sample);
    const data = (await ui.event('transport', (d) => (d as { track: string; transport: { sample: number } }).transport.sample === sample)) as { track: string; transport: { bar: number; beat: number; ppq: number } };
    assert.equal(data.track, plugin.identity.instanceId);
    assert.equal(data.transport.bar, 4);
    assert.equal(data.transport.beat, 1);
    const s = server.sessions.find('Drums');
    assert.equal(s.transport?.sample, sample);
    assert.equal(s.transport?.playing, true);
  });

  test('identity changes from the plugin update the track name but keep the instance id', async () => {
    plugin.send({ type: 'identity', identity: { ...plugin.identity, trackName: 'Drums 2', instanceId: 'hijack' } });
    await ui.event('tracks.changed', (d) => (d as { tracks: { identity: { trackName: string } }[] }).tracks.some((t) => t.identity.trackName === 'Drums 2'));
    const s = server.sessions.find('Drums 2');
    assert.equal(s.instanceId, plugin.identity.instanceId);
    plugin.send({ type: 'identity', identity: { ...plugin.identity, trackName: 'Drums' } });
    await ui.event('tracks.changed', (d) => (d as { tracks: { identity: { trackName: string } }[] }).tracks.some((t) => t.identity.trackName === 'Drums'));
  });

  test('a capture through the session API returns the bar sample-exact at the bar lines of timing.ts', async () => {
    const s = server.sessions.find(plugin.identity.instanceId);
    const r = await s.capture({ at: 'bar', bar: 3, bars: 2 });
    const tm = TempoMap.constant(120, { numerator: 4, denominator: 4 }, 48000);
    assert.equal(r.info.startSample, tm.barStartSample(3));
    assert.equal(r.info.frames, tm.samplesBetweenBars(3, 5));
    assert.equal(r.audio.channels.length, 2);
    assert.equal(r.audio.channels[0]!.length, r.info.frames);
    assertTimelineAudio(r.audio, r.info.startSample);
  });

  test('a capture through /ui streams the audio to the caller after its result, in frames under the size limit', async () => {
    const { result, audio } = await ui.call('capture', { track: 'Drums', at: 'last', bars: 1 });
    const r = result as { track: string; bar: number; frames: number; startSample: number; sampleRate: number };
    assert.equal(r.track, plugin.identity.instanceId);
    assert.equal(r.bar, 7);
    assert.equal(r.frames, 96000);
    assertTimelineAudio(audio!, r.startSample);
  });

  test('a capture longer than one binary message arrives whole (chunked)', async () => {
    const { result, audio } = await ui.call('capture', { track: 'Drums', at: 'bar', bar: 0, bars: 8 });
    assert.equal((result as { frames: number }).frames, 8 * 96000);
    assert.ok(8 * 96000 * 2 * 4 > server.limits.maxBinaryMessageBytes);
    assertTimelineAudio(audio!, 0);
  });

  test('a plugin that masks with random keys (RFC 6455 default) is served the same as one using the zero key', async () => {
    const p = await TestPlugin.connect({ ...opts(), identity: { trackName: 'Masked' }, mask: 'random' });
    const r = await server.sessions.find('Masked').capture({ at: 'bar', bar: 2, bars: 1 });
    assertTimelineAudio(r.audio, r.info.startSample);
    await p.close();
  });

  test('a bar the plugin has not heard fails with CAPTURE_NOT_HEARD and the connection stays', async () => {
    await assert.rejects(ui.call('capture', { track: 'Drums', at: 'bar', bar: 40, bars: 1 }), (e: CallError) => e.code === 'CAPTURE_NOT_HEARD');
    const { audio } = await ui.call('capture', { track: 'Drums', at: 'bar', bar: 1, bars: 1 });
    assert.equal(audio!.channels[0]!.length, 96000);
  });

  test('a capture of more than maxCaptureBars is refused with PROTO_LIMIT_EXCEEDED before reaching the plugin', async () => {
    const before = plugin.requests.length;
    await assert.rejects(ui.call('capture', { track: 'Drums', bars: server.limits.maxCaptureBars + 1 }), (e: CallError) => e.code === 'PROTO_LIMIT_EXCEEDED' && e.details?.limit === 'maxCaptureBars');
    assert.equal(plugin.requests.length, before);
  });

  test('an unknown track fails with SERVER_NO_SUCH_TRACK', async () => {
    await assert.rejects(ui.call('capture', { track: 'Nope', bars: 1 }), (e: CallError) => e.code === 'SERVER_NO_SUCH_TRACK');
  });

  test('upload then audition sends begin, frames and end to the plugin, then play at the next bar', async () => {
    const take = ramp(96000 * 2, 2);
    assert.deepEqual((await ui.upload('tk-a', take)).result, { take: 'tk-a', frames: 192000 });
    const { result } = await ui.call('audition', { track: 'Drums', take: 'tk-a', mode: 'mix', gain: 0.5 });
    assert.deepEqual(result, { track: plugin.identity.instanceId, take: 'tk-a', bar: 9 });
    const begin = plugin.requests.findLast((m) => m.type === 'take.begin')!;
    assert.equal(begin.type === 'take.begin' && begin.frames, 192000);
    const play = plugin.requests.at(-1)!;
    assert.ok(play.type === 'play' && play.mode === 'mix' && play.gain === 0.5 && play.at === 'next' && play.loop === true);
    const held = plugin.takes.get(play.take)!.audio!;
    assert.deepEqual(held.channels.map((c) => Array.from(c.subarray(0, 50))), take.channels.map((c) => Array.from(c.subarray(0, 50))));
    assert.deepEqual(Array.from(held.channels[1]!.subarray(191990)), Array.from(take.channels[1]!.subarray(191990)));
    const st = (await ui.event('status', (d) => (d as { status: { state: string } }).status.state === 'armed')) as { status: { take: number } };
    assert.equal(st.status.take, play.take);
  });

  test('auditioning the same take again does not upload it again; switching to another take at bar K does', async () => {
    const begins = () => plugin.requests.filter((m) => m.type === 'take.begin').length;
    const n = begins();
    await ui.call('audition', { track: 'Drums', take: 'tk-a' });
    assert.equal(begins(), n);
    await ui.upload('tk-b', ramp(1000, 1));
    const { result } = await ui.call('audition', { track: 'Drums', take: 'tk-b', at: 'bar', bar: 12, mode: 'replace' });
    assert.deepEqual(result, { track: plugin.identity.instanceId, take: 'tk-b', bar: 12 });
    assert.equal(begins(), n + 1);
  });

  test('a take uploaded again under the same key is uploaded to the plugin again', async () => {
    const begins = () => plugin.requests.filter((m) => m.type === 'take.begin').length;
    const n = begins();
    await ui.upload('tk-b', ramp(1200, 1));
    await ui.call('audition', { track: 'Drums', take: 'tk-b' });
    assert.equal(begins(), n + 1);
  });

  test('a stereo take for a mono plugin is mixed down; a take at another rate fails with TAKE_FORMAT', async () => {
    const mono = await TestPlugin.connect({ ...opts(), identity: { trackName: 'Mono', channels: 1 } });
    const s = server.sessions.find('Mono');
    await s.uploadTake('st', { sampleRate: 48000, channels: [new Float32Array([1, 0.5]), new Float32Array([0, 0.5])] });
    const held = [...mono.takes.values()][0]!.audio!;
    assert.deepEqual(Array.from(held.channels[0]!), [0.5, 0.5]);
    await assert.rejects(s.uploadTake('hz', ramp(10, 1, 44100)), (e: StylebridgeError) => e.code === 'TAKE_FORMAT');
    await mono.close();
  });

  test('beyond maxTakesPerPlugin the least recently used take is dropped from the plugin first', async () => {
    const p = await TestPlugin.connect({ ...opts(), identity: { trackName: 'Keys' } });
    const s = server.sessions.find('Keys');
    for (const k of ['k1', 'k2', 'k3']) await s.uploadTake(k, ramp(100, 2));
    await s.play({ take: 'k1' });
    await s.uploadTake('k4', ramp(100, 2));
    assert.deepEqual(s.takes.sort(), ['k1', 'k3', 'k4']);
    assert.equal(p.takes.size, 3);
    assert.ok(p.requests.some((m) => m.type === 'take.drop'));
    await p.close();
  });

  test('stop is forwarded at the next bar, now, or bar K', async () => {
    assert.deepEqual((await ui.call('stop', { track: 'Drums' })).result, { track: plugin.identity.instanceId, bar: 9 });
    assert.deepEqual((await ui.call('stop', { track: 'Drums', at: 'now' })).result, { track: plugin.identity.instanceId });
    assert.deepEqual((await ui.call('stop', { track: 'Drums', at: 'bar', bar: 20 })).result, { track: plugin.identity.instanceId, bar: 20 });
    const st = plugin.requests.at(-1)!;
    assert.ok(st.type === 'stop' && st.at === 'bar' && st.bar === 20);
  });

  test('play of a take the plugin does not hold fails with SERVER_NO_SUCH_TAKE', async () => {
    await assert.rejects(ui.call('audition', { track: 'Drums', take: 'never-uploaded' }), (e: CallError) => e.code === 'SERVER_NO_SUCH_TAKE');
  });

  test('a plugin that does not answer fails the request with PROTO_TIMEOUT and stays connected', async () => {
    const p = await TestPlugin.connect({ ...opts(), identity: { trackName: 'Sleepy' }, silent: true });
    await assert.rejects(ui.call('capture', { track: 'Sleepy', bars: 1 }), (e: CallError) => e.code === 'PROTO_TIMEOUT');
    assert.equal(p.ws.readyState, p.ws.OPEN);
    p.silent = false;
    const { audio } = await ui.call('capture', { track: 'Sleepy', bars: 1 });
    assert.equal(audio!.channels[0]!.length, 96000);
    await p.close();
  });

  test('a plugin that disconnects during a request fails it with SERVER_PLUGIN_GONE', async () => {
    const p = await TestPlugin.connect({ ...opts(), identity: { trackName: 'Leaving' }, silent: true });
    const call = ui.call('capture', { track: 'Leaving', bars: 1 });
    while (!p.requests.some((m) => m.type === 'capture')) await new Promise((r) => setTimeout(r, 5));
    p.ws.terminate();
    await assert.rejects(call, (e: CallError) => e.code === 'SERVER_PLUGIN_GONE');
  });

  test('methods registered by other parts are callable with validated params, and broadcast reaches UIs', async () => {
    server.api.register('test.echo', Type.Object({ n: Type.Integer({ minimum: 0 }) }), (p, ctx) => ({ n: p.n, session: ctx.session }));
    server.api.register('test.tone', Type.Object({}), () => withAudio({ frames: 3, sampleRate: 48000, channels: 1 }, { sampleRate: 48000, channels: [new Float32Array([0.25, 0.5, 0.75])] }));
    assert.deepEqual((await ui.call('test.echo', { n: 3 })).result, { n: 3, session: ui.welcome!.session });
    await assert.rejects(ui.call('test.echo', { n: -1 }), (e: CallError) => e.code === 'PROTO_INVALID_MESSAGE');
    await assert.rejects(ui.call('test.nothing'), (e: CallError) => e.code === 'SERVER_UNKNOWN_METHOD');
    const { audio } = await ui.call('test.tone', {}, { expectAudio: true });
    assert.deepEqual(Array.from(audio!.channels[0]!), [0.25, 0.5, 0.75]);
    server.broadcast('job.progress', { job: 'j1', fraction: 0.5 });
    assert.deepEqual(await ui.event('job.progress'), { job: 'j1', fraction: 0.5 });
  });

  test('server.info reports version, protocol, limits and methods', async () => {
    const { result } = await ui.call('server.info');
    const r = result as { protocol: { major: number }; limits: Record<string, number>; methods: string[] };
    assert.equal(r.protocol.major, 1);
    assert.equal(r.limits.maxTakesPerPlugin, 3);
    for (const m of ['tracks.list', 'capture', 'takes.upload', 'audition', 'stop']) assert.ok(r.methods.includes(m), m);
  });
});
