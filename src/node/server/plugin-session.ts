// One connected plugin instance: identity, latest transport and status, and the requests the host sends it.
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { FrameKind, encodeTransfer, type AudioFrame } from '../../common/protocol/frame.js';
import type { AnyMessage, CapturedMessage, HelloMessage, Identity, PlaybackStatus, TransportState } from '../../common/protocol/schema.js';
import { TransferAssembler } from '../../common/protocol/transfer.js';
import type { ProtocolFault } from '../../common/protocol/validate.js';
import { Connection, errorFromPeer, type ConnectionContext } from './connection.js';
import { TokenBucket } from './rate-limit.js';

export interface CaptureRequest {
  /** "bar": bars `bar`..`bar + bars - 1`; "last": the last `bars` complete bars. */
  readonly at: 'bar' | 'last';
  readonly bar?: number;
  readonly bars: number;
}

export type CaptureInfo = Omit<CapturedMessage, 'type' | 'id'>;

export interface CaptureResult {
  readonly info: CaptureInfo;
  readonly audio: AudioBuffer;
}

export interface PlayRequest {
  /** The key the take was uploaded under (uploadTake). */
  readonly take: string;
  readonly at?: 'next' | 'bar';
  readonly bar?: number;
  readonly mode?: 'replace' | 'mix';
  readonly gain?: number;
  readonly loop?: boolean;
}

export interface StopRequest {
  readonly at?: 'now' | 'next' | 'bar';
  readonly bar?: number;
}

/** Bars a plugin asks the host to capture (`capture.request`, protocol 1.1). */
export interface PluginCaptureRequest {
  readonly bar: number;
  readonly bars: number;
}

/** What the plugin session needs from the server beyond a plain connection. */
export interface PluginSessionContext extends ConnectionContext {
  /** True when another live session already uses this instanceId. */
  instanceInUse(instanceId: string): boolean;
  sessionReady(s: PluginSession): void;
  sessionChanged(s: PluginSession, what: 'identity' | 'transport' | 'status'): void;
  /** The plugin asked for a capture of bars it has heard. */
  captureRequested(s: PluginSession, req: PluginCaptureRequest): void;
  sessionClosed(s: PluginSession): void;
}

interface Pending {
  readonly kind: 'capture' | 'ok';
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: StylebridgeError) => void;
  readonly timer: NodeJS.Timeout;
  transfer?: TransferAssembler;
  info?: CaptureInfo;
}

interface HeldTake {
  readonly take: number;
  readonly frames: number;
  /** Identity of the audio uploaded (the caller's revision), to know when a key must be uploaded again. */
  readonly revision: unknown;
  lastUsed: number;
}

export class PluginSession extends Connection {
  declare readonly ctx: PluginSessionContext;
  identity!: Identity;
  transport: TransportState | null = null;
  status: PlaybackStatus | null = null;
  readonly connectedAt = Date.now();
  readonly #pending = new Map<number, Pending>();
  #nextRequest = 1;
  #nextTake = 1;
  readonly #takes = new Map<string, HeldTake>();
  #uploads: Promise<unknown> = Promise.resolve();
  readonly #transportBucket: TokenBucket;
  #useCounter = 0;

  constructor(ws: WebSocket, ctx: PluginSessionContext) {
    super(ws, 'plugin', ctx);
    this.#transportBucket = new TokenBucket(ctx.limits.transportRateHz, ctx.limits.transportBurst);
  }

  get instanceId(): string {
    return this.identity.instanceId;
  }

  /** The track as the UI sees it. */
  toJSON(): { id: string; session: string; identity: Identity; transport: TransportState | null; status: PlaybackStatus | null } {
    return { id: this.instanceId, session: this.session, identity: this.identity, transport: this.transport, status: this.status };
  }

  /** Keys of the takes the plugin holds. */
  get takes(): string[] {
    return [...this.#takes.keys()];
  }

  // ----- handshake -------------------------------------------------------------------------------

  protected acceptHello(h: HelloMessage): Record<string, unknown> {
    const identity = { ...h.identity! };
    if (this.ctx.instanceInUse(identity.instanceId)) identity.instanceId = randomBytes(8).toString('hex');
    this.identity = identity;
    return { instanceId: identity.instanceId };
  }

  protected afterWelcome(): void {
    this.ctx.sessionReady(this);
  }

  // ----- incoming --------------------------------------------------------------------------------

  protected handleMessage(m: AnyMessage): void {
    switch (m.type) {
      case 'transport': {
        if (!this.#transportBucket.take()) {
          this.dropped('transportRateHz');
          return;
        }
        const { type: _t, ...state } = m;
        this.transport = state;
        this.ctx.sessionChanged(this, 'transport');
        return;
      }
      case 'status': {
        const { type: _t, ...st } = m;
        this.status = st;
        this.ctx.sessionChanged(this, 'status');
        return;
      }
      case 'capture.request': {
        this.ctx.captureRequested(this, { bar: m.bar, bars: m.bars });
        return;
      }
      case 'identity': {
        // The instance id was fixed at welcome; a change of it would break the track's identity.
        this.identity = { ...m.identity, instanceId: this.identity.instanceId };
        this.ctx.sessionChanged(this, 'identity');
        return;
      }
      case 'ok': {
        const p = this.#pending.get(m.id);
        if (!p || p.kind !== 'ok') {
          this.sendError({ code: 'PROTO_UNKNOWN_REQUEST', message: `No pending request ${m.id} waits for "ok".`, id: m.id });
          return;
        }
        this.#settle(m.id);
        p.resolve(m.bar !== undefined ? { bar: m.bar } : {});
        return;
      }
      case 'captured': {
        const p = this.#pending.get(m.id);
        if (!p || p.kind !== 'capture' || p.transfer) {
          this.sendError({ code: 'PROTO_UNKNOWN_REQUEST', message: `No pending capture ${m.id}.`, id: m.id });
          return;
        }
        const { type: _t, id: _id, ...info } = m;
        p.info = info;
        p.transfer = new TransferAssembler({ kind: FrameKind.capture, id: m.id, sampleRate: m.sampleRate, channels: m.channels, frames: m.frames });
        return;
      }
      case 'error': {
        if (m.id === undefined) {
          this.ctx.log('warn', `plugin ${this.session} reports ${m.code}: ${m.message}`);
          return;
        }
        const p = this.#pending.get(m.id);
        if (!p) {
          this.sendError({ code: 'PROTO_UNKNOWN_REQUEST', message: `No pending request ${m.id}.`, id: m.id });
          return;
        }
        this.#settle(m.id);
        p.reject(errorFromPeer(m));
        return;
      }
      default:
        // Every other type a plugin may send is handled above; the direction table refuses the rest.
        this.sendError({ code: 'PROTO_WRONG_ROLE', message: `Unexpected "${m.type}" from a plugin.` });
    }
  }

  protected handleFrame(f: AudioFrame): ProtocolFault | undefined {
    const p = f.kind === FrameKind.capture ? this.#pending.get(f.id) : undefined;
    if (!p || !p.transfer) {
      return { code: 'PROTO_UNEXPECTED_FRAME', message: `No open transfer for frame kind ${f.kind} id ${f.id}.`, details: { kind: f.kind, id: f.id } };
    }
    const fault = p.transfer.add(f);
    if (fault) {
      this.#settle(f.id);
      p.reject(new StylebridgeError(fault.code, fault.message, fault.details));
      return { ...fault, id: f.id };
    }
    if (p.transfer.complete) {
      this.#settle(f.id);
      p.resolve({ info: p.info!, audio: p.transfer.audio() } satisfies CaptureResult);
    }
    return undefined;
  }

  protected abortTransfer(kind: number, id: number, f: ProtocolFault): void {
    if (kind !== FrameKind.capture) return;
    const p = this.#pending.get(id);
    if (p?.transfer) {
      this.#settle(id);
      p.reject(new StylebridgeError(f.code, f.message, f.details));
    }
  }

  protected override refused(f: ProtocolFault): void {
    // Plugins send no requests, so an id on a refused message names one of ours: it fails with the same code.
    const p = f.id !== undefined ? this.#pending.get(f.id) : undefined;
    if (!p) return;
    this.#settle(f.id!);
    p.reject(new StylebridgeError(f.code, `The plugin's reply was refused: ${f.message}`, f.details));
  }

  protected onClosed(): void {
    for (const [id, p] of this.#pending) {
      this.#settle(id);
      p.reject(new StylebridgeError('SERVER_PLUGIN_GONE', `Plugin ${this.session} disconnected before answering.`));
    }
    if (this.handshakeDone) this.ctx.sessionClosed(this);
  }

  // ----- requests to the plugin ------------------------------------------------------------------

  #settle(id: number): void {
    const p = this.#pending.get(id);
    if (p) clearTimeout(p.timer);
    this.#pending.delete(id);
  }

  #request<T>(kind: 'capture' | 'ok', build: (id: number) => Record<string, unknown>, after?: () => void): Promise<T> {
    if (!this.open) return Promise.reject(new StylebridgeError('SERVER_PLUGIN_GONE', `Plugin ${this.session} is not connected.`));
    if (this.#pending.size >= this.ctx.limits.maxPendingRequests) {
      return Promise.reject(new StylebridgeError('SERVER_BUSY', `${this.#pending.size} requests are pending on plugin ${this.session}.`));
    }
    const id = this.#nextRequest;
    this.#nextRequest = this.#nextRequest >= 2 ** 31 - 1 ? 1 : this.#nextRequest + 1;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle(id);
        reject(new StylebridgeError('PROTO_TIMEOUT', `Plugin ${this.session} did not answer request ${id} within ${this.ctx.limits.requestTimeoutMs} ms.`, { id }));
      }, this.ctx.limits.requestTimeoutMs);
      this.#pending.set(id, { kind, resolve: resolve as (v: unknown) => void, reject, timer });
      this.sendJson(build(id));
      after?.();
    });
  }

  /** Asks the plugin for bars it has heard; resolves with the audio and its positions. */
  capture(req: CaptureRequest): Promise<CaptureResult> {
    const l = this.ctx.limits;
    if (!Number.isInteger(req.bars) || req.bars < 1) return Promise.reject(new StylebridgeError('INVALID_ARGUMENT', 'bars must be a whole number >= 1.'));
    if (req.bars > l.maxCaptureBars) {
      return Promise.reject(new StylebridgeError('PROTO_LIMIT_EXCEEDED', `maxCaptureBars is ${l.maxCaptureBars}; got ${req.bars}.`, { limit: 'maxCaptureBars', max: l.maxCaptureBars, value: req.bars }));
    }
    if (req.at === 'bar' && (!Number.isInteger(req.bar) || req.bar! < 0)) return Promise.reject(new StylebridgeError('INVALID_ARGUMENT', 'bar must be a whole number >= 0 when at is "bar".'));
    return this.#request<CaptureResult>('capture', (id) => ({ type: 'capture', id, at: req.at, ...(req.at === 'bar' ? { bar: req.bar } : {}), bars: req.bars }));
  }

  /** Fits a take to the plugin: at most its channel count (mixed down), its sample rate (else TAKE_FORMAT). */
  #fitTake(audio: AudioBuffer): AudioBuffer {
    const l = this.ctx.limits;
    const frames = audio.channels[0]?.length ?? 0;
    if (audio.channels.length < 1 || frames < 1) throw new StylebridgeError('INVALID_ARGUMENT', 'A take needs at least one channel and one frame.');
    if (audio.sampleRate !== this.identity.sampleRate) {
      throw new StylebridgeError('TAKE_FORMAT', `The take is at ${audio.sampleRate} Hz; the plugin runs at ${this.identity.sampleRate} Hz.`, { sampleRate: audio.sampleRate, pluginSampleRate: this.identity.sampleRate });
    }
    let channels = audio.channels;
    if (channels.length > this.identity.channels) {
      // Average into mono when the plugin has fewer channels than the take (a mono take plays on every channel).
      const mono = new Float32Array(frames);
      for (const ch of channels) for (let i = 0; i < frames; i++) mono[i]! += ch[i]!;
      for (let i = 0; i < frames; i++) mono[i]! /= channels.length;
      channels = [mono];
    }
    if (frames > l.maxTransferFrames) throw new StylebridgeError('PROTO_LIMIT_EXCEEDED', `maxTransferFrames is ${l.maxTransferFrames}; the take has ${frames}.`, { limit: 'maxTransferFrames', max: l.maxTransferFrames, value: frames });
    const bytes = frames * channels.length * 4;
    if (bytes > l.maxTransferBytes) throw new StylebridgeError('PROTO_LIMIT_EXCEEDED', `maxTransferBytes is ${l.maxTransferBytes}; the take has ${bytes}.`, { limit: 'maxTransferBytes', max: l.maxTransferBytes, value: bytes });
    return { sampleRate: audio.sampleRate, channels };
  }

  /**
   * Uploads take audio under `key` (begin, frames, end, each acknowledged). Uploads run one at a time.
   * `revision` identifies the audio: hasTake(key, revision) tells whether it must be uploaded again.
   * When the plugin holds maxTakesPerPlugin takes, the least recently used one (not playing) is dropped first.
   */
  uploadTake(key: string, audio: AudioBuffer, revision: unknown = undefined): Promise<{ take: number; frames: number }> {
    const run = async () => {
      const fitted = this.#fitTake(audio);
      const frames = fitted.channels[0]!.length;
      const existing = this.#takes.get(key);
      if (!existing) await this.#makeRoom();
      const take = existing?.take ?? this.#allocTake();
      await this.#request<unknown>('ok', (id) => ({ type: 'take.begin', id, take, frames, sampleRate: fitted.sampleRate, channels: fitted.channels.length, name: key.slice(0, 128) }));
      for (const bytes of encodeTransfer(FrameKind.take, take, fitted, this.ctx.limits.maxBinaryMessageBytes)) this.sendBinary(bytes);
      await this.#request<unknown>('ok', (id) => ({ type: 'take.end', id, take }));
      this.#takes.set(key, { take, frames, revision, lastUsed: ++this.#useCounter });
      return { take, frames };
    };
    const p = this.#uploads.then(run, run);
    this.#uploads = p.catch(() => undefined);
    return p;
  }

  #allocTake(): number {
    const used = new Set([...this.#takes.values()].map((t) => t.take));
    while (used.has(this.#nextTake)) this.#nextTake = this.#nextTake >= 2 ** 32 - 1 ? 1 : this.#nextTake + 1;
    const t = this.#nextTake;
    this.#nextTake = this.#nextTake >= 2 ** 32 - 1 ? 1 : this.#nextTake + 1;
    return t;
  }

  async #makeRoom(): Promise<void> {
    while (this.#takes.size >= this.ctx.limits.maxTakesPerPlugin) {
      const playing = this.status?.take ?? 0;
      const victims = [...this.#takes.entries()].filter(([, t]) => t.take !== playing).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
      const victim = victims[0];
      if (!victim) throw new StylebridgeError('TAKE_LIMIT', `Plugin ${this.session} holds ${this.#takes.size} takes and none can be dropped.`, { limit: 'maxTakesPerPlugin', max: this.ctx.limits.maxTakesPerPlugin });
      await this.dropTake(victim[0]);
    }
  }

  /** True when the plugin holds `key` with this revision. */
  hasTake(key: string, revision: unknown = undefined): boolean {
    const t = this.#takes.get(key);
    return t !== undefined && t.revision === revision;
  }

  /** Frees a take in the plugin. */
  async dropTake(key: string): Promise<void> {
    const t = this.#takes.get(key);
    if (!t) throw new StylebridgeError('SERVER_NO_SUCH_TAKE', `Plugin ${this.session} holds no take "${key}".`, { take: key });
    this.#takes.delete(key);
    try {
      await this.#request<unknown>('ok', (id) => ({ type: 'take.drop', id, take: t.take }));
    } catch (err) {
      if (!(err instanceof StylebridgeError && err.code === 'TAKE_UNKNOWN')) throw err;
    }
  }

  /** Plays (or switches to) an uploaded take, quantized to the bar. Resolves with the start bar when the plugin knows it. */
  play(req: PlayRequest): Promise<{ bar?: number }> {
    const t = this.#takes.get(req.take);
    if (!t) return Promise.reject(new StylebridgeError('SERVER_NO_SUCH_TAKE', `Plugin ${this.session} holds no take "${req.take}"; upload it first.`, { take: req.take }));
    const at = req.at ?? 'next';
    if (at === 'bar' && !Number.isInteger(req.bar)) return Promise.reject(new StylebridgeError('INVALID_ARGUMENT', 'bar is required when at is "bar".'));
    const gain = req.gain ?? 1;
    if (!(gain >= 0 && gain <= this.ctx.limits.maxGain)) {
      return Promise.reject(new StylebridgeError('PROTO_LIMIT_EXCEEDED', `gain must be 0..${this.ctx.limits.maxGain}; got ${gain}.`, { limit: 'maxGain', max: this.ctx.limits.maxGain, value: gain }));
    }
    t.lastUsed = ++this.#useCounter;
    return this.#request('ok', (id) => ({ type: 'play', id, take: t.take, at, ...(at === 'bar' ? { bar: req.bar } : {}), mode: req.mode ?? 'replace', gain, loop: req.loop ?? true }));
  }

  /** Stops playback (default: at the next bar line). */
  stop(req: StopRequest = {}): Promise<{ bar?: number }> {
    const at = req.at ?? 'next';
    if (at === 'bar' && !Number.isInteger(req.bar)) return Promise.reject(new StylebridgeError('INVALID_ARGUMENT', 'bar is required when at is "bar".'));
    return this.#request('ok', (id) => ({ type: 'stop', id, at, ...(at === 'bar' ? { bar: req.bar } : {}) }));
  }
}
