// The /ui client: handshake, calls with ids and timeouts, event subscriptions, and reconnection with backoff (docs/protocol.md 3 and 5).
import { ERROR_CODES } from '../error-codes.js';
import { StylebridgeError, isErrorCode } from '../errors.js';
import { PROTOCOL_MAJOR, PROTOCOL_MINOR } from '../protocol/version.js';
import { SOCKET_OPEN, type CloseEventLike, type SocketFactory, type WebSocketLike } from './socket.js';
import type { UiErrorInfo, UiEvent, UiEventData, UiMethod, UiParams, UiResult } from './types.js';

/** Every limit and timing of the client, with its default. */
export interface UiClientLimits {
  /** First reconnect delay after a lost or failed connection. */
  readonly initialBackoffMs: number;
  /** Reconnect delays double (times backoffFactor) up to this. */
  readonly maxBackoffMs: number;
  readonly backoffFactor: number;
  /** A call with no reply after this fails with UI_CALL_TIMEOUT. */
  readonly callTimeoutMs: number;
  /** Calls in flight at once; one more fails at once with SERVER_BUSY (the host's own limit is maxPendingRequests). */
  readonly maxPendingCalls: number;
  /** The socket must open and the host answer `welcome` within this, else the attempt counts as failed. */
  readonly handshakeTimeoutMs: number;
  /** Refusals (bad token, origin, ...) in a row before the client stops trying, unless keepTryingWhenRefused. */
  readonly refusalsBeforeFailing: number;
}

export const DEFAULT_UI_CLIENT_LIMITS: UiClientLimits = Object.freeze({
  initialBackoffMs: 500,
  maxBackoffMs: 10_000,
  backoffFactor: 2,
  callTimeoutMs: 30_000,
  maxPendingCalls: 64,
  handshakeTimeoutMs: 10_000,
  refusalsBeforeFailing: 2,
});

/**
 * idle: not started. connecting: first attempt. open: welcome received, calls flow.
 * reconnecting: the connection was lost or an attempt failed; the next attempt is at `retryAt`.
 * failed: stopped trying (refused with a token that cannot change, or a protocol version mismatch); `retry()` restarts.
 * closed: `close()` was called.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'failed' | 'closed';

export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** Failed attempts in a row (0 once open). */
  readonly attempt: number;
  /** When the next attempt starts (ms, the clock of `now`), while reconnecting. */
  readonly retryAt?: number;
  /** Why the last attempt failed or the connection closed. */
  readonly error?: UiErrorInfo;
  readonly session?: string;
  readonly server?: { readonly name: string; readonly version: string };
  readonly limits?: Readonly<Record<string, number>>;
}

export interface UiClientOptions {
  /** The /ui address, e.g. ws://127.0.0.1:49152/ui (no token in it). */
  readonly url: string;
  /** The token, or a function that fetches the current one before every attempt (it changes at every host start). */
  readonly token: string | (() => string | Promise<string>);
  readonly socket: SocketFactory;
  readonly client?: { readonly name: string; readonly version: string };
  /** Reconnect after a lost connection (default true). */
  readonly reconnect?: boolean;
  /**
   * Called when an attempt closes before `welcome` (a browser learns nothing about an HTTP refusal):
   * returns why, e.g. `{code: 'AUTH_BAD_TOKEN'}` found by a plain HTTP request, or undefined when unknown.
   */
  readonly diagnose?: () => Promise<UiErrorInfo | undefined>;
  /**
   * Keep retrying after refusals (default false: stop in `failed` after refusalsBeforeFailing of them).
   * Set it when `token` can bring a fresh token by itself (the desktop app restarts its host).
   */
  readonly keepTryingWhenRefused?: boolean;
  readonly limits?: Partial<UiClientLimits>;
  readonly timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
  readonly now?: () => number;
}

export interface CallOptions {
  readonly timeoutMs?: number;
  /**
   * Runs right after the call is sent, with its id: a method that receives audio (e.g. `takes.upload`)
   * expects binary frames of kind 2 with that id to follow (docs/protocol.md section 5).
   */
  readonly afterSend?: (id: number) => void;
}

interface Pending {
  readonly method: string;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  readonly timer: unknown;
}

type Listener = (data: unknown, event: string) => void;

/** Codes that no amount of retrying with the same token fixes. */
const REFUSED_CODES = new Set(['AUTH_BAD_TOKEN', 'AUTH_MISSING_TOKEN', 'AUTH_BAD_ORIGIN', 'AUTH_BAD_HOST', 'UI_HOST_REFUSED', 'UI_NO_TOKEN', 'PROTO_UNSUPPORTED_VERSION', 'PROTO_WRONG_ROLE', 'PROTO_BAD_HELLO']);

/** Turns a wire error into the error a caller sees: a StylebridgeError whose code is the host's when it is known here. */
export function toUiError(info: UiErrorInfo): StylebridgeError {
  const details = { ...(info.details ?? {}) };
  if (isErrorCode(info.code)) return new StylebridgeError(info.code, info.message, details);
  return new StylebridgeError('INTERNAL', info.message, { ...details, remoteCode: info.code });
}

/** The code, message and hint of anything thrown, for showing. */
export function describeError(err: unknown): UiErrorInfo {
  if (err instanceof StylebridgeError) {
    const remote = typeof err.details?.remoteCode === 'string' ? err.details.remoteCode : undefined;
    return { code: remote ?? err.code, message: err.message, hint: err.hint, ...(err.details ? { details: err.details } : {}) };
  }
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    const e = err as { code: string; message?: unknown; hint?: unknown };
    return withHint({ code: e.code, message: typeof e.message === 'string' ? e.message : e.code, ...(typeof e.hint === 'string' ? { hint: e.hint } : {}) });
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), hint: ERROR_CODES.INTERNAL.hint };
}

/** Adds the code table's hint when the info has none. */
export function withHint(info: UiErrorInfo): UiErrorInfo {
  if (info.hint || !isErrorCode(info.code)) return info;
  return { ...info, hint: ERROR_CODES[info.code].hint };
}

export class UiClient {
  private readonly opts: UiClientOptions;
  private readonly limits: UiClientLimits;
  private readonly timers: NonNullable<UiClientOptions['timers']>;
  private readonly now: () => number;
  private ws: WebSocketLike | undefined;
  private statusValue: ConnectionStatus = { state: 'idle', attempt: 0 };
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private retryTimer: unknown;
  private handshakeTimer: unknown;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>();
  private readonly binaryListeners = new Set<(data: ArrayBuffer) => void>();
  /** Bumped for every attempt so handlers of an old socket do nothing. */
  private generation = 0;
  private readonly openWaiters = new Set<() => void>();
  private refusals = 0;

  constructor(opts: UiClientOptions) {
    this.opts = opts;
    this.limits = { ...DEFAULT_UI_CLIENT_LIMITS, ...(opts.limits ?? {}) };
    this.timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };
    this.now = opts.now ?? (() => Date.now());
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /** Starts connecting (and keeps reconnecting). Resolves when first open; never rejects (watch onStatus). */
  start(): Promise<void> {
    if (this.statusValue.state === 'idle' || this.statusValue.state === 'closed') {
      this.setStatus({ state: 'connecting', attempt: 0 });
      void this.attempt();
    }
    return this.whenOpen();
  }

  /** Resolves the next time the connection is open (at once if it is). */
  whenOpen(): Promise<void> {
    if (this.statusValue.state === 'open') return Promise.resolve();
    return new Promise((resolve) => this.openWaiters.add(resolve));
  }

  /** Tries again now: from `failed`, or to skip the wait while reconnecting. */
  retry(): void {
    const s = this.statusValue.state;
    if (s === 'open' || s === 'connecting' || s === 'closed' || s === 'idle') return;
    this.timers.clearTimeout(this.retryTimer);
    this.setStatus({ ...this.statusValue, state: 'reconnecting', retryAt: this.now() });
    void this.attempt();
  }

  /** Closes for good: pending calls fail with UI_CONNECTION_LOST, no reconnect. */
  close(): void {
    this.generation++;
    this.timers.clearTimeout(this.retryTimer);
    this.timers.clearTimeout(this.handshakeTimer);
    const ws = this.ws;
    this.ws = undefined;
    this.failPending({ code: 'UI_CONNECTION_LOST', message: 'The client was closed.' });
    this.setStatus({ state: 'closed', attempt: 0 });
    if (ws) {
      detach(ws);
      try { ws.close(1000, 'client closed'); } catch { /* already closed */ }
    }
  }

  /** Calls a method; resolves with its result or rejects with a StylebridgeError (the host's code). */
  call<M extends UiMethod>(method: M, params: UiParams<M>, options?: CallOptions): Promise<UiResult<M>>;
  call(method: string, params?: Record<string, unknown>, options?: CallOptions): Promise<unknown>;
  call(method: string, params: Record<string, unknown> = {}, options: CallOptions = {}): Promise<unknown> {
    const ws = this.ws;
    if (!ws || this.statusValue.state !== 'open' || ws.readyState !== SOCKET_OPEN) {
      return Promise.reject(new StylebridgeError('UI_NOT_CONNECTED', `Not connected to the host; "${method}" was not sent.`, { method }));
    }
    if (this.pending.size >= this.limits.maxPendingCalls) {
      return Promise.reject(new StylebridgeError('SERVER_BUSY', `${this.limits.maxPendingCalls} calls are already waiting for replies.`, { limit: 'maxPendingCalls', max: this.limits.maxPendingCalls }));
    }
    const id = this.allocateId();
    const text = JSON.stringify({ type: 'call', id, method, params });
    const max = this.statusValue.limits?.maxTextMessageBytes;
    if (max !== undefined && utf8Length(text, max) > max) {
      // The host would close the connection (1009); refuse here and keep it open.
      return Promise.reject(new StylebridgeError('PROTO_MESSAGE_TOO_BIG', `"${method}" would be a ${utf8Length(text, Infinity)}-byte message; the host accepts at most ${max} bytes.`, { method, limit: 'maxTextMessageBytes', max }));
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.limits.callTimeoutMs;
      const timer = this.timers.setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(new StylebridgeError('UI_CALL_TIMEOUT', `"${method}" got no reply within ${timeoutMs} ms.`, { method, limit: 'callTimeoutMs', max: timeoutMs }));
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      try {
        ws.send(text);
        options.afterSend?.(id);
      } catch (err) {
        this.timers.clearTimeout(timer);
        this.pending.delete(id);
        reject(new StylebridgeError('UI_CONNECTION_LOST', `Sending "${method}" failed: ${err instanceof Error ? err.message : String(err)}`, { method }));
      }
    });
  }

  /** Subscribes to one event (or '*' for all); returns the unsubscribe function. */
  on<E extends UiEvent>(event: E, fn: (data: UiEventData<E>) => void): () => void;
  on(event: string, fn: (data: unknown, event: string) => void): () => void;
  on(event: string, fn: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => { set.delete(fn); };
  }

  /** Subscribes to connection state changes; called at once with the current status. */
  onStatus(fn: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.add(fn);
    fn(this.statusValue);
    return () => { this.statusListeners.delete(fn); };
  }

  /** Binary messages from the host (audio frames of `capture` calls, docs/protocol.md 6). */
  onBinary(fn: (data: ArrayBuffer) => void): () => void {
    this.binaryListeners.add(fn);
    return () => { this.binaryListeners.delete(fn); };
  }

  /** Sends one binary frame (e.g. after a `takes.upload` call). Throws UI_NOT_CONNECTED when not open. */
  sendBinary(data: ArrayBuffer | ArrayBufferView): void {
    if (!this.ws || this.statusValue.state !== 'open') throw new StylebridgeError('UI_NOT_CONNECTED', 'Not connected to the host; the frame was not sent.');
    this.ws.send(data);
  }

  // ----- implementation -------------------------------------------------------------------------

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  private setStatus(s: ConnectionStatus): void {
    this.statusValue = s;
    for (const fn of [...this.statusListeners]) {
      try { fn(s); } catch { /* a listener's failure is its own */ }
    }
    if (s.state === 'open') {
      const waiters = [...this.openWaiters];
      this.openWaiters.clear();
      for (const w of waiters) w();
    }
  }

  private async attempt(): Promise<void> {
    const gen = ++this.generation;
    let token: string;
    try {
      token = typeof this.opts.token === 'function' ? await this.opts.token() : this.opts.token;
    } catch (err) {
      if (gen !== this.generation) return;
      this.lost({ ...describeError(err), code: 'UI_NO_TOKEN' }, gen, false);
      return;
    }
    if (gen !== this.generation) return;
    if (!token) {
      this.lost(withHint({ code: 'UI_NO_TOKEN', message: 'No token to connect with.' }), gen, !this.opts.keepTryingWhenRefused);
      return;
    }
    let ws: WebSocketLike;
    try {
      ws = this.opts.socket(this.opts.url, token);
    } catch (err) {
      this.lost(withHint({ code: 'UI_NOT_CONNECTED', message: `Could not open ${this.opts.url}: ${err instanceof Error ? err.message : String(err)}` }), gen, false);
      return;
    }
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    let welcomed = false;
    let closeError: UiErrorInfo | undefined;
    this.timers.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = this.timers.setTimeout(() => {
      if (gen !== this.generation || welcomed) return;
      closeError = withHint({ code: 'UI_NOT_CONNECTED', message: `No welcome from the host within ${this.limits.handshakeTimeoutMs} ms.` });
      try { ws.close(); } catch { /* ignore */ }
    }, this.limits.handshakeTimeoutMs);

    ws.onopen = () => {
      if (gen !== this.generation) return;
      const client = this.opts.client ?? { name: 'stylebridge-ui', version: '0.0.0' };
      ws.send(JSON.stringify({ type: 'hello', protocol: { major: PROTOCOL_MAJOR, minor: PROTOCOL_MINOR }, role: 'ui', client }));
    };
    ws.onmessage = (ev: { data: unknown }) => {
      if (gen !== this.generation) return;
      const data = ev.data;
      if (typeof data !== 'string') {
        const buf = toArrayBuffer(data);
        if (buf) for (const fn of [...this.binaryListeners]) fn(buf);
        return;
      }
      let msg: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(data);
        if (!parsed || typeof parsed !== 'object' || typeof (parsed as { type?: unknown }).type !== 'string') throw new Error('no type');
        msg = parsed as Record<string, unknown>;
      } catch {
        this.emit('client.error', withHint({ code: 'UI_BAD_MESSAGE', message: 'The host sent a text message that is not a JSON object with a type.' }));
        return;
      }
      if (!welcomed) {
        if (msg.type === 'welcome') {
          welcomed = true;
          this.refusals = 0;
          this.timers.clearTimeout(this.handshakeTimer);
          const server = msg.server as ConnectionStatus['server'];
          this.setStatus({ state: 'open', attempt: 0, ...(typeof msg.session === 'string' ? { session: msg.session } : {}), ...(server ? { server } : {}), ...(msg.limits ? { limits: msg.limits as Record<string, number> } : {}) });
        } else if (msg.type === 'error') {
          closeError = wireError(msg);
        }
        return;
      }
      this.handle(msg);
    };
    ws.onerror = () => { /* the close event follows; the DOM gives no detail here */ };
    ws.onclose = (ev: CloseEventLike) => {
      if (gen !== this.generation) return;
      this.timers.clearTimeout(this.handshakeTimer);
      detach(ws);
      this.ws = undefined;
      const reason = closeError ?? this.lastFatal ?? closeInfo(ev.code, ev.reason);
      this.lastFatal = undefined;
      this.failPending({ code: 'UI_CONNECTION_LOST', message: 'The connection to the host closed before the reply came.' });
      if (welcomed) {
        this.lost(reason, gen, false);
      } else {
        void this.diagnoseAndRetry(reason, gen);
      }
    };
  }

  private lastFatal: UiErrorInfo | undefined;

  private handle(msg: Record<string, unknown>): void {
    switch (msg.type) {
      case 'result': {
        const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
        if (!p) return;
        this.pending.delete(msg.id as number);
        this.timers.clearTimeout(p.timer);
        p.resolve(msg.result);
        return;
      }
      case 'error': {
        const info = wireError(msg);
        const p = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
        if (p) {
          this.pending.delete(msg.id as number);
          this.timers.clearTimeout(p.timer);
          p.reject(toUiError(info));
          return;
        }
        if (msg.fatal === true) this.lastFatal = info;
        this.emit('client.error', info);
        return;
      }
      case 'event':
        if (typeof msg.event === 'string') this.emit(msg.event, msg.data);
        return;
      default:
        return;
    }
  }

  private emit(event: string, data: unknown): void {
    for (const key of [event, '*']) {
      const set = this.listeners.get(key);
      if (!set) continue;
      for (const fn of [...set]) {
        try { fn(data, event); } catch { /* a listener's failure is its own */ }
      }
    }
  }

  private async diagnoseAndRetry(reason: UiErrorInfo, gen: number): Promise<void> {
    let found: UiErrorInfo | undefined;
    if (this.opts.diagnose && !REFUSED_CODES.has(reason.code)) {
      try { found = await this.opts.diagnose(); } catch { found = undefined; }
    }
    if (gen !== this.generation) return;
    const info = found ?? reason;
    // A refusal does not heal by retrying with the same token; a version mismatch never does.
    this.refusals = REFUSED_CODES.has(info.code) ? this.refusals + 1 : 0;
    const fatal = info.code.startsWith('PROTO_') || (this.refusals >= this.limits.refusalsBeforeFailing && !this.opts.keepTryingWhenRefused);
    this.lost(withHint(info), gen, fatal);
  }

  private lost(error: UiErrorInfo, gen: number, fatal: boolean): void {
    if (gen !== this.generation || this.statusValue.state === 'closed') return;
    const attempt = this.statusValue.state === 'open' ? 1 : this.statusValue.attempt + 1;
    if (fatal || this.opts.reconnect === false) {
      this.setStatus({ state: 'failed', attempt, error });
      return;
    }
    const delay = backoffDelay(attempt, this.limits);
    const retryAt = this.now() + delay;
    this.setStatus({ state: 'reconnecting', attempt, retryAt, error });
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.timers.setTimeout(() => {
      if (gen !== this.generation || this.statusValue.state !== 'reconnecting') return;
      void this.attempt();
    }, delay);
  }

  private failPending(info: UiErrorInfo): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      this.timers.clearTimeout(p.timer);
      p.reject(new StylebridgeError('UI_CONNECTION_LOST', `${info.message} ("${p.method}")`, { method: p.method }));
    }
  }
}

/** UTF-8 byte length of `s`, exact up to `cap` (a UTF-8 string is never shorter than its UTF-16 length). */
function utf8Length(s: string, cap: number): number {
  if (s.length > cap) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/** Delay before attempt n+1 after n failures: initial * factor^(n-1), capped. */
export function backoffDelay(failures: number, limits: Pick<UiClientLimits, 'initialBackoffMs' | 'maxBackoffMs' | 'backoffFactor'>): number {
  const n = Math.max(1, failures);
  return Math.min(limits.maxBackoffMs, limits.initialBackoffMs * limits.backoffFactor ** (n - 1));
}

function wireError(msg: Record<string, unknown>): UiErrorInfo {
  const code = typeof msg.code === 'string' ? msg.code : 'INTERNAL';
  const message = typeof msg.message === 'string' ? msg.message : code;
  const details = msg.details && typeof msg.details === 'object' ? (msg.details as Record<string, unknown>) : undefined;
  return withHint({ code, message, ...(details ? { details } : {}) });
}

function closeInfo(code: number, reason: string): UiErrorInfo {
  if (code === 1001) return withHint({ code: 'SERVER_SHUTTING_DOWN', message: reason || 'The host is stopping.' });
  if (code === 4406) return withHint({ code: 'PROTO_UNSUPPORTED_VERSION', message: reason || 'The host speaks another protocol version.' });
  return withHint({ code: 'UI_NOT_CONNECTED', message: `The connection to the host closed (${code}${reason ? `: ${reason}` : ''}).` });
}

function detach(ws: WebSocketLike): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = null;
}

function toArrayBuffer(data: unknown): ArrayBuffer | undefined {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) {
    const v = data as ArrayBufferView;
    const copy = new Uint8Array(v.byteLength);
    copy.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    return copy.buffer;
  }
  return undefined;
}
