// Every limit of protocol v1 in one table, with its default (docs/protocol.md section 7 is the same table in prose).

/** The limits a host enforces; the values in force travel to every peer in `welcome.limits`. */
export interface ProtocolLimits {
  /** Largest JSON text message, in bytes. Exceeded: PROTO_MESSAGE_TOO_BIG, close 1009. */
  readonly maxTextMessageBytes: number;
  /** Largest binary (audio frame) message, in bytes; the WebSocket maxPayload. Exceeded: close 1009. */
  readonly maxBinaryMessageBytes: number;
  /** Most audio channels in identity, transfers and takes. */
  readonly maxChannels: number;
  /** Most frames in one capture or take transfer. */
  readonly maxTransferFrames: number;
  /** Most sample bytes (4 x channels x frames) in one transfer. */
  readonly maxTransferBytes: number;
  /** Most bars in one capture request. */
  readonly maxCaptureBars: number;
  /** Highest linear gain of play / audition. */
  readonly maxGain: number;
  /** Transport messages per second a plugin may send (token bucket refill rate). */
  readonly transportRateHz: number;
  /** Transport token bucket size (tolerates jitter). */
  readonly transportBurst: number;
  /** Text messages per second on one connection (token bucket refill rate). */
  readonly messageRateHz: number;
  /** Text message token bucket size. */
  readonly messageBurst: number;
  /** Dropped messages within floodWindowMs that close the connection with 1008. */
  readonly floodCloseDrops: number;
  /** Window of the flood rule, in ms. */
  readonly floodWindowMs: number;
  /** Open /plugin connections. Exceeded: HTTP 503 at the upgrade. */
  readonly maxPluginConnections: number;
  /** Open /ui connections. Exceeded: HTTP 503 at the upgrade. */
  readonly maxUiConnections: number;
  /** Time from open to hello, in ms. Exceeded: PROTO_HELLO_TIMEOUT, close 4408. */
  readonly helloTimeoutMs: number;
  /** Takes held by one plugin (host evicts the least recently used first). */
  readonly maxTakesPerPlugin: number;
  /** Time for a complete reply to a request, in ms. Exceeded: PROTO_TIMEOUT. */
  readonly requestTimeoutMs: number;
  /** Requests in flight on one connection. Exceeded: SERVER_BUSY. */
  readonly maxPendingRequests: number;
  /** Interval of WebSocket pings, in ms; no pong by the next ping drops the peer. */
  readonly pingIntervalMs: number;
  /** Transport events per track per second pushed to each UI (latest wins). */
  readonly uiTransportHz: number;
  /** A UI's send buffer above this skips events (replies are always sent). */
  readonly maxBufferedBytes: number;
  /** Takes the host keeps from takes.upload (least recently used dropped). */
  readonly maxHostTakes: number;
}

export const DEFAULT_LIMITS: ProtocolLimits = Object.freeze({
  maxTextMessageBytes: 64 * 1024,
  maxBinaryMessageBytes: 1024 * 1024,
  maxChannels: 8,
  maxTransferFrames: 4_194_304,
  maxTransferBytes: 64 * 1024 * 1024,
  maxCaptureBars: 32,
  maxGain: 4,
  transportRateHz: 30,
  transportBurst: 15,
  messageRateHz: 200,
  messageBurst: 400,
  floodCloseDrops: 2000,
  floodWindowMs: 10_000,
  maxPluginConnections: 64,
  maxUiConnections: 16,
  helloTimeoutMs: 5000,
  maxTakesPerPlugin: 16,
  requestTimeoutMs: 10_000,
  maxPendingRequests: 64,
  pingIntervalMs: 15_000,
  uiTransportHz: 10,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxHostTakes: 64,
});

export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as (keyof ProtocolLimits)[];

/** The defaults with some limits replaced; every value must be a positive finite number. */
export function resolveLimits(overrides: Partial<ProtocolLimits> = {}): ProtocolLimits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in DEFAULT_LIMITS)) throw new RangeError(`Unknown protocol limit "${k}".`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`Protocol limit ${k} must be a positive number, got ${String(v)}.`);
    out[k] = v;
  }
  if ((out.maxBinaryMessageBytes ?? 0) < (out.maxTextMessageBytes ?? 0)) {
    throw new RangeError('maxBinaryMessageBytes must be at least maxTextMessageBytes (it is the WebSocket maxPayload).');
  }
  return Object.freeze(out as unknown as ProtocolLimits);
}
