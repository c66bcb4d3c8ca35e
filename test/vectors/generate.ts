// Writes the protocol test vectors (byte files and the JSON they decode to) from docs/protocol.md, independently of the codec.
// Run: node --import tsx test/vectors/generate.ts   (the output is committed; the codec is tested against it)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('.', import.meta.url).pathname;

interface Header {
  magic?: string; headerVersion?: number; headerSize?: number; kind: number; flags: number; reserved10?: number; id: number;
  sampleRate: number; channels: number; reserved22?: number; frameOffset: number; frameCount: number; totalFrames: number; reserved36?: number;
}

/** Lays out a frame byte by byte, following the offset table of docs/protocol.md section 6. */
function frameBytes(h: Header, samples: number[][]): Buffer {
  const n = samples.reduce((a, ch) => a + ch.length, 0);
  const b = Buffer.alloc(40 + 4 * n);
  b.write(h.magic ?? 'SBAF', 0, 'latin1');
  b.writeUInt16LE(h.headerVersion ?? 1, 4);
  b.writeUInt16LE(h.headerSize ?? 40, 6);
  b.writeUInt8(h.kind, 8);
  b.writeUInt8(h.flags, 9);
  b.writeUInt16LE(h.reserved10 ?? 0, 10);
  b.writeUInt32LE(h.id, 12);
  b.writeUInt32LE(h.sampleRate, 16);
  b.writeUInt16LE(h.channels, 20);
  b.writeUInt16LE(h.reserved22 ?? 0, 22);
  b.writeUInt32LE(h.frameOffset, 24);
  b.writeUInt32LE(h.frameCount, 28);
  b.writeUInt32LE(h.totalFrames, 32);
  b.writeUInt32LE(h.reserved36 ?? 0, 36);
  let at = 40;
  for (const ch of samples) for (const s of ch) { b.writeFloatLE(s, at); at += 4; }
  return b;
}

const index = {
  description: 'Protocol v1 test vectors. See README.md. Paths are relative to this file.',
  protocol: { major: 1, minor: 1 },
  limits: { maxChannels: 8, maxCaptureBars: 32, maxGain: 4, maxTransferFrames: 4194304, maxTransferBytes: 67108864 },
  frames: [] as unknown[],
  invalidFrames: [] as unknown[],
  messages: [] as unknown[],
  invalidMessages: [] as unknown[],
};

rmSync(join(root, 'frames'), { recursive: true, force: true });
rmSync(join(root, 'messages'), { recursive: true, force: true });
mkdirSync(join(root, 'frames', 'invalid'), { recursive: true });
mkdirSync(join(root, 'messages', 'invalid'), { recursive: true });

/** A valid frame. roundTrip: encoding the JSON gives exactly these bytes (false when decoding normalises something). */
function validFrame(name: string, h: Header, samples: number[][], decoded: number[][] = samples, roundTrip = true, note?: string) {
  writeFileSync(join(root, 'frames', `${name}.bin`), frameBytes(h, samples));
  const header = { kind: h.kind, flags: h.flags, id: h.id, sampleRate: h.sampleRate, channels: h.channels, frameOffset: h.frameOffset, frameCount: h.frameCount, totalFrames: h.totalFrames };
  writeFileSync(join(root, 'frames', `${name}.json`), JSON.stringify({ header, samples: decoded }, null, 1) + '\n');
  index.frames.push({ name, bin: `frames/${name}.bin`, json: `frames/${name}.json`, roundTrip, ...(note ? { note } : {}) });
}

function invalidFrame(name: string, bytes: Buffer, error: string, why: string) {
  writeFileSync(join(root, 'frames', 'invalid', `${name}.bin`), bytes);
  index.invalidFrames.push({ name, bin: `frames/invalid/${name}.bin`, error, why });
}

// ----- valid frames ----------------------------------------------------------------------------------
validFrame('capture-stereo-4', { kind: 1, flags: 1, id: 7, sampleRate: 48000, channels: 2, frameOffset: 0, frameCount: 4, totalFrames: 4 },
  [[0, 0.5, -0.5, 1], [-1, 0.25, -0.25, 0.125]]);
validFrame('take-mono-chunk0', { kind: 2, flags: 0, id: 3, sampleRate: 44100, channels: 1, frameOffset: 0, frameCount: 3, totalFrames: 5 },
  [[0.125, 0.25, 0.375]], undefined, true, 'first chunk of a 5-frame take: flag "last" clear');
validFrame('take-mono-chunk1', { kind: 2, flags: 1, id: 3, sampleRate: 44100, channels: 1, frameOffset: 3, frameCount: 2, totalFrames: 5 },
  [[-0.0625, 0.75]], undefined, true, 'second and last chunk of the same take');
validFrame('capture-8ch-max-id', { kind: 1, flags: 1, id: 4294967295, sampleRate: 192000, channels: 8, frameOffset: 0, frameCount: 1, totalFrames: 1 },
  [[0.5], [-0.5], [0.25], [-0.25], [1], [-1], [0], [0.0009765625]], undefined, true, '8 channels, id 2^32-1, 192 kHz');
validFrame('capture-non-finite', { kind: 1, flags: 1, id: 9, sampleRate: 48000, channels: 1, frameOffset: 0, frameCount: 4, totalFrames: 4 },
  [[NaN, Infinity, -Infinity, 0.5]], [[0, 0, 0, 0.5]], false, 'NaN and infinities decode as 0');
validFrame('capture-reserved-set', { kind: 1, flags: 1, id: 1, sampleRate: 22050, channels: 1, frameOffset: 0, frameCount: 2, totalFrames: 2, reserved10: 0xbeef, reserved22: 7, reserved36: 0xffffffff },
  [[0.25, -0.25]], undefined, false, 'reserved fields are ignored on reading (and written as 0)');
{
  // Little-endian check: 1.0f is 00 00 80 3f on the wire.
  const h = { kind: 1, flags: 1, id: 258, sampleRate: 96000, channels: 2, frameOffset: 0, frameCount: 2, totalFrames: 2 };
  validFrame('capture-stereo-le-check', h, [[1, -2], [3.5, -0.75]], undefined, true, 'id 258 = 02 01 00 00; 1.0 = 00 00 80 3f');
}

// ----- invalid frames --------------------------------------------------------------------------------
const ok1 = (over: Partial<Header> = {}, samples: number[][] = [[0.5, 0.25]]) =>
  frameBytes({ kind: 1, flags: 1, id: 5, sampleRate: 48000, channels: 1, frameOffset: 0, frameCount: 2, totalFrames: 2, ...over }, samples);
invalidFrame('empty', Buffer.alloc(0), 'PROTO_BAD_FRAME', 'zero bytes');
invalidFrame('short-header', ok1().subarray(0, 39), 'PROTO_BAD_FRAME', '39 bytes: shorter than the header');
invalidFrame('bad-magic', ok1({ magic: 'SBAX' }), 'PROTO_BAD_FRAME', 'magic is not SBAF');
invalidFrame('bad-header-version', ok1({ headerVersion: 2 }), 'PROTO_BAD_FRAME', 'headerVersion 2');
invalidFrame('bad-header-size', ok1({ headerSize: 48 }), 'PROTO_BAD_FRAME', 'headerSize 48');
invalidFrame('bad-kind', ok1({ kind: 3 }), 'PROTO_BAD_FRAME', 'kind 3 is not defined');
invalidFrame('zero-channels', ok1({ channels: 0 }, []), 'PROTO_BAD_FRAME', 'channels 0');
invalidFrame('too-many-channels', ok1({ channels: 9, frameCount: 1, totalFrames: 1 }, Array.from({ length: 9 }, () => [0])), 'PROTO_BAD_FRAME', '9 channels, over maxChannels 8');
invalidFrame('zero-frame-count', ok1({ frameCount: 0, totalFrames: 0 }, [[]]), 'PROTO_BAD_FRAME', 'frameCount 0');
invalidFrame('beyond-total', ok1({ frameOffset: 1, frameCount: 2, totalFrames: 2 }), 'PROTO_BAD_FRAME', 'frameOffset + frameCount > totalFrames');
invalidFrame('truncated-payload', ok1().subarray(0, 40 + 4), 'PROTO_BAD_FRAME', 'header announces 2 frames, 1 present');
invalidFrame('truncated-mid-sample', ok1().subarray(0, 40 + 6), 'PROTO_BAD_FRAME', 'payload ends inside a sample');
invalidFrame('extra-bytes', Buffer.concat([ok1(), Buffer.alloc(4)]), 'PROTO_BAD_FRAME', '4 bytes more than announced');
invalidFrame('last-flag-missing', ok1({ flags: 0 }), 'PROTO_BAD_FRAME', 'chunk ends the transfer but flag "last" is clear');
invalidFrame('last-flag-early', ok1({ flags: 1, totalFrames: 4 }), 'PROTO_BAD_FRAME', 'flag "last" set on a chunk that does not end the transfer');

// ----- valid messages --------------------------------------------------------------------------------
const limits = {
  maxTextMessageBytes: 65536, maxBinaryMessageBytes: 1048576, maxChannels: 8, maxTransferFrames: 4194304, maxTransferBytes: 67108864,
  maxCaptureBars: 32, maxGain: 4, transportRateHz: 30, transportBurst: 15, messageRateHz: 200, messageBurst: 400, floodCloseDrops: 2000,
  floodWindowMs: 10000, maxPluginConnections: 64, maxUiConnections: 16, helloTimeoutMs: 5000, maxTakesPerPlugin: 16,
  requestTimeoutMs: 10000, maxPendingRequests: 64, pingIntervalMs: 15000, uiTransportHz: 10, maxBufferedBytes: 16777216, maxHostTakes: 64,
};
const identity = { host: 'Ardour', hostVersion: '7.3', format: 'lv2', trackName: 'Drums', instanceId: '5f1c9a0e7b2d4c11', sampleRate: 48000, channels: 2, latency: 0, historyFrames: 1920000 };
const transport = { type: 'transport', playing: true, bpm: 120, meterNum: 4, meterDen: 4, bar: 12, beat: 1.5, ppq: 49.5, barStartPpq: 48, sample: 1188000 };

function message(name: string, sender: string, role: string, m: unknown) {
  writeFileSync(join(root, 'messages', `${name}.json`), JSON.stringify(m) + '\n');
  index.messages.push({ name, file: `messages/${name}.json`, sender, role });
}
message('hello-plugin', 'plugin', 'plugin', { type: 'hello', protocol: { major: 1, minor: 1 }, role: 'plugin', client: { name: 'stylebridge-plugin', version: '0.1.0' }, identity });
message('hello-plugin-newer-minor', 'plugin', 'plugin', { type: 'hello', protocol: { major: 1, minor: 7 }, role: 'plugin', client: { name: 'stylebridge-plugin', version: '0.9.0' }, identity: { ...identity, format: 'clap', hostVersion: undefined, historyFrames: undefined, futureField: 'ignored' } });
message('hello-ui', 'ui', 'ui', { type: 'hello', protocol: { major: 1, minor: 0 }, role: 'ui', client: { name: 'stylebridge-cli', version: '0.1.0' } });
message('welcome-plugin', 'host', 'plugin', { type: 'welcome', protocol: { major: 1, minor: 1 }, session: 'p-3', instanceId: '5f1c9a0e7b2d4c11', server: { name: 'stylebridge', version: '0.1.0' }, limits });
message('welcome-ui', 'host', 'ui', { type: 'welcome', protocol: { major: 1, minor: 0 }, session: 'u-1', server: { name: 'stylebridge', version: '0.1.0' }, limits });
message('identity', 'plugin', 'plugin', { type: 'identity', identity: { ...identity, trackName: 'Drums 2', latency: 64 } });
message('transport-playing', 'plugin', 'plugin', transport);
message('transport-stopped-7-8', 'plugin', 'plugin', { type: 'transport', playing: false, bpm: 97.5, meterNum: 7, meterDen: 8, bar: 0, beat: 0, ppq: 0, barStartPpq: 0, sample: 0 });
message('status-playing', 'plugin', 'plugin', { type: 'status', state: 'playing', take: 3, bar: 16, takes: 2, drops: 0, underruns: 1 });
message('status-idle', 'plugin', 'plugin', { type: 'status', state: 'idle', take: 0, takes: 0, drops: 0, underruns: 0 });
message('capture-bar', 'host', 'plugin', { type: 'capture', id: 7, at: 'bar', bar: 12, bars: 1 });
message('capture-last', 'host', 'plugin', { type: 'capture', id: 8, at: 'last', bars: 2 });
message('captured', 'plugin', 'plugin', { type: 'captured', id: 7, bar: 12, bars: 1, startSample: 1152000, frames: 96000, sampleRate: 48000, channels: 2, bpm: 120, meterNum: 4, meterDen: 4 });
message('take-begin', 'host', 'plugin', { type: 'take.begin', id: 9, take: 3, frames: 96000, sampleRate: 48000, channels: 2, name: 'tk-1' });
message('take-end', 'host', 'plugin', { type: 'take.end', id: 10, take: 3 });
message('take-drop', 'host', 'plugin', { type: 'take.drop', id: 11, take: 3 });
message('ok', 'plugin', 'plugin', { type: 'ok', id: 9 });
message('ok-with-bar', 'plugin', 'plugin', { type: 'ok', id: 12, bar: 17 });
// 1.1: the plugin asks for a capture of bars it has heard (its Capture parameter).
message('capture-request', 'plugin', 'plugin', { type: 'capture.request', bar: 12, bars: 1 });
message('play-next-replace', 'host', 'plugin', { type: 'play', id: 12, take: 3, at: 'next', mode: 'replace', gain: 1, loop: true });
message('play-bar-mix', 'host', 'plugin', { type: 'play', id: 13, take: 4, at: 'bar', bar: 20, mode: 'mix', gain: 0.5 });
message('stop-now', 'host', 'plugin', { type: 'stop', id: 14, at: 'now' });
message('stop-bar', 'host', 'plugin', { type: 'stop', id: 15, at: 'bar', bar: 24 });
message('error-capture-not-heard', 'plugin', 'plugin', { type: 'error', id: 7, code: 'CAPTURE_NOT_HEARD', message: 'Bar 12 was not played since the plugin loaded.', fatal: false, details: { bar: 12 } });
message('error-from-host-no-id', 'host', 'plugin', { type: 'error', code: 'PROTO_UNKNOWN_TYPE', message: 'Unknown message type "teleport".', fatal: false, details: { type: 'teleport' } });
message('call-tracks-list', 'ui', 'ui', { type: 'call', id: 1, method: 'tracks.list', params: {} });
message('call-capture', 'ui', 'ui', { type: 'call', id: 2, method: 'capture', params: { track: 'Drums', at: 'last', bars: 1 } });
message('result', 'host', 'ui', { type: 'result', id: 1, result: { tracks: [] } });
message('event-transport', 'host', 'ui', { type: 'event', event: 'transport', data: { track: '5f1c9a0e7b2d4c11', transport: { ...transport, type: undefined } } });

// ----- invalid messages ------------------------------------------------------------------------------
function invalid(name: string, sender: string, role: string, text: string, error: string, stage: 'parse' | 'limits' | 'negotiate', why: string) {
  writeFileSync(join(root, 'messages', 'invalid', `${name}.txt`), text);
  index.invalidMessages.push({ name, file: `messages/invalid/${name}.txt`, sender, role, error, stage, why });
}
const j = (m: unknown) => JSON.stringify(m);
invalid('not-json', 'plugin', 'plugin', '{"type":"transport",', 'PROTO_BAD_JSON', 'parse', 'truncated JSON');
invalid('json-array', 'plugin', 'plugin', '[1,2,3]', 'PROTO_BAD_JSON', 'parse', 'not an object');
invalid('no-type', 'plugin', 'plugin', '{"id":3}', 'PROTO_BAD_JSON', 'parse', 'no "type"');
invalid('type-not-string', 'plugin', 'plugin', '{"type":5}', 'PROTO_BAD_JSON', 'parse', '"type" is a number');
invalid('unknown-type', 'plugin', 'plugin', j({ type: 'teleport', id: 5 }), 'PROTO_UNKNOWN_TYPE', 'parse', 'type not in v1');
invalid('transport-missing-bpm', 'plugin', 'plugin', j({ ...transport, bpm: undefined }), 'PROTO_INVALID_MESSAGE', 'parse', 'bpm missing');
invalid('transport-bpm-too-low', 'plugin', 'plugin', j({ ...transport, bpm: 19.9 }), 'PROTO_INVALID_MESSAGE', 'parse', 'bpm under 20');
invalid('transport-meter-den-3', 'plugin', 'plugin', j({ ...transport, meterDen: 3 }), 'PROTO_INVALID_MESSAGE', 'parse', 'denominator not a power of two');
invalid('transport-bar-string', 'plugin', 'plugin', j({ ...transport, bar: '12' }), 'PROTO_INVALID_MESSAGE', 'parse', 'bar is a string');
invalid('transport-negative-sample', 'plugin', 'plugin', j({ ...transport, sample: -1 }), 'PROTO_INVALID_MESSAGE', 'parse', 'negative sample');
invalid('hello-plugin-no-identity', 'plugin', 'plugin', j({ type: 'hello', protocol: { major: 1, minor: 0 }, role: 'plugin', client: { name: 'x', version: '1' } }), 'PROTO_INVALID_MESSAGE', 'parse', 'plugin hello without identity');
invalid('hello-bad-format', 'plugin', 'plugin', j({ type: 'hello', protocol: { major: 1, minor: 0 }, role: 'plugin', client: { name: 'x', version: '1' }, identity: { ...identity, format: 'dx' } }), 'PROTO_INVALID_MESSAGE', 'parse', 'format not one of vst3, clap, lv2, au, test');
invalid('identity-bad-instance-id', 'plugin', 'plugin', j({ type: 'identity', identity: { ...identity, instanceId: 'has space' } }), 'PROTO_INVALID_MESSAGE', 'parse', 'instanceId outside [A-Za-z0-9_-]');
invalid('capture-at-bar-without-bar', 'host', 'plugin', j({ type: 'capture', id: 7, at: 'bar', bars: 1 }), 'PROTO_INVALID_MESSAGE', 'parse', 'at "bar" needs bar');
invalid('capture-zero-bars', 'host', 'plugin', j({ type: 'capture', id: 7, at: 'last', bars: 0 }), 'PROTO_INVALID_MESSAGE', 'parse', 'bars 0');
invalid('capture-id-zero', 'host', 'plugin', j({ type: 'capture', id: 0, at: 'last', bars: 1 }), 'PROTO_INVALID_MESSAGE', 'parse', 'request ids start at 1');
invalid('play-bad-mode', 'host', 'plugin', j({ type: 'play', id: 12, take: 3, at: 'next', mode: 'overdub', gain: 1 }), 'PROTO_INVALID_MESSAGE', 'parse', 'mode not replace or mix');
invalid('play-take-zero', 'host', 'plugin', j({ type: 'play', id: 12, take: 0, at: 'next', mode: 'mix', gain: 1 }), 'PROTO_INVALID_MESSAGE', 'parse', 'take numbers start at 1');
invalid('stop-bad-at', 'host', 'plugin', j({ type: 'stop', id: 14, at: 'later' }), 'PROTO_INVALID_MESSAGE', 'parse', 'at not now, next or bar');
invalid('capture-from-plugin', 'plugin', 'plugin', j({ type: 'capture', id: 7, at: 'last', bars: 1 }), 'PROTO_WRONG_ROLE', 'parse', 'only the host sends capture');
invalid('transport-on-ui', 'ui', 'ui', j(transport), 'PROTO_WRONG_ROLE', 'parse', 'a UI does not send transport');
invalid('call-from-plugin', 'plugin', 'plugin', j({ type: 'call', id: 1, method: 'tracks.list' }), 'PROTO_WRONG_ROLE', 'parse', 'only UIs call methods');
invalid('capture-request-zero-bars', 'plugin', 'plugin', j({ type: 'capture.request', bar: 12, bars: 0 }), 'PROTO_INVALID_MESSAGE', 'parse', 'bars 0');
invalid('capture-request-no-bar', 'plugin', 'plugin', j({ type: 'capture.request', bars: 1 }), 'PROTO_INVALID_MESSAGE', 'parse', 'bar missing');
invalid('capture-request-from-host', 'host', 'plugin', j({ type: 'capture.request', bar: 12, bars: 1 }), 'PROTO_WRONG_ROLE', 'parse', 'only a plugin sends capture.request');
invalid('capture-request-33-bars', 'plugin', 'plugin', j({ type: 'capture.request', bar: 12, bars: 33 }), 'PROTO_LIMIT_EXCEEDED', 'limits', 'over maxCaptureBars 32');
invalid('capture-33-bars', 'host', 'plugin', j({ type: 'capture', id: 7, at: 'last', bars: 33 }), 'PROTO_LIMIT_EXCEEDED', 'limits', 'over maxCaptureBars 32');
invalid('take-begin-9-channels', 'host', 'plugin', j({ type: 'take.begin', id: 9, take: 3, frames: 100, sampleRate: 48000, channels: 9 }), 'PROTO_LIMIT_EXCEEDED', 'limits', 'over maxChannels 8');
invalid('take-begin-too-many-frames', 'host', 'plugin', j({ type: 'take.begin', id: 9, take: 3, frames: 4194305, sampleRate: 48000, channels: 1 }), 'PROTO_LIMIT_EXCEEDED', 'limits', 'over maxTransferFrames');
invalid('take-begin-too-many-bytes', 'host', 'plugin', j({ type: 'take.begin', id: 9, take: 3, frames: 4194304, sampleRate: 48000, channels: 8 }), 'PROTO_LIMIT_EXCEEDED', 'limits', 'over maxTransferBytes (128 MiB)');
invalid('play-gain-5', 'host', 'plugin', j({ type: 'play', id: 12, take: 3, at: 'next', mode: 'mix', gain: 5 }), 'PROTO_LIMIT_EXCEEDED', 'limits', 'over maxGain 4');
invalid('hello-major-2', 'plugin', 'plugin', j({ type: 'hello', protocol: { major: 2, minor: 0 }, role: 'plugin', client: { name: 'x', version: '2' }, identity }), 'PROTO_UNSUPPORTED_VERSION', 'negotiate', 'major 2 is not spoken by a v1 host');

writeFileSync(join(root, 'index.json'), JSON.stringify(index, null, 1) + '\n');
process.stdout.write(`wrote ${index.frames.length} frames, ${index.invalidFrames.length} invalid frames, ${index.messages.length} messages, ${index.invalidMessages.length} invalid messages\n`);
