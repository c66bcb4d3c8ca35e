// Types of everything a /ui client can call and hear: the server built-ins (docs/protocol.md section 5) plus the host catalogue.
import type { Static } from '@sinclair/typebox';
import type { CaptureRecord as CaptureRecordSchema, EngineInfo as EngineInfoSchema, HostEvent, HostEventData, HostMethod, HostParams, HostResult, JobInfo as JobInfoSchema, TakeRecord as TakeRecordSchema } from '../api/methods.js';
import type { Identity, PlaybackStatus, TransportState } from '../protocol/schema.js';

export type CaptureRecord = Static<typeof CaptureRecordSchema>;
export type TakeRecord = Static<typeof TakeRecordSchema>;
export type EngineInfo = Static<typeof EngineInfoSchema>;
export type JobInfo = Static<typeof JobInfoSchema>;

/** One connected plugin as `tracks.list` and `tracks.changed` describe it. */
export interface TrackInfo {
  /** The plugin's instanceId: the stable name of the track for every call. */
  readonly id: string;
  /** This connection's session id (new at every reconnect of the plugin). */
  readonly session: string;
  readonly identity: Identity;
  readonly transport?: TransportState | null;
  readonly status?: PlaybackStatus | null;
}

export interface ServerInfo {
  readonly version: string;
  readonly protocol: { readonly major: number; readonly minor: number };
  readonly limits: Readonly<Record<string, number>>;
}

/** The server's own methods (registered by src/node/server, declared in docs/protocol.md 5). */
export interface BuiltinMethods {
  'server.info': { params: Record<string, never>; result: ServerInfo };
  'tracks.list': { params: Record<string, never>; result: { tracks: TrackInfo[] } };
  audition: {
    params: { track: string; take: string; at?: 'next' | 'bar'; bar?: number; mode?: 'replace' | 'mix'; gain?: number; loop?: boolean };
    result: { track: string; take: string; bar?: number };
  };
  stop: { params: { track: string; at?: 'next' | 'bar' | 'now'; bar?: number }; result: { track: string; bar?: number } };
}

export type BuiltinMethod = keyof BuiltinMethods;
export type UiMethod = BuiltinMethod | HostMethod;
export type UiParams<M extends UiMethod> = M extends BuiltinMethod ? BuiltinMethods[M]['params'] : M extends HostMethod ? HostParams<M> : never;
export type UiResult<M extends UiMethod> = M extends BuiltinMethod ? BuiltinMethods[M]['result'] : M extends HostMethod ? HostResult<M> : never;

/** The server's own events (docs/protocol.md 5). */
export interface BuiltinEvents {
  'tracks.changed': { tracks: TrackInfo[] };
  transport: { track: string; transport: TransportState };
  status: { track: string; status: PlaybackStatus };
}

export type UiEvent = keyof BuiltinEvents | HostEvent;
export type UiEventData<E extends UiEvent> = E extends keyof BuiltinEvents ? BuiltinEvents[E] : E extends HostEvent ? HostEventData<E> : never;

/** An error as the UI shows it: stable code, message, and what to do next. */
export interface UiErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}
