// The /ui API catalogue: every method the UI and the CLI call on the host, with params/result schemas, and every event.
// The envelope (request/response/event framing, ids, errors) is in src/common/protocol; this file says WHAT can be called.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const MeterT = Type.Object({ numerator: Type.Integer({ minimum: 1, maximum: 32 }), denominator: Type.Integer({ minimum: 1, maximum: 32 }) });

/** What the UI needs to know about an engine (a JSON copy of EngineCapabilities). */
export const EngineInfo = Type.Object({
  id: Type.String(), name: Type.String(), description: Type.String(), family: Type.String(), device: Type.String(),
  textPrompt: Type.Object({ supported: Type.Boolean(), reason: Type.Optional(Type.String()) }),
  styleAudio: Type.Object({ supported: Type.Boolean(), reason: Type.Optional(Type.String()) }),
  strength: Type.Object({ min: Type.Integer(), max: Type.Integer(), default: Type.Integer(), meaning: Type.String() }),
  guidance: Type.Object({ supported: Type.Boolean(), reason: Type.Optional(Type.String()), defaultCfg: Type.Optional(Type.Number()), defaultCfgBeta: Type.Optional(Type.Number()) }),
  maxVariations: Type.Integer(), maxBars: Type.Integer(),
});

export const CaptureRecord = Type.Object({
  id: Id, createdAt: Type.String(), source: Type.String({ description: '"plugin" or "file"' }),
  trackName: Type.Optional(Type.String()), instanceId: Type.Optional(Type.String()), daw: Type.Optional(Type.String()),
  bpm: Type.Number(), meter: MeterT, bar: Type.Optional(Type.Integer()), bars: Type.Integer(),
  sampleRate: Type.Integer(), channels: Type.Integer(), frames: Type.Integer(), key: Type.Optional(Type.String()),
  /** Path of the audio below the host's /files/ route (token required). */
  audioUrl: Type.String(),
});

export const TakeRecord = Type.Object({
  id: Id, captureId: Id, createdAt: Type.String(), engine: Type.String(), model: Type.Optional(Type.String()),
  prompt: Type.Optional(Type.String()), strength: Type.Integer(), seed: Type.Integer(), variation: Type.Integer(),
  bars: Type.Integer(), bpm: Type.Number(), meter: MeterT, sampleRate: Type.Integer(), channels: Type.Integer(), frames: Type.Integer(),
  cfg: Type.Optional(Type.Number()), cfgBeta: Type.Optional(Type.Number()), topK: Type.Optional(Type.Integer()), temperature: Type.Optional(Type.Number()),
  favourite: Type.Boolean(), audioUrl: Type.String(),
});

export const RenderParams = Type.Object({
  captureId: Id,
  engine: Type.Optional(Type.String({ default: 'concat' })),
  model: Type.Optional(Type.String()),
  prompt: Type.Optional(Type.String({ maxLength: 2000 })),
  strength: Type.Optional(Type.Integer({ minimum: 1, maximum: 6 })),
  cfg: Type.Optional(Type.Number({ minimum: 0, maximum: 20 })),
  cfgBeta: Type.Optional(Type.Number({ minimum: 0, maximum: 20 })),
  topK: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
  temperature: Type.Optional(Type.Number({ minimum: 0.01, maximum: 10 })),
  variations: Type.Integer({ minimum: 1, maximum: 64 }),
  bars: Type.Integer({ minimum: 1, maximum: 64 }),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
  /** Output rate; default: the track's rate (or the capture's). */
  sampleRate: Type.Optional(Type.Integer({ minimum: 22050, maximum: 192000 })),
});

export const JobInfo = Type.Object({
  id: Id, kind: Type.String(), state: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('cancelled')]),
  progress: Type.Number(), stage: Type.Optional(Type.String()),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String(), hint: Type.Optional(Type.String()) })),
  /** What the job was started with (e.g. {captureId, engine}). */
  meta: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** The job's value once done: render {takeIds}, bounce {bounceId, folder}. */
  result: Type.Optional(Type.Unknown()),
});

const Empty = Type.Object({});
const Ok = Type.Object({ ok: Type.Literal(true) });

/**
 * Methods registered by the host composition (src/node/host.ts). The server's own built-ins
 * (tracks.list, capture, audition, stop) are declared with the protocol in src/common/protocol.
 */
export const HOST_METHODS = {
  'engines.list': { params: Empty, result: Type.Object({ engines: Type.Array(EngineInfo), default: Type.String() }) },
  /** Capture from a plugin and keep it in the library. */
  'captures.take': {
    params: Type.Object({ track: Id, bar: Type.Optional(Type.Integer({ minimum: 0 })), bars: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })) }),
    result: Type.Object({ capture: CaptureRecord }),
  },
  /**
   * A dropped audio file becomes a capture. The caller decodes the file and sends its PCM as binary
   * frames of kind 2 with the call's id right after the call (as `takes.upload`, docs/protocol.md 5);
   * bpm/meter say how to read it, bar/bars which whole bars to keep.
   */
  'captures.import': {
    params: Type.Object({
      name: Type.String({ maxLength: 255 }), bpm: Type.Number({ minimum: 20, maximum: 999 }), meter: MeterT,
      bar: Type.Optional(Type.Integer({ minimum: 0 })), bars: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
      frames: Type.Integer({ minimum: 1 }), sampleRate: Type.Integer({ minimum: 22050, maximum: 192000 }), channels: Type.Integer({ minimum: 1, maximum: 8 }),
    }),
    result: Type.Object({ capture: CaptureRecord }),
  },
  'captures.list': { params: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }), result: Type.Object({ captures: Type.Array(CaptureRecord) }) },
  /** Starts a render job; progress arrives as job events, takes as take.added events. */
  render: { params: RenderParams, result: Type.Object({ jobId: Id }) },
  'jobs.list': { params: Empty, result: Type.Object({ jobs: Type.Array(JobInfo) }) },
  'jobs.cancel': { params: Type.Object({ jobId: Id }), result: Ok },
  'takes.list': { params: Type.Object({ captureId: Type.Optional(Id), favourites: Type.Optional(Type.Boolean()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }), result: Type.Object({ takes: Type.Array(TakeRecord) }) },
  'takes.favourite': { params: Type.Object({ takeId: Id, favourite: Type.Boolean() }), result: Ok },
  'takes.delete': { params: Type.Object({ takeId: Id }), result: Ok },
  /** Re-renders one take: same seed reproduces it bit for bit, `newSeed` gives a fresh one. */
  'takes.regenerate': { params: Type.Object({ takeId: Id, newSeed: Type.Optional(Type.Boolean()) }), result: Type.Object({ jobId: Id }) },
  /** Plays a library take (or the capture itself, for A/B) on a track from the next bar line. */
  'takes.audition': {
    params: Type.Object({ track: Id, takeId: Type.Optional(Id), captureId: Type.Optional(Id), atBar: Type.Optional(Type.Integer({ minimum: 0 })), mode: Type.Optional(Type.Union([Type.Literal('replace'), Type.Literal('mix')])), gainDb: Type.Optional(Type.Number({ minimum: -60, maximum: 12 })) }),
    result: Type.Object({ startsAtBar: Type.Optional(Type.Integer()) }),
  },
  'library.search': {
    params: Type.Object({ text: Type.Optional(Type.String({ maxLength: 200 })), bpmMin: Type.Optional(Type.Number()), bpmMax: Type.Optional(Type.Number()), meter: Type.Optional(Type.String()), key: Type.Optional(Type.String()), engine: Type.Optional(Type.String()), from: Type.Optional(Type.String()), to: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
    result: Type.Object({ captures: Type.Array(CaptureRecord), takes: Type.Array(TakeRecord) }),
  },
  /** One stem per track over [fromBar, toBar): per track one take, or one take per bar (arrangement). */
  bounce: {
    params: Type.Object({ fromBar: Type.Integer({ minimum: 0 }), toBar: Type.Integer({ minimum: 1 }), tracks: Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }), takeIds: Type.Array(Id, { minItems: 1 }) }), { minItems: 1, maxItems: 64 }), format: Type.Optional(Type.Union([Type.Literal('wav'), Type.Literal('flac')])), folder: Type.Optional(Type.String({ maxLength: 4096 })) }),
    result: Type.Object({ jobId: Id }),
  },
} as const satisfies Record<string, { params: TSchema; result: TSchema }>;

export type HostMethod = keyof typeof HOST_METHODS;
export type HostParams<M extends HostMethod> = Static<(typeof HOST_METHODS)[M]['params']>;
export type HostResult<M extends HostMethod> = Static<(typeof HOST_METHODS)[M]['result']>;

/** Events the host pushes to /ui clients (besides the server's tracks/transport events). */
export const HOST_EVENTS = {
  'job.updated': JobInfo,
  'take.added': TakeRecord,
  'take.updated': TakeRecord,
  'take.deleted': Type.Object({ takeId: Id }),
  'capture.added': CaptureRecord,
} as const satisfies Record<string, TSchema>;

export type HostEvent = keyof typeof HOST_EVENTS;
export type HostEventData<E extends HostEvent> = Static<(typeof HOST_EVENTS)[E]>;
