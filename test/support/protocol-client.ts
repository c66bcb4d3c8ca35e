// A protocol v1 peer for tests and benchmarks, written from docs/protocol.md: plays a plugin (answering capture,
// takes, play, stop from a synthetic timeline) or a UI (calls, uploads, events). Everything the host sends is
// checked against the schema; anything invalid is recorded in `violations`.
import WebSocket from 'ws';
import type { AudioBuffer } from '../../src/common/audio-buffer.js';
import { FrameKind, decodeFrame, encodeTransfer, type AudioFrame } from '../../src/common/protocol/frame.js';
import type { ProtocolLimits } from '../../src/common/protocol/limits.js';
import type { AnyMessage, Identity, Role, TransportState, WelcomeMessage } from '../../src/common/protocol/schema.js';
import { TransferAssembler } from '../../src/common/protocol/transfer.js';
import { parseMessage } from '../../src/common/protocol/validate.js';
import { PROTOCOL_VERSION } from '../../src/common/protocol/version.js';
import { TempoMap, type Meter } from '../../src/common/timing.js';

export interface ConnectOptions {
  readonly port: number;
  readonly token?: string;
  /** How the token travels (default header). */
  readonly tokenIn?: 'header' | 'query';
  readonly origin?: string;
  readonly host?: string;
  readonly path?: string;
  /** WebSocket masking key: "random" (RFC 6455 default) or "zero" (allowed on loopback, docs/protocol.md 2). */
  readonly mask?: 'random' | 'zero';
  /** Answer pings (default true); false to play a peer that has hung. */
  readonly autoPong?: boolean;
}

/** Opens a WebSocket; rejects with the HTTP status and body if the host refuses the upgrade. */
export function openSocket(role: Role, o: ConnectOptions): Promise<WebSocket> {
  const q = o.token !== undefined && o.tokenIn === 'query' ? `?token=${encodeURIComponent(o.token)}` : '';
  const headers: Record<string, string> = {};
  if (o.token !== undefined && o.tokenIn !== 'query') headers.authorization = `Bearer ${o.token}`;
  if (o.host) headers.host = o.host;
  const ws = new WebSocket(`ws://127.0.0.1:${o.port}${o.path ?? `/${role}`}${q}`, {
    headers,
    ...(o.origin ? { origin: o.origin } : {}),
    perMessageDeflate: false,
    maxPayload: 64 * 1024 * 1024,
    ...(o.mask === 'zero' ? { generateMask: (m: Buffer) => void m.fill(0) } : {}),
    ...(o.autoPong === false ? { autoPong: false } : {}),
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: body ? JSON.parse(body) : undefined })));
    });
    ws.once('error', reject);
  });
}

type Incoming = { kind: 'json'; message: AnyMessage } | { kind: 'frame'; frame: AudioFrame };

/** A raw protocol peer: queues what arrives, validates it, sends anything (including bad input). */
export class ProtocolClient {
  readonly ws: WebSocket;
  readonly role: Role;
  readonly violations: string[] = [];
  readonly errors: AnyMessage[] = [];
  welcome: WelcomeMessage | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  #queue: Incoming[] = [];
  #waiters: { pred: (m: Incoming) => boolean; resolve: (m: Incoming) => void }[] = [];
  protected onIncoming?: (m: Incoming) => boolean;

  constructor(ws: WebSocket, role: Role) {
    this.ws = ws;
    this.role = role;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data, isBinary) => this.#receive(data as Buffer, isBinary));
    ws.on('error', () => undefined);
  }

  get limits(): ProtocolLimits {
    return this.welcome!.limits as unknown as ProtocolLimits;
  }

  #receive(data: Buffer, isBinary: boolean): void {
    let m: Incoming;
    if (isBinary) {
      const r = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 64);
      if (!r.ok) {
        this.violations.push(`bad frame from host: ${r.fault.message}`);
        return;
      }
      m = { kind: 'frame', frame: r.frame };
    } else {
      const r = parseMessage(data.toString('utf8'), 'host', this.role);
      if (!r.ok) {
        this.violations.push(`invalid message from host: ${r.fault.code} ${r.fault.message}`);
        return;
      }
      m = { kind: 'json', message: r.message };
      if (r.message.type === 'error') this.errors.push(r.message);
    }
    if (this.onIncoming?.(m)) return;
    const w = this.#waiters.findIndex((x) => x.pred(m));
    if (w >= 0) {
      const [waiter] = this.#waiters.splice(w, 1);
      waiter!.resolve(m);
    } else {
      this.#queue.push(m);
    }
  }

  /** The next incoming item matching pred (queued or future). */
  nextIncoming(pred: (m: Incoming) => boolean, timeoutMs = 5000): Promise<Incoming> {
    const i = this.#queue.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.#queue.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = { pred, resolve: (m: Incoming) => { clearTimeout(t); resolve(m); } };
      const t = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a message`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** The next JSON message of `type` (optionally matching pred). */
  async next<T extends AnyMessage['type']>(type: T, pred: (m: Extract<AnyMessage, { type: T }>) => boolean = () => true, timeoutMs = 5000): Promise<Extract<AnyMessage, { type: T }>> {
    const m = await this.nextIncoming((x) => x.kind === 'json' && x.message.type === type && pred(x.message as Extract<AnyMessage, { type: T }>), timeoutMs);
    return (m as unknown as { message: Extract<AnyMessage, { type: T }> }).message;
  }

  send(m: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(m));
  }

  sendRaw(data: string | Uint8Array): void {
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  /** Sends hello and waits for welcome. */
  async hello(extra: Record<string, unknown> = {}, protocol = PROTOCOL_VERSION): Promise<WelcomeMessage> {
    this.send({ type: 'hello', protocol, role: this.role, client: { name: 'stylebridge-test', version: '0.0.0' }, ...extra });
    this.welcome = await this.next('welcome');
    return this.welcome;
  }

  /** Round trip through the host (a WebSocket ping), so everything sent before has been handled. */
  sync(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('pong', () => resolve());
      this.ws.ping();
    });
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close(1000);
    return this.closed;
  }
}

// ----- playing a plugin -------------------------------------------------------------------------

export interface TestPluginOptions extends ConnectOptions {
  readonly identity?: Partial<Identity>;
  readonly bpm?: number;
  readonly meter?: Meter;
  /** Frames of "heard" audio on the timeline (from sample 0). Default: 8 bars. */
  readonly heardFrames?: number;
  /** Do not answer requests (to test timeouts). */
  readonly silent?: boolean;
}

interface HeldTake { frames: number; channels: number; sampleRate: number; assembler: TransferAssembler | undefined; audio: AudioBuffer | undefined }

/**
 * A plugin peer. Its input "history" is a deterministic signal over the timeline: channel c at
 * timeline frame t holds ((t * 7 + c * 13) % 1000) / 1000 - 0.5, so a capture can be checked sample by sample.
 */
export class TestPlugin extends ProtocolClient {
  identity: Identity;
  readonly tempo: TempoMap;
  readonly bpm: number;
  readonly meter: Meter;
  heardFrames: number;
  silent: boolean;
  readonly takes = new Map<number, HeldTake>();
  readonly requests: AnyMessage[] = [];
  playing: { take: number; bar: number } | undefined;
  /** The last answer's audio (a plugin cuts from its ring; recomputing the signal would only measure this client). */
  #lastCapture: { key: string; channels: Float32Array[] } | undefined;

  constructor(ws: WebSocket, o: TestPluginOptions) {
    super(ws, 'plugin');
    this.identity = { host: 'TestHost', format: 'test', trackName: 'Track', instanceId: `t${Math.random().toString(16).slice(2, 14)}`, sampleRate: 48000, channels: 2, latency: 0, ...o.identity };
    this.bpm = o.bpm ?? 120;
    this.meter = o.meter ?? { numerator: 4, denominator: 4 };
    this.tempo = TempoMap.constant(this.bpm, this.meter, this.identity.sampleRate);
    this.heardFrames = o.heardFrames ?? this.tempo.barStartSample(8);
    this.silent = o.silent ?? false;
    this.onIncoming = (m) => this.#answer(m);
  }

  static sample(t: number, c: number): number {
    return Math.fround(((t * 7 + c * 13) % 1000) / 1000 - 0.5);
  }

  /** Connects and says hello. Plugins use the zero masking key unless `mask: 'random'` (docs/protocol.md 2). */
  static async connect(o: TestPluginOptions): Promise<TestPlugin> {
    const p = new TestPlugin(await openSocket('plugin', { mask: 'zero', ...o }), o);
    const w = await p.hello({ identity: p.identity });
    if (w.instanceId) p.identity = { ...p.identity, instanceId: w.instanceId };
    return p;
  }

  /** A transport message at timeline frame `sample`, from the tempo map. */
  transportAt(sample: number, playing = true): TransportState {
    const pos = this.tempo.positionAtSample(sample);
    return { playing, bpm: pos.bpm, meterNum: pos.meter.numerator, meterDen: pos.meter.denominator as TransportState['meterDen'], bar: pos.bar, beat: pos.beat, ppq: pos.ppq, barStartPpq: pos.barStartPpq, sample };
  }

  sendTransport(sample: number, playing = true): void {
    this.send({ type: 'transport', ...this.transportAt(sample, playing) });
  }

  #reply(m: Record<string, unknown>): void {
    if (!this.silent) this.send(m);
  }

  #answer(m: Incoming): boolean {
    if (m.kind === 'frame') {
      const t = this.takes.get(m.frame.id);
      if (m.frame.kind !== FrameKind.take || !t?.assembler) return false;
      const fault = t.assembler.add(m.frame);
      if (fault) this.violations.push(`take frame: ${fault.message}`);
      return true;
    }
    const msg = m.message;
    switch (msg.type) {
      case 'capture': {
        this.requests.push(msg);
        const ch = this.identity.channels;
        let first: number;
        if (msg.at === 'bar') {
          first = msg.bar!;
        } else {
          const lastComplete = this.tempo.positionAtSample(this.heardFrames).bar; // bars before this are complete
          first = lastComplete - msg.bars;
        }
        const start = first >= 0 ? this.tempo.barStartSample(first) : -1;
        const end = first >= 0 ? this.tempo.barStartSample(first + msg.bars) : -1;
        if (first < 0 || end > this.heardFrames) {
          this.#reply({ type: 'error', id: msg.id, code: 'CAPTURE_NOT_HEARD', message: `Bars ${first}..${first + msg.bars - 1} were not heard.`, fatal: false, details: { bar: first } });
          return true;
        }
        const frames = end - start;
        const key = `${start}:${frames}:${ch}`;
        if (this.#lastCapture?.key !== key) {
          const fresh = Array.from({ length: ch }, (_, c) => {
            const a = new Float32Array(frames);
            for (let i = 0; i < frames; i++) a[i] = TestPlugin.sample(start + i, c);
            return a;
          });
          this.#lastCapture = { key, channels: fresh };
        }
        const channels = this.#lastCapture.channels;
        const pos = this.tempo.positionAtSample(start);
        this.#reply({ type: 'captured', id: msg.id, bar: first, bars: msg.bars, startSample: start, frames, sampleRate: this.identity.sampleRate, channels: ch, bpm: pos.bpm, meterNum: pos.meter.numerator, meterDen: pos.meter.denominator });
        if (!this.silent) for (const b of encodeTransfer(FrameKind.capture, msg.id, { sampleRate: this.identity.sampleRate, channels }, this.limits.maxBinaryMessageBytes)) this.sendRaw(b);
        return true;
      }
      case 'take.begin':
        this.requests.push(msg);
        this.takes.set(msg.take, { frames: msg.frames, channels: msg.channels, sampleRate: msg.sampleRate, assembler: new TransferAssembler({ kind: FrameKind.take, id: msg.take, sampleRate: msg.sampleRate, channels: msg.channels, frames: msg.frames }), audio: undefined });
        this.#reply({ type: 'ok', id: msg.id });
        return true;
      case 'take.end': {
        this.requests.push(msg);
        const t = this.takes.get(msg.take);
        if (!t?.assembler?.complete) {
          this.takes.delete(msg.take);
          this.#reply({ type: 'error', id: msg.id, code: 'TAKE_INCOMPLETE', message: 'Not all frames arrived.', fatal: false });
          return true;
        }
        t.audio = t.assembler.audio();
        t.assembler = undefined;
        this.#reply({ type: 'ok', id: msg.id });
        return true;
      }
      case 'take.drop':
        this.requests.push(msg);
        if (!this.takes.delete(msg.take)) this.#reply({ type: 'error', id: msg.id, code: 'TAKE_UNKNOWN', message: 'No such take.', fatal: false });
        else this.#reply({ type: 'ok', id: msg.id });
        return true;
      case 'play': {
        this.requests.push(msg);
        if (!this.takes.get(msg.take)?.audio) {
          this.#reply({ type: 'error', id: msg.id, code: 'TAKE_UNKNOWN', message: 'No such take.', fatal: false });
          return true;
        }
        const bar = msg.at === 'bar' ? msg.bar! : this.tempo.positionAtSample(this.heardFrames).bar + 1;
        this.playing = { take: msg.take, bar };
        this.#reply({ type: 'ok', id: msg.id, bar });
        this.#reply({ type: 'status', state: 'armed', take: msg.take, bar, takes: this.takes.size, drops: 0, underruns: 0 });
        return true;
      }
      case 'stop': {
        this.requests.push(msg);
        const bar = msg.at === 'bar' ? msg.bar! : this.tempo.positionAtSample(this.heardFrames).bar + 1;
        this.playing = undefined;
        this.#reply({ type: 'ok', id: msg.id, ...(msg.at === 'now' ? {} : { bar }) });
        this.#reply({ type: 'status', state: 'idle', take: 0, takes: this.takes.size, drops: 0, underruns: 0 });
        return true;
      }
      default:
        return false;
    }
  }
}

// ----- playing a UI -----------------------------------------------------------------------------

export interface CallResult {
  readonly result: unknown;
  readonly audio?: AudioBuffer;
}

export class CallError extends Error {
  constructor(readonly code: string, message: string, readonly details?: Record<string, unknown>) {
    super(`${code}: ${message}`);
  }
}

export class TestUi extends ProtocolClient {
  #nextId = 1;

  static async connect(o: ConnectOptions): Promise<TestUi> {
    const u = new TestUi(await openSocket('ui', o), 'ui');
    await u.hello();
    return u;
  }

  /** Calls a method; with expectAudio (default for "capture") also collects the audio frames that follow the result. */
  async call(method: string, params: Record<string, unknown> = {}, o: { expectAudio?: boolean; audio?: AudioBuffer; timeoutMs?: number } = {}): Promise<CallResult> {
    const id = this.#nextId++;
    this.send({ type: 'call', id, method, params });
    if (o.audio) for (const b of encodeTransfer(FrameKind.take, id, o.audio, this.limits.maxBinaryMessageBytes)) this.sendRaw(b);
    const reply = await this.nextIncoming((m) => m.kind === 'json' && (m.message.type === 'result' || m.message.type === 'error') && 'id' in m.message && m.message.id === id, o.timeoutMs ?? 15000);
    const msg = (reply as { message: AnyMessage }).message;
    if (msg.type === 'error') throw new CallError(msg.code, msg.message, msg.details);
    if (msg.type !== 'result') throw new Error('unreachable');
    if (!(o.expectAudio ?? method === 'capture')) return { result: msg.result };
    const r = msg.result as { frames: number; sampleRate: number; channels: number };
    const asm = new TransferAssembler({ kind: FrameKind.capture, id, sampleRate: r.sampleRate, channels: r.channels, frames: r.frames });
    while (!asm.complete) {
      const f = await this.nextIncoming((m) => m.kind === 'frame' && m.frame.id === id && m.frame.kind === FrameKind.capture, o.timeoutMs ?? 15000);
      const fault = asm.add((f as { frame: AudioFrame }).frame);
      if (fault) throw new Error(fault.message);
    }
    return { result: msg.result, audio: asm.audio() };
  }

  /** Uploads take audio to the host under `key` (takes.upload). */
  upload(key: string, audio: AudioBuffer): Promise<CallResult> {
    return this.call('takes.upload', { take: key, frames: audio.channels[0]!.length, sampleRate: audio.sampleRate, channels: audio.channels.length }, { audio });
  }

  /** The next pushed event of that name. */
  async event(name: string, pred: (data: unknown) => boolean = () => true, timeoutMs = 5000): Promise<unknown> {
    const m = await this.next('event', (e) => e.event === name && pred(e.data), timeoutMs);
    return m.data;
  }
}
