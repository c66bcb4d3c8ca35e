// One WebSocket peer of the host (plugin or UI): size and rate limits, hello, parsing, error replies, close rules.
import type { RawData, WebSocket } from 'ws';
import { StylebridgeError, isErrorCode, type ErrorCode } from '../../common/errors.js';
import { decodeFrame, type AudioFrame } from '../../common/protocol/frame.js';
import type { ProtocolLimits } from '../../common/protocol/limits.js';
import type { AnyMessage, HelloMessage, Role } from '../../common/protocol/schema.js';
import { checkLimits, messageSince, parseMessage, type ProtocolFault } from '../../common/protocol/validate.js';
import { CLOSE_CODES, PROTOCOL_VERSION, negotiateVersion, type ProtocolVersion } from '../../common/protocol/version.js';
import { DropCounter, TokenBucket } from './rate-limit.js';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', message: string, details?: Record<string, unknown>) => void;

/** What every connection needs from the server. */
export interface ConnectionContext {
  readonly limits: ProtocolLimits;
  readonly version: string;
  readonly log: LogFn;
  nextSessionId(role: Role): string;
}

function rawToBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

export abstract class Connection {
  readonly ws: WebSocket;
  readonly role: Role;
  readonly ctx: ConnectionContext;
  /** Session id, set when the handshake completes. */
  session = '';
  protocol: ProtocolVersion | undefined;
  /** Answered the last ping (reset by the server's ping sweep). */
  alive = true;
  #helloTimer: NodeJS.Timeout | undefined;
  readonly #messages: TokenBucket;
  readonly #drops: DropCounter;
  #closed = false;

  constructor(ws: WebSocket, role: Role, ctx: ConnectionContext) {
    this.ws = ws;
    this.role = role;
    this.ctx = ctx;
    const l = ctx.limits;
    this.#messages = new TokenBucket(l.messageRateHz, l.messageBurst);
    this.#drops = new DropCounter(l.floodCloseDrops, l.floodWindowMs);
    this.#helloTimer = setTimeout(() => {
      this.fatal({ code: 'PROTO_HELLO_TIMEOUT', message: `No hello within ${l.helloTimeoutMs} ms.` }, CLOSE_CODES.helloTimeout);
    }, l.helloTimeoutMs);
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => this.#onClose());
    ws.on('error', (err) => ctx.log('warn', `${role} connection error: ${err.message}`, { session: this.session }));
  }

  get open(): boolean {
    return !this.#closed && this.ws.readyState === this.ws.OPEN;
  }

  get handshakeDone(): boolean {
    return this.session !== '';
  }

  // ----- sending ---------------------------------------------------------------------------------

  sendJson(m: AnyMessage | Record<string, unknown>): void {
    if (this.open) this.ws.send(JSON.stringify(m));
  }

  sendBinary(bytes: Uint8Array): void {
    if (this.open) this.ws.send(bytes, { binary: true });
  }

  sendError(f: ProtocolFault | { code: ErrorCode; message: string; id?: number; details?: Record<string, unknown> }, fatal = false): void {
    this.sendJson({
      type: 'error',
      ...(f.id !== undefined ? { id: f.id } : {}),
      code: f.code,
      message: f.message,
      fatal,
      ...(f.details ? { details: f.details } : {}),
    });
  }

  /** Replies to request `id` with the error carried by `err` (a StylebridgeError keeps its code). */
  sendErrorFor(id: number, err: unknown): void {
    if (err instanceof StylebridgeError) {
      this.sendError({ id, code: err.code, message: err.message, ...(err.details ? { details: { ...err.details } } : {}) });
    } else {
      this.ctx.log('error', `internal error: ${(err as Error)?.stack ?? String(err)}`);
      this.sendError({ id, code: 'INTERNAL', message: 'Internal error.' });
    }
  }

  /** Sends a fatal error, then closes with `code`. */
  fatal(f: { code: ErrorCode; message: string; details?: Record<string, unknown> }, closeCode: number): void {
    this.sendError(f, true);
    this.close(closeCode, f.code);
  }

  close(code: number, reason = ''): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#helloTimer);
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
    // A peer that never completes the closing handshake is cut off.
    const t = setTimeout(() => this.ws.terminate(), 2000);
    t.unref();
  }

  // ----- receiving -------------------------------------------------------------------------------

  /** Counts a dropped message; reports at most once a second and closes on a flood. */
  protected dropped(limit: keyof ProtocolLimits): void {
    const d = this.#drops.drop();
    if (d.close) {
      this.fatal({ code: 'PROTO_RATE_LIMITED', message: `More than ${this.ctx.limits.floodCloseDrops} messages dropped in ${this.ctx.limits.floodWindowMs} ms.`, details: { limit: 'floodCloseDrops', dropped: this.#drops.total } }, CLOSE_CODES.policyViolation);
      return;
    }
    if (d.report !== undefined) {
      this.sendError({ code: 'PROTO_RATE_LIMITED', message: `Messages over ${limit} were dropped.`, details: { limit, dropped: d.report } });
    }
  }

  get droppedTotal(): number {
    return this.#drops.total;
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closed) return;
    const bytes = rawToBytes(data);
    try {
      if (!isBinary) this.#onText(bytes);
      else this.#onBinary(bytes);
    } catch (err) {
      this.ctx.log('error', `internal error handling a ${this.role} message: ${(err as Error)?.stack ?? String(err)}`, { session: this.session });
      this.sendError({ code: 'INTERNAL', message: 'Internal error while handling the message.' });
    }
  }

  #onText(bytes: Uint8Array): void {
    const l = this.ctx.limits;
    if (bytes.length > l.maxTextMessageBytes) {
      this.fatal({ code: 'PROTO_MESSAGE_TOO_BIG', message: `Text message of ${bytes.length} bytes exceeds maxTextMessageBytes ${l.maxTextMessageBytes}.`, details: { limit: 'maxTextMessageBytes', max: l.maxTextMessageBytes, value: bytes.length } }, CLOSE_CODES.messageTooBig);
      return;
    }
    if (!this.#messages.take()) {
      this.dropped('messageRateHz');
      return;
    }
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const r = parseMessage(text, this.role, this.role);
    if (!this.handshakeDone) {
      if (!r.ok || r.message.type !== 'hello') {
        const why = r.ok ? `got "${r.message.type}"` : r.fault.message;
        this.fatal({ code: 'PROTO_BAD_HELLO', message: `The first message must be a valid hello; ${why}`, ...(r.ok ? {} : { details: { cause: r.fault.code, ...r.fault.details } }) }, CLOSE_CODES.badHello);
        return;
      }
      this.#onHello(r.message);
      return;
    }
    if (!r.ok) {
      this.sendError(r.fault);
      this.refused(r.fault);
      return;
    }
    if (r.message.type === 'hello') {
      this.sendError({ code: 'PROTO_INVALID_MESSAGE', message: 'hello was already received.', details: { type: 'hello' } });
      return;
    }
    const since = messageSince(r.message.type);
    if (this.protocol && since > this.protocol.minor) {
      // A type of a later minor than this connection negotiated is unknown here (docs/protocol.md 3.3).
      const f: ProtocolFault = { code: 'PROTO_UNKNOWN_TYPE', message: `"${r.message.type}" needs protocol ${PROTOCOL_VERSION.major}.${since}; this connection speaks ${this.protocol.major}.${this.protocol.minor}.`, details: { type: r.message.type } };
      this.sendError(f);
      this.refused(f);
      return;
    }
    const over = checkLimits(r.message, l);
    if (over) {
      this.sendError(over);
      this.refused(over);
      return;
    }
    this.handleMessage(r.message);
  }

  #onHello(h: HelloMessage): void {
    clearTimeout(this.#helloTimer);
    if (h.role !== this.role) {
      this.fatal({ code: 'PROTO_WRONG_ROLE', message: `hello role "${h.role}" on /${this.role}.` }, CLOSE_CODES.badHello);
      return;
    }
    const v = negotiateVersion(h.protocol);
    if (!v) {
      this.fatal({ code: 'PROTO_UNSUPPORTED_VERSION', message: `Protocol ${h.protocol.major}.${h.protocol.minor} is not supported; this host speaks ${PROTOCOL_VERSION.major}.${PROTOCOL_VERSION.minor}.`, details: { supported: [PROTOCOL_VERSION.major] } }, CLOSE_CODES.unsupportedVersion);
      return;
    }
    const over = checkLimits(h, this.ctx.limits);
    if (over) {
      this.fatal(over, CLOSE_CODES.badHello);
      return;
    }
    this.protocol = v;
    this.session = this.ctx.nextSessionId(this.role);
    const extra = this.acceptHello(h);
    this.sendJson({
      type: 'welcome',
      protocol: v,
      session: this.session,
      ...extra,
      server: { name: 'stylebridge', version: this.ctx.version },
      limits: { ...this.ctx.limits },
    });
    this.afterWelcome();
  }

  #onBinary(bytes: Uint8Array): void {
    if (!this.handshakeDone) {
      this.fatal({ code: 'PROTO_BAD_HELLO', message: 'The first message must be a hello, not a binary frame.' }, CLOSE_CODES.badHello);
      return;
    }
    const r = decodeFrame(bytes, this.ctx.limits.maxChannels);
    if (!r.ok) {
      if (r.kind !== undefined && r.id !== undefined) this.abortTransfer(r.kind, r.id, r.fault);
      this.frameFault(r.fault);
      return;
    }
    const fault = this.handleFrame(r.frame);
    if (fault) this.frameFault(fault);
  }

  /** Reports a bad binary frame, under the message rate limit (a flood of bad frames is a flood). */
  protected frameFault(f: ProtocolFault): void {
    if (!this.#messages.take()) {
      this.dropped('messageRateHz');
      return;
    }
    this.sendError(f);
  }

  #onClose(): void {
    this.#closed = true;
    clearTimeout(this.#helloTimer);
    this.onClosed();
  }

  /** A message was refused (and answered with an error); a reply with a readable id fails its request. */
  protected refused(_f: ProtocolFault): void {}

  /** Checks the role-specific part of hello; returns extra welcome fields. */
  protected abstract acceptHello(h: HelloMessage): Record<string, unknown>;
  protected abstract afterWelcome(): void;
  protected abstract handleMessage(m: AnyMessage): void;
  /** Handles a well-formed frame; a fault is reported to the peer. */
  protected abstract handleFrame(f: AudioFrame): ProtocolFault | undefined;
  /** A malformed frame named transfer (kind, id): abort it if open. */
  protected abstract abortTransfer(kind: number, id: number, f: ProtocolFault): void;
  protected abstract onClosed(): void;
}

/** Turns an `error` message from a peer into a StylebridgeError (unknown codes keep the peer's code in details). */
export function errorFromPeer(m: { code: string; message: string; details?: Record<string, unknown> | undefined }): StylebridgeError {
  if (isErrorCode(m.code)) return new StylebridgeError(m.code, m.message, m.details);
  return new StylebridgeError('INTERNAL', `Peer error ${m.code}: ${m.message}`, { peerCode: m.code, ...m.details });
}
