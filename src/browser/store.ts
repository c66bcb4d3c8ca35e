// The UI's state as signals, fed by the /ui client: tracks and their live transport, engines, captures, takes, jobs, errors.
import { batch, computed, signal, type Signal } from '@preact/signals';
import type { CaptureRecord, EngineInfo, JobInfo, TakeRecord } from '../common/ui-client/types.js';
import type { PlaybackStatus, TransportState } from '../common/protocol/schema.js';
import { describeError, type ConnectionStatus, type UiClient } from '../common/ui-client/ui-client.js';
import type { TrackInfo, UiErrorInfo } from '../common/ui-client/types.js';

export type View = 'session' | 'bounce' | 'library';

/** Where an error is shown: next to the control that caused it. */
export type ErrorPlace = 'tracks' | 'capture' | 'render' | 'takes' | 'bounce' | 'library' | 'engines';

export interface Audition {
  readonly track: string;
  readonly takeId?: string;
  readonly captureId?: string;
  /** Bar (0-based) the take starts at, when the host said. */
  readonly startsAtBar?: number;
  /** Length of what plays, in bars (for the cursor). */
  readonly bars: number;
}

export interface TransportSample {
  readonly t: TransportState;
  /** performance.now() when it arrived, to move the cursor between updates. */
  readonly at: number;
}

/** Most recent takes kept in the grid (the grid draws cheaply, this bounds memory). */
export const MAX_GRID_TAKES = 1000;
/** Take events arriving within this many ms are applied together (one render of the grid). */
export const TAKE_FLUSH_MS = 16;

export class Store {
  readonly connection = signal<ConnectionStatus>({ state: 'idle', attempt: 0 });
  readonly view = signal<View>('session');
  readonly tracks = signal<readonly TrackInfo[]>([]);
  readonly selectedTrackId = signal<string | undefined>(undefined);
  readonly engines = signal<readonly EngineInfo[]>([]);
  readonly defaultEngine = signal<string | undefined>(undefined);
  readonly captures = signal<readonly CaptureRecord[]>([]);
  readonly selectedCaptureId = signal<string | undefined>(undefined);
  readonly takes = signal<readonly TakeRecord[]>([]);
  readonly jobs = signal<ReadonlyMap<string, JobInfo>>(new Map());
  readonly errors = signal<Readonly<Partial<Record<ErrorPlace, UiErrorInfo>>>>({});
  /** What each track is auditioning (by track id). */
  readonly auditions = signal<ReadonlyMap<string, Audition>>(new Map());
  /** Which host methods exist (false after SERVER_UNKNOWN_METHOD). */
  readonly hostFeatures = signal<{ readonly library: boolean; readonly engines: boolean }>({ library: true, engines: true });
  readonly focusedTakeId = signal<string | undefined>(undefined);

  private readonly transports = new Map<string, Signal<TransportSample | undefined>>();
  private readonly statuses = new Map<string, Signal<PlaybackStatus | undefined>>();

  readonly selectedTrack = computed(() => {
    const id = this.selectedTrackId.value;
    const list = this.tracks.value;
    return list.find((t) => t.id === id) ?? list[0];
  });
  readonly selectedCapture = computed(() => {
    const id = this.selectedCaptureId.value;
    return this.captures.value.find((c) => c.id === id);
  });
  readonly gridTakes = computed(() => {
    const cap = this.selectedCaptureId.value;
    return cap ? this.takes.value.filter((t) => t.captureId === cap) : [];
  });

  constructor(readonly client: UiClient) {}

  transportOf(track: string): Signal<TransportSample | undefined> {
    let s = this.transports.get(track);
    if (!s) this.transports.set(track, (s = signal(undefined)));
    return s;
  }

  statusOf(track: string): Signal<PlaybackStatus | undefined> {
    let s = this.statuses.get(track);
    if (!s) this.statuses.set(track, (s = signal(undefined)));
    return s;
  }

  setError(place: ErrorPlace, err: unknown): void {
    this.errors.value = { ...this.errors.value, [place]: describeError(err) };
  }

  clearError(place: ErrorPlace): void {
    if (!(place in this.errors.value)) return;
    const next = { ...this.errors.value };
    delete next[place];
    this.errors.value = next;
  }

  /** Runs a call, showing its failure at `place`; returns undefined on failure. */
  async attempt<T>(place: ErrorPlace, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      const v = await fn();
      this.clearError(place);
      return v;
    } catch (err) {
      this.setError(place, err);
      return undefined;
    }
  }

  /** Subscribes to the client's events and reloads everything at every (re)connection. */
  wire(): () => void {
    const c = this.client;
    const offs = [
      c.onStatus((s) => {
        const was = this.connection.peek().state;
        this.connection.value = s;
        if (s.state === 'open' && was !== 'open') void this.reload();
      }),
      c.on('tracks.changed', (d) => this.setTracks(d.tracks)),
      c.on('transport', (d) => { this.transportOf(d.track).value = { t: d.transport, at: performance.now() }; }),
      c.on('status', (d) => this.onStatus(d.track, d.status)),
      c.on('job.updated', (job) => { const m = new Map(this.jobs.value); m.set(job.id, job); this.jobs.value = m; }),
      c.on('take.added', (t) => this.queueTake(t)),
      c.on('take.updated', (t) => this.queueTake(t)),
      c.on('take.deleted', (d) => {
        this.pendingTakes.delete(d.takeId);
        this.takes.value = this.takes.value.filter((t) => t.id !== d.takeId);
      }),
      c.on('capture.added', (cap) => {
        if (!this.captures.value.some((x) => x.id === cap.id)) this.captures.value = [cap, ...this.captures.value];
      }),
    ];
    return () => { for (const off of offs) off(); };
  }

  async reload(): Promise<void> {
    const c = this.client;
    await Promise.all([
      this.attempt('tracks', async () => this.setTracks((await c.call('tracks.list', {})).tracks)),
      this.optional('engines', async () => {
        const r = await c.call('engines.list', {});
        batch(() => { this.engines.value = r.engines; this.defaultEngine.value = r.default; });
      }),
      this.optional('library', async () => {
        const r = await c.call('captures.list', { limit: 200 });
        batch(() => {
          this.captures.value = r.captures;
          if (!this.selectedCaptureId.peek() && r.captures[0]) this.selectedCaptureId.value = r.captures[0].id;
        });
        await this.loadTakes();
      }),
      this.optional('library', async () => {
        const r = await c.call('jobs.list', {});
        this.jobs.value = new Map(r.jobs.map((j) => [j.id, j]));
      }),
    ]);
  }

  async loadTakes(): Promise<void> {
    const cap = this.selectedCaptureId.peek();
    if (!cap) return;
    const r = await this.client.call('takes.list', { captureId: cap, limit: MAX_GRID_TAKES });
    const others = this.takes.peek().filter((t) => t.captureId !== cap);
    this.takes.value = [...others, ...r.takes].slice(-MAX_GRID_TAKES);
  }

  selectCapture(id: string): void {
    this.selectedCaptureId.value = id;
    void this.attempt('takes', () => this.loadTakes());
  }

  /** A call to a host method that a bare server may not have: marks the feature absent instead of failing loudly. */
  private async optional(feature: 'engines' | 'library', fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      this.hostFeatures.value = { ...this.hostFeatures.value, [feature]: true };
      this.clearError(feature === 'engines' ? 'engines' : 'library');
    } catch (err) {
      const info = describeError(err);
      if (info.code === 'SERVER_UNKNOWN_METHOD') {
        this.hostFeatures.value = { ...this.hostFeatures.value, [feature]: false };
      } else {
        this.setError(feature === 'engines' ? 'engines' : 'library', err);
      }
    }
  }

  private setTracks(tracks: readonly TrackInfo[]): void {
    batch(() => {
      this.tracks.value = tracks;
      for (const t of tracks) {
        if (t.transport) this.transportOf(t.id).value = { t: t.transport, at: performance.now() };
        if (t.status) this.statusOf(t.id).value = t.status;
      }
      const sel = this.selectedTrackId.peek();
      if (!sel || !tracks.some((t) => t.id === sel)) this.selectedTrackId.value = tracks[0]?.id;
    });
  }

  private onStatus(track: string, status: PlaybackStatus): void {
    this.statusOf(track).value = status;
    if (status.state === 'idle') {
      const a = this.auditions.peek();
      if (a.has(track)) {
        const m = new Map(a);
        m.delete(track);
        this.auditions.value = m;
      }
    } else if (status.bar !== undefined) {
      const a = this.auditions.peek().get(track);
      if (a && a.startsAtBar !== status.bar) this.auditions.value = new Map(this.auditions.peek()).set(track, { ...a, startsAtBar: status.bar });
    }
  }

  setAudition(a: Audition | undefined, track: string): void {
    const m = new Map(this.auditions.peek());
    if (a) m.set(track, a);
    else m.delete(track);
    this.auditions.value = m;
  }

  private pendingTakes = new Map<string, TakeRecord>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  /** Take events come in bursts (a render of 32, a regenerate of many): apply them once per frame, not once each. */
  private queueTake(t: TakeRecord): void {
    this.pendingTakes.set(t.id, t);
    this.flushTimer ??= setTimeout(() => this.flushTakes(), TAKE_FLUSH_MS);
  }

  private flushTakes(): void {
    this.flushTimer = undefined;
    const incoming = this.pendingTakes;
    this.pendingTakes = new Map();
    const next = this.takes.peek().map((x) => {
      const u = incoming.get(x.id);
      if (u) incoming.delete(x.id);
      return u ?? x;
    });
    this.takes.value = [...next, ...incoming.values()].slice(-MAX_GRID_TAKES);
  }
}
