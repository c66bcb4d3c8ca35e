// The /ui methods the server itself provides: server.info, tracks.list, capture, takes.upload, audition, stop.
import { Type } from '@sinclair/typebox';
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import type { ProtocolLimits } from '../../common/protocol/limits.js';
import type { Identity } from '../../common/protocol/schema.js';
import { PROTOCOL_VERSION } from '../../common/protocol/version.js';
import { withAudio, type ApiRegistry } from './api.js';
import type { SessionRegistry } from './sessions.js';
import type { TakeStore } from './take-store.js';

export interface BuiltinDeps {
  readonly api: ApiRegistry;
  readonly sessions: SessionRegistry;
  readonly takes: TakeStore;
  readonly limits: ProtocolLimits;
  readonly version: string;
  /** Finds take audio the host store does not hold (the project library plugs in here). */
  readonly resolveTake?: (key: string) => Promise<AudioBuffer | undefined> | AudioBuffer | undefined;
  /** Converts a take for a plugin (resampling to its rate); without it a rate mismatch fails with TAKE_FORMAT. */
  readonly prepareTake?: (audio: AudioBuffer, identity: Identity) => Promise<AudioBuffer> | AudioBuffer;
}

const Track = Type.String({ minLength: 1, maxLength: 256 });
const TakeKey = Type.String({ minLength: 1, maxLength: 128 });
const NonNegInt = Type.Integer({ minimum: 0 });

export const CaptureParams = Type.Object({
  track: Track,
  at: Type.Optional(Type.Union([Type.Literal('bar'), Type.Literal('last')])),
  bar: Type.Optional(NonNegInt),
  bars: Type.Optional(Type.Integer({ minimum: 1 })),
});
export const UploadParams = Type.Object({
  take: TakeKey,
  frames: Type.Integer({ minimum: 1 }),
  sampleRate: Type.Integer({ minimum: 22050, maximum: 192000 }),
  channels: Type.Integer({ minimum: 1 }),
});
export const AuditionParams = Type.Object({
  track: Track,
  take: TakeKey,
  at: Type.Optional(Type.Union([Type.Literal('next'), Type.Literal('bar')])),
  bar: Type.Optional(NonNegInt),
  mode: Type.Optional(Type.Union([Type.Literal('replace'), Type.Literal('mix')])),
  gain: Type.Optional(Type.Number({ minimum: 0 })),
  loop: Type.Optional(Type.Boolean()),
});
export const StopParams = Type.Object({
  track: Track,
  at: Type.Optional(Type.Union([Type.Literal('now'), Type.Literal('next'), Type.Literal('bar')])),
  bar: Type.Optional(NonNegInt),
});

export function registerBuiltinMethods(d: BuiltinDeps): void {
  const { api, sessions, takes, limits } = d;

  api.register('server.info', Type.Object({}), () => ({
    version: d.version,
    protocol: PROTOCOL_VERSION,
    limits,
    methods: api.names(),
  }));

  api.register('tracks.list', Type.Object({}), () => ({ tracks: sessions.list().map((s) => s.toJSON()) }));

  api.register('capture', CaptureParams, async (p) => {
    const s = sessions.find(p.track);
    const at = p.at ?? (p.bar !== undefined ? 'bar' : 'last');
    if (at === 'bar' && p.bar === undefined) throw new StylebridgeError('PROTO_INVALID_MESSAGE', 'bar is required when at is "bar".', { path: '/params/bar' });
    const r = await s.capture({ at, ...(p.bar !== undefined ? { bar: p.bar } : {}), bars: p.bars ?? 1 });
    return withAudio({ track: s.instanceId, ...r.info }, r.audio);
  });

  api.register('takes.upload', UploadParams, (p, ctx) => {
    const t = takes.put(p.take, ctx.audio!);
    return { take: t.key, frames: p.frames };
  }, { receivesAudio: true });

  api.register('audition', AuditionParams, async (p) => {
    const s = sessions.find(p.track);
    if (p.at === 'bar' && p.bar === undefined) throw new StylebridgeError('PROTO_INVALID_MESSAGE', 'bar is required when at is "bar".', { path: '/params/bar' });
    // A take uploaded through takes.upload carries the store's revision; one found by resolveTake never changes.
    const stored = takes.get(p.take);
    const revision: unknown = stored ? stored.revision : 'resolved';
    if (!s.hasTake(p.take, revision)) {
      let audio = stored?.audio ?? (await d.resolveTake?.(p.take));
      if (!audio) throw new StylebridgeError('SERVER_NO_SUCH_TAKE', `The host holds no take "${p.take}".`, { take: p.take });
      if (d.prepareTake) audio = await d.prepareTake(audio, s.identity);
      await s.uploadTake(p.take, audio, revision);
    }
    const r = await s.play({
      take: p.take,
      ...(p.at ? { at: p.at } : {}),
      ...(p.bar !== undefined ? { bar: p.bar } : {}),
      ...(p.mode ? { mode: p.mode } : {}),
      ...(p.gain !== undefined ? { gain: p.gain } : {}),
      ...(p.loop !== undefined ? { loop: p.loop } : {}),
    });
    return { track: s.instanceId, take: p.take, ...r };
  });

  api.register('stop', StopParams, async (p) => {
    const s = sessions.find(p.track);
    const r = await s.stop({ ...(p.at ? { at: p.at } : {}), ...(p.bar !== undefined ? { bar: p.bar } : {}) });
    return { track: s.instanceId, ...r };
  });
}
