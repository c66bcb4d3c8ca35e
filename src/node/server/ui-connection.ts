// One /ui peer (web UI, Electron, CLI): method calls with ids, audio sent with calls, pushed events.
import type { WebSocket } from 'ws';
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { FrameKind, encodeTransfer, type AudioFrame } from '../../common/protocol/frame.js';
import type { AnyMessage, CallMessage, HelloMessage } from '../../common/protocol/schema.js';
import { TransferAssembler } from '../../common/protocol/transfer.js';
import type { ProtocolFault } from '../../common/protocol/validate.js';
import { AudioReply, type ApiRegistry } from './api.js';
import { Connection, type ConnectionContext } from './connection.js';

export interface UiContext extends ConnectionContext {
  readonly api: ApiRegistry;
  uiReady(c: UiConnection): void;
  uiClosed(c: UiConnection): void;
}

interface Upload {
  readonly assembler: TransferAssembler;
  readonly timer: NodeJS.Timeout;
  readonly call: CallMessage;
}

export class UiConnection extends Connection {
  declare readonly ctx: UiContext;
  readonly #calls = new Map<number, AbortController>();
  readonly #uploads = new Map<number, Upload>();
  /** Events skipped because the send buffer was over maxBufferedBytes. */
  skippedEvents = 0;

  constructor(ws: WebSocket, ctx: UiContext) {
    super(ws, 'ui', ctx);
  }

  protected acceptHello(_h: HelloMessage): Record<string, unknown> {
    return {};
  }

  protected afterWelcome(): void {
    this.ctx.uiReady(this);
  }

  /** Pushes an event unless this UI is not keeping up (maxBufferedBytes). */
  sendEvent(event: string, data: unknown): void {
    if (!this.open || !this.handshakeDone) return;
    if (this.ws.bufferedAmount > this.ctx.limits.maxBufferedBytes) {
      this.skippedEvents++;
      return;
    }
    this.sendJson({ type: 'event', event, data });
  }

  protected handleMessage(m: AnyMessage): void {
    if (m.type === 'error') {
      this.ctx.log('warn', `ui ${this.session} reports ${m.code}: ${m.message}`);
      return;
    }
    if (m.type !== 'call') {
      this.sendError({ code: 'PROTO_WRONG_ROLE', message: `Unexpected "${m.type}" from a UI.` });
      return;
    }
    this.#onCall(m);
  }

  #onCall(m: CallMessage): void {
    const l = this.ctx.limits;
    if (this.#calls.has(m.id) || this.#uploads.has(m.id)) {
      this.sendError({ id: m.id, code: 'PROTO_INVALID_MESSAGE', message: `Call id ${m.id} is already in flight.`, details: { path: '/id', reason: 'duplicate id' } });
      return;
    }
    if (this.#calls.size + this.#uploads.size >= l.maxPendingRequests) {
      this.sendError({ id: m.id, code: 'SERVER_BUSY', message: `${l.maxPendingRequests} calls are already in flight.`, details: { limit: 'maxPendingRequests', max: l.maxPendingRequests } });
      return;
    }
    const params = m.params ?? {};
    try {
      this.ctx.api.validate(m.method, params);
    } catch (err) {
      this.sendErrorFor(m.id, err);
      return;
    }
    if (this.ctx.api.options(m.method)?.receivesAudio) {
      this.#beginUpload(m, params);
      return;
    }
    void this.#run(m, params, undefined);
  }

  #beginUpload(m: CallMessage, params: Record<string, unknown>): void {
    const l = this.ctx.limits;
    const { frames, sampleRate, channels } = params as { frames: number; sampleRate: number; channels: number };
    const ok = [frames, sampleRate, channels].every((v) => Number.isInteger(v) && v > 0);
    if (!ok) {
      this.sendError({ id: m.id, code: 'PROTO_INVALID_MESSAGE', message: `"${m.method}" needs integer params frames, sampleRate and channels.`, details: { path: '/params' } });
      return;
    }
    const over = (limit: string, max: number, value: number) =>
      this.sendError({ id: m.id, code: 'PROTO_LIMIT_EXCEEDED', message: `${limit} is ${max}; got ${value}.`, details: { limit, max, value } });
    if (channels > l.maxChannels) return over('maxChannels', l.maxChannels, channels);
    if (frames > l.maxTransferFrames) return over('maxTransferFrames', l.maxTransferFrames, frames);
    if (frames * channels * 4 > l.maxTransferBytes) return over('maxTransferBytes', l.maxTransferBytes, frames * channels * 4);
    const timer = setTimeout(() => {
      this.#uploads.delete(m.id);
      this.sendError({ id: m.id, code: 'PROTO_TIMEOUT', message: `The audio of call ${m.id} did not arrive within ${l.requestTimeoutMs} ms.` });
    }, l.requestTimeoutMs);
    this.#uploads.set(m.id, { assembler: new TransferAssembler({ kind: FrameKind.take, id: m.id, sampleRate, channels, frames }), timer, call: m });
  }

  protected handleFrame(f: AudioFrame): ProtocolFault | undefined {
    const u = f.kind === FrameKind.take ? this.#uploads.get(f.id) : undefined;
    if (!u) return { code: 'PROTO_UNEXPECTED_FRAME', message: `No open transfer for frame kind ${f.kind} id ${f.id}.`, details: { kind: f.kind, id: f.id } };
    const fault = u.assembler.add(f);
    if (fault) {
      this.#endUpload(f.id);
      return { ...fault, id: f.id };
    }
    if (u.assembler.complete) {
      this.#endUpload(f.id);
      void this.#run(u.call, u.call.params ?? {}, u.assembler.audio());
    }
    return undefined;
  }

  #endUpload(id: number): void {
    const u = this.#uploads.get(id);
    if (u) clearTimeout(u.timer);
    this.#uploads.delete(id);
  }

  protected abortTransfer(kind: number, id: number, f: ProtocolFault): void {
    if (kind === FrameKind.take && this.#uploads.has(id)) {
      this.#endUpload(id);
      this.sendError({ ...f, id });
    }
  }

  async #run(m: CallMessage, params: Record<string, unknown>, audio: AudioBuffer | undefined): Promise<void> {
    const ac = new AbortController();
    this.#calls.set(m.id, ac);
    try {
      const out = await this.ctx.api.call(m.method, params, { session: this.session, callId: m.id, signal: ac.signal, ...(audio ? { audio } : {}) });
      if (out instanceof AudioReply) {
        this.sendJson({ type: 'result', id: m.id, result: out.result ?? null });
        for (const bytes of encodeTransfer(FrameKind.capture, m.id, out.audio, this.ctx.limits.maxBinaryMessageBytes)) this.sendBinary(bytes);
      } else {
        this.sendJson({ type: 'result', id: m.id, result: out ?? null });
      }
    } catch (err) {
      this.sendErrorFor(m.id, err);
    } finally {
      this.#calls.delete(m.id);
    }
  }

  protected onClosed(): void {
    for (const ac of this.#calls.values()) ac.abort(new StylebridgeError('CANCELLED', 'The UI disconnected.'));
    this.#calls.clear();
    for (const id of [...this.#uploads.keys()]) this.#endUpload(id);
    if (this.handshakeDone) this.ctx.uiClosed(this);
  }
}
