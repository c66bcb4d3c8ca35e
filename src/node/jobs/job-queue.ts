// The job queue: priorities, a concurrency limit, back-pressure, progress events and cancellation through AbortSignal.
//
// One queue per resource (e.g. one for a heavy engine with concurrency 1, one for light work).
// Every event is a plain JSON-serialisable object (see README.md), so the server can forward it to
// /ui clients as it is. Finished jobs are kept for a bounded time and count, then forgotten.
import { StylebridgeError } from '../../common/errors.js';

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The error of a failed or cancelled job, as sent to clients. */
export interface JobError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;
}

export interface JobProgress {
  /** 0..1, never decreasing within a job. */
  readonly fraction: number;
  readonly stage: string | null;
  readonly detail: JsonObject | null;
}

/** What a client may know about a job. */
export interface JobSnapshot {
  readonly id: string;
  readonly kind: string;
  readonly label: string | null;
  readonly priority: number;
  readonly state: JobState;
  /** ms since the epoch. */
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly progress: JobProgress;
  /** Set when state is "failed" or "cancelled". */
  readonly error: JobError | null;
  /** Caller-supplied facts for clients (e.g. {engineId, captureId}). */
  readonly meta: JsonObject | null;
}

/**
 * Events in the order they happen. `seq` grows by one per event of this queue. For every job:
 * queued, then (unless cancelled while queued) started, then zero or more progress, then finished.
 */
export type JobEvent =
  | { readonly type: 'queued'; readonly seq: number; readonly at: number; readonly job: JobSnapshot }
  | { readonly type: 'started'; readonly seq: number; readonly at: number; readonly job: JobSnapshot }
  | { readonly type: 'progress'; readonly seq: number; readonly at: number; readonly jobId: string; readonly progress: JobProgress }
  | { readonly type: 'finished'; readonly seq: number; readonly at: number; readonly job: JobSnapshot };

export type JobListener = (event: JobEvent) => void;

export interface JobContext {
  readonly id: string;
  /** Aborted when the job is cancelled (by cancel(), the spec's own signal, or close()). */
  readonly signal: AbortSignal;
  /** Reports progress. Fraction is clamped to 0..1 and never goes back; calls after the job ended are ignored. */
  progress(fraction: number, stage?: string, detail?: JsonObject): void;
}

export interface JobSpec<T> {
  /** What the job does, e.g. "render"; clients filter on it. */
  readonly kind: string;
  readonly label?: string;
  /** Higher runs first; equal priorities run in submission order. Integer in -1000..1000, default 0. */
  readonly priority?: number;
  readonly meta?: JsonObject;
  /** Cancels the job when it aborts (in addition to cancel()). */
  readonly signal?: AbortSignal;
  readonly run: (ctx: JobContext) => Promise<T> | T;
}

export interface JobHandle<T> {
  readonly id: string;
  /** Resolves with run()'s value; rejects with its error, or with CANCELLED when cancelled. */
  readonly result: Promise<T>;
}

export interface JobQueueOptions {
  /** Jobs running at once. Default 1 (one heavy engine render at a time). */
  readonly concurrency?: number;
  /** Jobs waiting (not running) at most; one more is refused with JOB_QUEUE_FULL. Default 32. */
  readonly maxQueued?: number;
  /** Finished jobs kept for get()/list(), at most this many (oldest dropped first). Default 100. */
  readonly keepFinished?: number;
  /** Finished jobs are forgotten this long after they finish, in ms. Default 10 minutes. */
  readonly keepFinishedMs?: number;
  /** Least time between two progress events of one job, in ms; the first, a stage change and 1.0 always go. Default 100. */
  readonly progressIntervalMs?: number;
  /** Clock in ms since the epoch. Default Date.now. */
  readonly now?: () => number;
}

export const JOB_QUEUE_DEFAULTS = {
  concurrency: 1,
  maxQueued: 32,
  keepFinished: 100,
  keepFinishedMs: 10 * 60 * 1000,
  progressIntervalMs: 100,
} as const;

export const PRIORITY_RANGE = { min: -1000, max: 1000 } as const;

interface Entry {
  readonly id: string;
  readonly order: number;
  readonly spec: JobSpec<unknown>;
  readonly controller: AbortController;
  state: JobState;
  readonly createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  progress: JobProgress;
  lastProgressAt: number;
  error: JobError | null;
  value: unknown;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  detachSignal: (() => void) | null;
}

let queueCounter = 0;

export class JobQueue {
  readonly concurrency: number;
  readonly maxQueued: number;
  readonly #keepFinished: number;
  readonly #keepFinishedMs: number;
  readonly #progressIntervalMs: number;
  readonly #now: () => number;
  readonly #prefix: string;
  #seq = 0;
  #order = 0;
  #closed = false;
  /** Waiting jobs, sorted: priority descending, then submission order. */
  readonly #waiting: Entry[] = [];
  readonly #running = new Map<string, Entry>();
  /** Finished jobs in finishing order (oldest first). */
  readonly #finished = new Map<string, Entry>();
  readonly #listeners = new Set<JobListener>();
  #idleWaiters: Array<() => void> = [];

  constructor(opts: JobQueueOptions = {}) {
    const int = (name: string, v: number | undefined, d: number, min: number): number => {
      if (v === undefined) return d;
      if (!Number.isSafeInteger(v) || v < min) {
        throw new StylebridgeError('INVALID_ARGUMENT', `JobQueue option ${name} must be an integer >= ${min}, got ${String(v)}.`, { option: name });
      }
      return v;
    };
    this.concurrency = int('concurrency', opts.concurrency, JOB_QUEUE_DEFAULTS.concurrency, 1);
    this.maxQueued = int('maxQueued', opts.maxQueued, JOB_QUEUE_DEFAULTS.maxQueued, 0);
    this.#keepFinished = int('keepFinished', opts.keepFinished, JOB_QUEUE_DEFAULTS.keepFinished, 0);
    this.#keepFinishedMs = int('keepFinishedMs', opts.keepFinishedMs, JOB_QUEUE_DEFAULTS.keepFinishedMs, 0);
    this.#progressIntervalMs = int('progressIntervalMs', opts.progressIntervalMs, JOB_QUEUE_DEFAULTS.progressIntervalMs, 0);
    this.#now = opts.now ?? Date.now;
    this.#prefix = `job_${(++queueCounter).toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}_`;
  }

  /** Listens to every event of this queue; returns the function that stops listening. */
  subscribe(listener: JobListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Adds a job. Throws JOB_QUEUE_FULL when maxQueued jobs already wait, JOB_QUEUE_CLOSED after close(),
   * INVALID_ARGUMENT for a bad spec. The job starts at once when a slot is free.
   */
  submit<T>(spec: JobSpec<T>): JobHandle<T> {
    if (this.#closed) throw new StylebridgeError('JOB_QUEUE_CLOSED', 'The job queue is closed.');
    validateSpec(spec);
    if (this.#waiting.length >= this.maxQueued && !(this.#running.size < this.concurrency && this.#waiting.length === 0)) {
      throw new StylebridgeError('JOB_QUEUE_FULL', `${this.#waiting.length} jobs are already waiting (maxQueued ${this.maxQueued}).`,
        { maxQueued: this.maxQueued, waiting: this.#waiting.length, running: this.#running.size });
    }
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<unknown>((res, rej) => { resolve = res; reject = rej; });
    // A caller that never looks at `result` must not crash the process with an unhandled rejection.
    result.catch(() => undefined);
    const e: Entry = {
      id: `${this.#prefix}${(this.#order + 1).toString(36)}`,
      order: this.#order++,
      spec: spec as JobSpec<unknown>,
      controller: new AbortController(),
      state: 'queued',
      createdAt: this.#now(),
      startedAt: null,
      finishedAt: null,
      progress: { fraction: 0, stage: null, detail: null },
      lastProgressAt: -Infinity,
      error: null,
      value: undefined,
      resolve,
      reject,
      detachSignal: null,
    };
    let at = this.#waiting.findIndex((w) => (w.spec.priority ?? 0) < (spec.priority ?? 0));
    if (at < 0) at = this.#waiting.length;
    this.#waiting.splice(at, 0, e);
    this.#emit({ type: 'queued', seq: 0, at: e.createdAt, job: this.#snap(e) });
    if (spec.signal) {
      const s = spec.signal;
      const onAbort = (): void => { this.#cancelEntry(e, s.reason); };
      if (s.aborted) onAbort();
      else {
        s.addEventListener('abort', onAbort, { once: true });
        e.detachSignal = () => s.removeEventListener('abort', onAbort);
      }
    }
    this.#pump();
    return { id: e.id, result: result as Promise<T> };
  }

  /**
   * Cancels a job: a waiting one ends at once (state "cancelled"); a running one gets its signal
   * aborted and ends when its run() settles. Returns false when the job had already finished.
   * Throws JOB_NOT_FOUND for an unknown (or expired) id.
   */
  cancel(id: string, reason?: unknown): boolean {
    const e = this.#find(id);
    if (e.state !== 'queued' && e.state !== 'running') return false;
    this.#cancelEntry(e, reason);
    return true;
  }

  /** The snapshot of a job; JOB_NOT_FOUND for an unknown or expired id. */
  get(id: string): JobSnapshot {
    return this.#snap(this.#find(id));
  }

  /** The value of a job that is done; JOB_NOT_FOUND when unknown, INVALID_ARGUMENT when it is not done. */
  resultOf(id: string): unknown {
    const e = this.#find(id);
    if (e.state !== 'done') throw new StylebridgeError('INVALID_ARGUMENT', `Job ${id} is ${e.state}, not done.`, { id, state: e.state });
    return e.value;
  }

  /** Every known job: running, then waiting in run order, then finished (newest first). */
  list(): JobSnapshot[] {
    this.#prune();
    return [...this.#running.values(), ...this.#waiting, ...[...this.#finished.values()].reverse()].map((e) => this.#snap(e));
  }

  get stats(): { queued: number; running: number; finished: number } {
    this.#prune();
    return { queued: this.#waiting.length, running: this.#running.size, finished: this.#finished.size };
  }

  /** Resolves when nothing waits and nothing runs. */
  onIdle(): Promise<void> {
    if (this.#waiting.length === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((res) => this.#idleWaiters.push(res));
  }

  /** Refuses new jobs, cancels every waiting and running job, and resolves when all have ended. */
  close(reason?: unknown): Promise<void> {
    this.#closed = true;
    for (const e of [...this.#waiting, ...this.#running.values()]) this.#cancelEntry(e, reason);
    return this.onIdle();
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ----- internals ---------------------------------------------------------------------------------

  #find(id: string): Entry {
    this.#prune();
    const e = this.#running.get(id) ?? this.#finished.get(id) ?? this.#waiting.find((w) => w.id === id);
    if (!e) throw new StylebridgeError('JOB_NOT_FOUND', `No job ${String(id)}.`, { id: String(id) });
    return e;
  }

  #cancelEntry(e: Entry, reason: unknown): void {
    const err = reason instanceof StylebridgeError ? reason
      : new StylebridgeError('CANCELLED', typeof reason === 'string' ? reason : 'The job was cancelled.', { jobId: e.id });
    if (e.state === 'queued') {
      this.#waiting.splice(this.#waiting.indexOf(e), 1);
      this.#finish(e, 'cancelled', undefined, err);
      this.#pump();
    } else if (e.state === 'running' && !e.controller.signal.aborted) {
      e.controller.abort(err);
    }
  }

  #pump(): void {
    while (this.#running.size < this.concurrency && this.#waiting.length > 0) {
      const e = this.#waiting.shift()!;
      this.#start(e);
    }
    this.#checkIdle();
  }

  #start(e: Entry): void {
    e.state = 'running';
    e.startedAt = this.#now();
    this.#running.set(e.id, e);
    this.#emit({ type: 'started', seq: 0, at: e.startedAt, job: this.#snap(e) });
    const ctx: JobContext = {
      id: e.id,
      signal: e.controller.signal,
      progress: (fraction, stage, detail) => this.#progress(e, fraction, stage, detail),
    };
    Promise.resolve()
      .then(() => e.spec.run(ctx))
      .then(
        (value) => this.#settle(e, 'done', value, null),
        (err: unknown) => this.#settle(e, e.controller.signal.aborted ? 'cancelled' : 'failed', undefined, err),
      );
  }

  #settle(e: Entry, state: JobState, value: unknown, err: unknown): void {
    this.#running.delete(e.id);
    // A run that rejects after its signal aborted counts as cancelled, with the run's own error when it is CANCELLED.
    const error = state === 'cancelled' && !(err instanceof StylebridgeError && err.code === 'CANCELLED')
      ? (e.controller.signal.reason as unknown) : err;
    this.#finish(e, state, value, error);
    this.#pump();
  }

  #progress(e: Entry, fraction: number, stage?: string, detail?: JsonObject): void {
    if (e.state !== 'running' || typeof fraction !== 'number' || Number.isNaN(fraction)) return;
    const f = Math.max(e.progress.fraction, Math.min(1, Math.max(0, fraction)));
    const st = typeof stage === 'string' ? stage : e.progress.stage;
    const now = this.#now();
    const due = now - e.lastProgressAt >= this.#progressIntervalMs || st !== e.progress.stage || (f === 1 && e.progress.fraction < 1);
    e.progress = { fraction: f, stage: st, detail: detail ?? null };
    if (!due) return;
    e.lastProgressAt = now;
    this.#emit({ type: 'progress', seq: 0, at: now, jobId: e.id, progress: e.progress });
  }

  #finish(e: Entry, state: JobState, value: unknown, err: unknown): void {
    e.state = state;
    e.finishedAt = this.#now();
    e.detachSignal?.();
    e.detachSignal = null;
    if (state === 'done') {
      e.value = value;
      e.resolve(value);
    } else {
      e.error = toJobError(err);
      e.reject(err);
    }
    this.#finished.set(e.id, e);
    this.#emit({ type: 'finished', seq: 0, at: e.finishedAt, job: this.#snap(e) });
    this.#prune();
  }

  #prune(): void {
    const cutoff = this.#now() - this.#keepFinishedMs;
    for (const [id, e] of this.#finished) {
      if (this.#finished.size > this.#keepFinished || (e.finishedAt ?? 0) < cutoff) this.#finished.delete(id);
      else break;
    }
  }

  #checkIdle(): void {
    if (this.#waiting.length > 0 || this.#running.size > 0 || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #emit(event: JobEvent): void {
    const ev = { ...event, seq: ++this.#seq } as JobEvent;
    for (const l of this.#listeners) {
      try {
        l(ev);
      } catch (err) {
        // One failing listener (e.g. a closed socket) must not stop the queue or the other listeners.
        process.emitWarning(`job event listener threw: ${(err as Error).message}`, 'StylebridgeJobListener');
      }
    }
  }

  #snap(e: Entry): JobSnapshot {
    return {
      id: e.id,
      kind: e.spec.kind,
      label: e.spec.label ?? null,
      priority: e.spec.priority ?? 0,
      state: e.state,
      createdAt: e.createdAt,
      startedAt: e.startedAt,
      finishedAt: e.finishedAt,
      progress: e.progress,
      error: e.error,
      meta: e.spec.meta ?? null,
    };
  }
}

function validateSpec(spec: JobSpec<unknown>): void {
  const bad = (field: string, expected: string): never => {
    throw new StylebridgeError('INVALID_ARGUMENT', `Job spec field ${field} must be ${expected}.`, { field });
  };
  if (typeof spec !== 'object' || spec === null) bad('spec', 'an object');
  if (typeof spec.kind !== 'string' || spec.kind.length === 0 || spec.kind.length > 64) bad('kind', 'a string of 1..64 characters');
  if (typeof spec.run !== 'function') bad('run', 'a function');
  if (spec.label !== undefined && (typeof spec.label !== 'string' || spec.label.length > 500)) bad('label', 'a string of at most 500 characters');
  if (spec.priority !== undefined && (!Number.isSafeInteger(spec.priority) || spec.priority < PRIORITY_RANGE.min || spec.priority > PRIORITY_RANGE.max)) {
    bad('priority', `an integer in ${PRIORITY_RANGE.min}..${PRIORITY_RANGE.max}`);
  }
  if (spec.signal !== undefined && !(spec.signal instanceof AbortSignal)) bad('signal', 'an AbortSignal');
  if (spec.meta !== undefined) {
    try {
      JSON.stringify(spec.meta);
    } catch {
      bad('meta', 'JSON-serialisable');
    }
  }
}

function toJobError(err: unknown): JobError {
  if (err instanceof StylebridgeError) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}
