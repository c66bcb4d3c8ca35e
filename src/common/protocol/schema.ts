// The one schema of protocol v1: every JSON message, who may send it, and the types derived from it (docs/protocol.md).
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const U31 = 2 ** 31 - 1;
const U32 = 2 ** 32 - 1;

/** Request id: chosen by the requester, echoed by the reply. */
export const RequestId = Type.Integer({ minimum: 1, maximum: U31 });
const VersionSchema = Type.Object({ major: Type.Integer({ minimum: 0, maximum: 65535 }), minor: Type.Integer({ minimum: 0, maximum: 65535 }) });
const Name = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max });
const NonNegInt = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const NonNegNum = Type.Number({ minimum: 0 });
const Bpm = Type.Number({ minimum: 20, maximum: 999 });
const MeterNum = Type.Integer({ minimum: 1, maximum: 32 });
const MeterDen = Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(4), Type.Literal(8), Type.Literal(16), Type.Literal(32)]);
const SampleRate = Type.Integer({ minimum: 22050, maximum: 192000 });
const Channels = Type.Integer({ minimum: 1, maximum: 65535 });
const Frames = Type.Integer({ minimum: 1, maximum: U32 });
const TakeNumber = Type.Integer({ minimum: 1, maximum: U32 });

export const IdentitySchema = Type.Object({
  host: Name(128),
  hostVersion: Type.Optional(Name(64, 0)),
  format: Type.Union([Type.Literal('vst3'), Type.Literal('clap'), Type.Literal('lv2'), Type.Literal('au'), Type.Literal('test')]),
  trackName: Name(256, 0),
  instanceId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  sampleRate: SampleRate,
  channels: Channels,
  latency: NonNegInt,
  historyFrames: Type.Optional(NonNegInt),
});

const TransportFields = {
  playing: Type.Boolean(),
  bpm: Bpm,
  meterNum: MeterNum,
  meterDen: MeterDen,
  bar: NonNegInt,
  beat: NonNegNum,
  ppq: NonNegNum,
  barStartPpq: NonNegNum,
  sample: NonNegInt,
};
export const TransportStateSchema = Type.Object(TransportFields);

const StatusFields = {
  state: Type.Union([Type.Literal('idle'), Type.Literal('armed'), Type.Literal('playing')]),
  take: Type.Integer({ minimum: 0, maximum: U32 }),
  bar: Type.Optional(NonNegInt),
  takes: NonNegInt,
  drops: NonNegInt,
  underruns: NonNegInt,
};
export const PlaybackStatusSchema = Type.Object(StatusFields);

const CapturedFields = {
  bar: NonNegInt,
  bars: Type.Integer({ minimum: 1 }),
  startSample: NonNegInt,
  frames: Frames,
  sampleRate: SampleRate,
  channels: Channels,
  bpm: Bpm,
  meterNum: MeterNum,
  meterDen: MeterDen,
};

const msg = <T extends string, P extends Record<string, TSchema>>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), ...props });

// ----- handshake and errors (both paths) -----------------------------------------------------------
export const HelloSchema = msg('hello', {
  protocol: VersionSchema,
  role: Type.Union([Type.Literal('plugin'), Type.Literal('ui')]),
  client: Type.Object({ name: Name(64), version: Name(64) }),
  identity: Type.Optional(IdentitySchema),
});
export const WelcomeSchema = msg('welcome', {
  protocol: VersionSchema,
  session: Name(64),
  instanceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  server: Type.Object({ name: Name(64), version: Name(64) }),
  limits: Type.Record(Type.String(), Type.Number()),
});
export const ErrorSchema = msg('error', {
  id: Type.Optional(RequestId),
  code: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Z][A-Z0-9_]*$' }),
  message: Type.String({ maxLength: 4096 }),
  fatal: Type.Boolean(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

// ----- plugin to host ----------------------------------------------------------------------------
export const IdentityMessageSchema = msg('identity', { identity: IdentitySchema });
export const TransportSchema = msg('transport', TransportFields);
export const StatusSchema = msg('status', StatusFields);
export const CapturedSchema = msg('captured', { id: RequestId, ...CapturedFields });
export const OkSchema = msg('ok', { id: RequestId, bar: Type.Optional(NonNegInt) });
/** Since 1.1: the plugin asks the host to capture bars it has heard (its Capture parameter); no reply. */
export const CaptureRequestSchema = msg('capture.request', { bar: NonNegInt, bars: Type.Integer({ minimum: 1, maximum: 65535 }) });

// ----- host to plugin ----------------------------------------------------------------------------
export const CaptureSchema = msg('capture', {
  id: RequestId,
  at: Type.Union([Type.Literal('bar'), Type.Literal('last')]),
  bar: Type.Optional(NonNegInt),
  bars: Type.Integer({ minimum: 1, maximum: 65535 }),
});
export const TakeBeginSchema = msg('take.begin', {
  id: RequestId,
  take: TakeNumber,
  frames: Frames,
  sampleRate: SampleRate,
  channels: Channels,
  name: Type.Optional(Name(128, 0)),
});
export const TakeEndSchema = msg('take.end', { id: RequestId, take: TakeNumber });
export const TakeDropSchema = msg('take.drop', { id: RequestId, take: TakeNumber });
export const PlaySchema = msg('play', {
  id: RequestId,
  take: TakeNumber,
  at: Type.Union([Type.Literal('next'), Type.Literal('bar')]),
  bar: Type.Optional(NonNegInt),
  mode: Type.Union([Type.Literal('replace'), Type.Literal('mix')]),
  gain: NonNegNum,
  loop: Type.Optional(Type.Boolean()),
});
export const StopSchema = msg('stop', {
  id: RequestId,
  at: Type.Union([Type.Literal('now'), Type.Literal('next'), Type.Literal('bar')]),
  bar: Type.Optional(NonNegInt),
});

// ----- UI <-> host -------------------------------------------------------------------------------
export const CallSchema = msg('call', {
  id: RequestId,
  method: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][A-Za-z0-9]*(\\.[a-z][A-Za-z0-9]*)*$' }),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export const ResultSchema = msg('result', { id: RequestId, result: Type.Unknown() });
export const EventSchema = msg('event', { event: Name(64), data: Type.Unknown() });

/** Who sends a message: a plugin, a UI, or the host. */
export type Sender = 'plugin' | 'ui' | 'host';
/** Which path (role) a message travels on. */
export type Role = 'plugin' | 'ui';

interface MessageSpec {
  readonly schema: TSchema;
  /** The senders allowed to send this type, and the path it travels on. */
  readonly from: readonly { readonly sender: Sender; readonly role: Role }[];
  /** The minor version that added the type (absent: 1.0); a peer that negotiated less must not send it. */
  readonly since?: number;
}

const p2h = { sender: 'plugin', role: 'plugin' } as const;
const h2p = { sender: 'host', role: 'plugin' } as const;
const u2h = { sender: 'ui', role: 'ui' } as const;
const h2u = { sender: 'host', role: 'ui' } as const;

/** THE table: every message type of protocol v1 and its direction. */
export const MESSAGES = {
  hello: { schema: HelloSchema, from: [p2h, u2h] },
  welcome: { schema: WelcomeSchema, from: [h2p, h2u] },
  error: { schema: ErrorSchema, from: [p2h, h2p, u2h, h2u] },
  identity: { schema: IdentityMessageSchema, from: [p2h] },
  transport: { schema: TransportSchema, from: [p2h] },
  status: { schema: StatusSchema, from: [p2h] },
  captured: { schema: CapturedSchema, from: [p2h] },
  ok: { schema: OkSchema, from: [p2h] },
  'capture.request': { schema: CaptureRequestSchema, from: [p2h], since: 1 },
  capture: { schema: CaptureSchema, from: [h2p] },
  'take.begin': { schema: TakeBeginSchema, from: [h2p] },
  'take.end': { schema: TakeEndSchema, from: [h2p] },
  'take.drop': { schema: TakeDropSchema, from: [h2p] },
  play: { schema: PlaySchema, from: [h2p] },
  stop: { schema: StopSchema, from: [h2p] },
  call: { schema: CallSchema, from: [u2h] },
  result: { schema: ResultSchema, from: [h2u] },
  event: { schema: EventSchema, from: [h2u] },
} as const satisfies Record<string, MessageSpec>;

export type MessageType = keyof typeof MESSAGES;

export type Identity = Static<typeof IdentitySchema>;
export type TransportState = Static<typeof TransportStateSchema>;
export type PlaybackStatus = Static<typeof PlaybackStatusSchema>;
export type HelloMessage = Static<typeof HelloSchema>;
export type WelcomeMessage = Static<typeof WelcomeSchema>;
export type ErrorMessage = Static<typeof ErrorSchema>;
export type IdentityMessage = Static<typeof IdentityMessageSchema>;
export type TransportMessage = Static<typeof TransportSchema>;
export type StatusMessage = Static<typeof StatusSchema>;
export type CapturedMessage = Static<typeof CapturedSchema>;
export type OkMessage = Static<typeof OkSchema>;
export type CaptureRequestMessage = Static<typeof CaptureRequestSchema>;
export type CaptureMessage = Static<typeof CaptureSchema>;
export type TakeBeginMessage = Static<typeof TakeBeginSchema>;
export type TakeEndMessage = Static<typeof TakeEndSchema>;
export type TakeDropMessage = Static<typeof TakeDropSchema>;
export type PlayMessage = Static<typeof PlaySchema>;
export type StopMessage = Static<typeof StopSchema>;
export type CallMessage = Static<typeof CallSchema>;
export type ResultMessage = Static<typeof ResultSchema>;
export type EventMessage = Static<typeof EventSchema>;

/** Message type name -> its TypeScript type. */
export interface MessageMap {
  hello: HelloMessage;
  welcome: WelcomeMessage;
  error: ErrorMessage;
  identity: IdentityMessage;
  transport: TransportMessage;
  status: StatusMessage;
  captured: CapturedMessage;
  ok: OkMessage;
  'capture.request': CaptureRequestMessage;
  capture: CaptureMessage;
  'take.begin': TakeBeginMessage;
  'take.end': TakeEndMessage;
  'take.drop': TakeDropMessage;
  play: PlayMessage;
  stop: StopMessage;
  call: CallMessage;
  result: ResultMessage;
  event: EventMessage;
}
export type AnyMessage = MessageMap[MessageType];
