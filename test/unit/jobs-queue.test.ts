// The job queue: priorities, concurrency, cancellation of waiting and running jobs, back-pressure, progress events, retention.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StylebridgeError, hasCode } from '../../src/common/errors.js';
import { JobQueue, type JobContext, type JobEvent } from '../../src/node/jobs/job-queue.js';

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** A job body that waits for its gate, or rejects with CANCELLED as soon as its signal aborts. */
function gated(gate: Promise<unknown>, log?: string[], name?: string) {
  return async (ctx: JobContext): Promise<string> => {
    log?.push(`start ${name}`);
    await new Promise((res, rej) => {
      void gate.then(res);
      ctx.signal.addEventListener('abort', () => rej(ctx.signal.reason), { once: true });
    });
    return name ?? ctx.id;
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('job queue', () => {
  test('waiting jobs run highest priority first, and in submission order within a priority', async () => {
    const q = new JobQueue({ concurrency: 1 });
    const log: string[] = [];
    const gate = deferred();
    q.submit({ kind: 'render', run: gated(gate.promise, log, 'first') });
    const names: Array<[string, number]> = [['low', -5], ['mid-a', 0], ['high', 10], ['mid-b', 0]];
    const handles = names.map(([name, priority]) => q.submit({ kind: 'render', priority, run: (): string => { log.push(`start ${name}`); return name; } }));
    gate.resolve();
    await Promise.all(handles.map((h) => h.result));
    assert.deepEqual(log, ['start first', 'start high', 'start mid-a', 'start mid-b', 'start low']);
  });

  test('no more than `concurrency` jobs run at once, and all of them finish', async () => {
    const q = new JobQueue({ concurrency: 2 });
    let running = 0;
    let peak = 0;
    const handles = Array.from({ length: 6 }, (_, i) => q.submit({
      kind: 'x',
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return i;
      },
    }));
    assert.deepEqual(q.stats, { queued: 4, running: 2, finished: 0 });
    assert.deepEqual(await Promise.all(handles.map((h) => h.result)), [0, 1, 2, 3, 4, 5]);
    assert.equal(peak, 2);
    await q.onIdle();
  });

  test('cancelling a waiting job ends it at once, it never runs, and its result rejects with CANCELLED', async () => {
    const q = new JobQueue();
    const gate = deferred();
    q.submit({ kind: 'x', run: gated(gate.promise) });
    let ran = false;
    const waiting = q.submit({ kind: 'x', run: () => { ran = true; } });
    assert.equal(q.cancel(waiting.id), true);
    assert.equal(q.get(waiting.id).state, 'cancelled');
    assert.equal(q.get(waiting.id).error?.code, 'CANCELLED');
    await assert.rejects(waiting.result, (e) => hasCode(e, 'CANCELLED'));
    gate.resolve();
    await q.onIdle();
    assert.equal(ran, false);
    assert.equal(q.cancel(waiting.id), false, 'cancelling again reports that it had already ended');
  });

  test('cancelling a running job aborts its signal, and the job ends cancelled when its run stops', async () => {
    const q = new JobQueue();
    const never = new Promise<never>(() => undefined);
    const h = q.submit({ kind: 'render', run: gated(never) });
    await tick();
    assert.equal(q.get(h.id).state, 'running');
    assert.equal(q.cancel(h.id, 'user pressed stop'), true);
    await assert.rejects(h.result, (e) => hasCode(e, 'CANCELLED'));
    const snap = q.get(h.id);
    assert.equal(snap.state, 'cancelled');
    assert.equal(snap.error?.message, 'user pressed stop');
  });

  test('a running job that finishes anyway after being cancelled is reported done, with its result', async () => {
    const q = new JobQueue();
    const gate = deferred();
    const h = q.submit({ kind: 'x', run: async (ctx) => { await gate.promise; return ctx.signal.aborted; } });
    await tick();
    q.cancel(h.id);
    gate.resolve();
    assert.equal(await h.result, true);
    assert.equal(q.get(h.id).state, 'done');
  });

  test("a job's own AbortSignal cancels it, whether waiting, running, or already aborted at submission", async () => {
    const q = new JobQueue();
    const runningCtl = new AbortController();
    const waitingCtl = new AbortController();
    const running = q.submit({ kind: 'x', signal: runningCtl.signal, run: gated(new Promise(() => undefined)) });
    const waiting = q.submit({ kind: 'x', signal: waitingCtl.signal, run: () => 1 });
    const pre = q.submit({ kind: 'x', signal: AbortSignal.abort(), run: () => 2 });
    assert.equal(q.get(pre.id).state, 'cancelled');
    waitingCtl.abort();
    assert.equal(q.get(waiting.id).state, 'cancelled');
    await tick();
    runningCtl.abort();
    await assert.rejects(running.result, (e) => hasCode(e, 'CANCELLED'));
    await assert.rejects(waiting.result, (e) => hasCode(e, 'CANCELLED'));
    await assert.rejects(pre.result, (e) => hasCode(e, 'CANCELLED'));
    assert.equal(q.get(running.id).state, 'cancelled');
  });

  test('submitting beyond maxQueued waiting jobs throws JOB_QUEUE_FULL; after a job leaves the queue it accepts again', async () => {
    const q = new JobQueue({ concurrency: 1, maxQueued: 2 });
    const gate = deferred();
    q.submit({ kind: 'x', run: gated(gate.promise) });
    const a = q.submit({ kind: 'x', run: () => 'a' });
    q.submit({ kind: 'x', run: () => 'b' });
    assert.throws(() => q.submit({ kind: 'x', run: () => 'c' }),
      (e) => hasCode(e, 'JOB_QUEUE_FULL') && (e as StylebridgeError).details?.maxQueued === 2);
    q.cancel(a.id);
    const c = q.submit({ kind: 'x', run: () => 'c' });
    gate.resolve();
    assert.equal(await c.result, 'c');
  });

  test('with maxQueued 0 a job still starts when a slot is free, and is refused when none is', () => {
    const q = new JobQueue({ concurrency: 1, maxQueued: 0 });
    q.submit({ kind: 'x', run: gated(new Promise(() => undefined)) });
    assert.throws(() => q.submit({ kind: 'x', run: () => 1 }), (e) => hasCode(e, 'JOB_QUEUE_FULL'));
    void q.close();
  });

  test('events arrive queued, started, progress with a fraction that never decreases, then finished; seq grows by one', async () => {
    const q = new JobQueue({ progressIntervalMs: 0 });
    const events: JobEvent[] = [];
    q.subscribe((e) => events.push(e));
    const h = q.submit({
      kind: 'render', label: 'Drums x4', meta: { engineId: 'concat' },
      run: (ctx) => {
        ctx.progress(0.25, 'analyse');
        ctx.progress(0.1, 'analyse');
        ctx.progress(0.5, 'generate', { variation: 1 });
        ctx.progress(7, 'generate');
        return 'ok';
      },
    });
    await h.result;
    const late = events.length;
    assert.deepEqual(events.map((e) => e.type), ['queued', 'started', 'progress', 'progress', 'progress', 'progress', 'finished']);
    assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
    const fractions = events.flatMap((e) => (e.type === 'progress' ? [e.progress.fraction] : []));
    assert.deepEqual(fractions, [0.25, 0.25, 0.5, 1]);
    const fin = events.at(-1)!;
    assert.ok(fin.type === 'finished');
    assert.equal(fin.job.state, 'done');
    assert.deepEqual(fin.job.meta, { engineId: 'concat' });
    assert.deepEqual(JSON.parse(JSON.stringify(events)), events, 'events are plain JSON');
    assert.equal(events.length, late);
  });

  test('progress is thinned to one event per progressIntervalMs, but the first, a new stage and completion always go', async () => {
    let now = 1000;
    const q = new JobQueue({ progressIntervalMs: 100, now: () => now });
    const events: JobEvent[] = [];
    q.subscribe((e) => { if (e.type === 'progress') events.push(e); });
    const gate = deferred();
    let ctx!: JobContext;
    const h = q.submit({ kind: 'x', run: async (c) => { ctx = c; await gate.promise; } });
    await tick();
    ctx.progress(0.1, 'a');
    now += 10; ctx.progress(0.2, 'a');
    now += 10; ctx.progress(0.3, 'b');
    now += 10; ctx.progress(0.4, 'b');
    now += 100; ctx.progress(0.5, 'b');
    now += 1; ctx.progress(1, 'b');
    assert.deepEqual(events.map((e) => (e.type === 'progress' ? e.progress.fraction : -1)), [0.1, 0.3, 0.5, 1]);
    assert.equal(q.get(h.id).progress.fraction, 1, 'the snapshot always holds the latest progress');
    gate.resolve();
    await h.result;
    ctx.progress(1, 'after the end');
    assert.equal(events.length, 4, 'progress after the job ended is ignored');
  });

  test('a job that throws is failed with the error code, or INTERNAL for an error without one', async () => {
    const q = new JobQueue();
    const a = q.submit({ kind: 'x', run: () => { throw new StylebridgeError('INVALID_ARGUMENT', 'bad bars'); } });
    const b = q.submit({ kind: 'x', run: async () => { throw new TypeError('boom'); } });
    await assert.rejects(a.result, (e) => hasCode(e, 'INVALID_ARGUMENT'));
    await assert.rejects(b.result, TypeError);
    assert.deepEqual([q.get(a.id).state, q.get(a.id).error?.code], ['failed', 'INVALID_ARGUMENT']);
    assert.deepEqual([q.get(b.id).state, q.get(b.id).error], ['failed', { code: 'INTERNAL', message: 'boom' }]);
  });

  test('finished jobs are kept up to keepFinished and for keepFinishedMs, then forgotten', async () => {
    let now = 0;
    const q = new JobQueue({ keepFinished: 2, keepFinishedMs: 1000, now: () => now });
    const ids: Array<{ id: string; result: Promise<number> }> = [];
    for (let i = 0; i < 3; i++) ids.push(q.submit({ kind: 'x', run: () => i }));
    await q.onIdle();
    await Promise.all(ids.map((h) => h.result));
    assert.throws(() => q.get(ids[0]!.id), (e) => hasCode(e, 'JOB_NOT_FOUND'));
    assert.equal(q.resultOf(ids[2]!.id), 2);
    assert.equal(q.list().length, 2);
    now = 1001;
    assert.equal(q.list().length, 0);
    assert.throws(() => q.cancel(ids[2]!.id), (e) => hasCode(e, 'JOB_NOT_FOUND'));
  });

  test('close() cancels waiting and running jobs, resolves when they have ended, and refuses new jobs', async () => {
    const q = new JobQueue();
    const r = q.submit({ kind: 'x', run: gated(new Promise(() => undefined)) });
    const w = q.submit({ kind: 'x', run: () => 1 });
    await tick();
    await q.close();
    assert.equal(q.get(r.id).state, 'cancelled');
    assert.equal(q.get(w.id).state, 'cancelled');
    assert.throws(() => q.submit({ kind: 'x', run: () => 1 }), (e) => hasCode(e, 'JOB_QUEUE_CLOSED'));
  });

  test('a listener that throws does not stop the queue or the other listeners', async (t) => {
    const q = new JobQueue();
    const seen: string[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { warnings.push(w.message); };
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    q.subscribe(() => { throw new Error('socket closed'); });
    const off = q.subscribe((e) => seen.push(e.type));
    assert.equal(await q.submit({ kind: 'x', run: () => 5 }).result, 5);
    off();
    await q.submit({ kind: 'x', run: () => 6 }).result;
    assert.deepEqual(seen, ['queued', 'started', 'finished']);
    await tick();
    assert.ok(warnings.some((m) => m.includes('socket closed')));
  });

  test('bad options and specs are refused with INVALID_ARGUMENT; unknown ids with JOB_NOT_FOUND', () => {
    assert.throws(() => new JobQueue({ concurrency: 0 }), (e) => hasCode(e, 'INVALID_ARGUMENT'));
    assert.throws(() => new JobQueue({ maxQueued: -1 }), (e) => hasCode(e, 'INVALID_ARGUMENT'));
    const q = new JobQueue();
    assert.throws(() => q.submit({ kind: '', run: () => 1 }), (e) => hasCode(e, 'INVALID_ARGUMENT'));
    assert.throws(() => q.submit({ kind: 'x', priority: 1.5, run: () => 1 }), (e) => hasCode(e, 'INVALID_ARGUMENT'));
    assert.throws(() => q.submit({ kind: 'x', priority: 5000, run: () => 1 }), (e) => hasCode(e, 'INVALID_ARGUMENT'));
    assert.throws(() => q.submit({ kind: 'x' } as never), (e) => hasCode(e, 'INVALID_ARGUMENT'));
    assert.throws(() => q.get('job_nope'), (e) => hasCode(e, 'JOB_NOT_FOUND'));
  });
});
