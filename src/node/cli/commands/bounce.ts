// `stylebridge bounce`: one stem per track over a bar range from each track's chosen takes, written to a folder.
import { resolve } from 'node:path';
import { StylebridgeError, hasCode } from '../../../common/errors.js';
import type { HostResult } from '../../../common/api/methods.js';
import { connectHost } from '../connect.js';
import { bounceTakes } from '../../host/index.js';
import { openProject, type ProjectLibrary, type TakeRecord } from '../../library/index.js';
import type { CliIo } from '../main.js';
import { emit } from '../output.js';

/**
 * The chosen take of each track: its most recent favourite, else its most recent take. A track is a
 * capture source (the plugin's track name, or the dropped file's name).
 */
function allPages<T>(page: (opts: { limit: number; offset: number }) => T[]): T[] {
  const out: T[] = [];
  for (let offset = 0; ; offset += 1000) {
    const items = page({ limit: 1000, offset });
    out.push(...items);
    if (items.length < 1000) return out;
  }
}

export function chosenTakes(library: ProjectLibrary): Array<{ name: string; takeIds: string[] }> {
  const byTrack = new Map<string, TakeRecord[]>();
  const captures = new Map(allPages((o) => library.listCaptures(o)).map((c) => [c.id, c]));
  for (const t of allPages((o) => library.listTakes(o))) {
    const c = captures.get(t.captureId);
    const track = c?.source.trackName || c?.source.file || c?.source.trackId || 'untitled';
    const list = byTrack.get(track) ?? [];
    list.push(t);
    byTrack.set(track, list);
  }
  return [...byTrack.entries()].map(([name, takes]) => {
    const newest = [...takes].sort((a, b) => b.createdAt - a.createdAt);
    const pick = newest.find((t) => t.favourite) ?? newest[0]!;
    return { name, takeIds: [pick.id] };
  });
}

type Opts = { project: string; fromBar: number; toBar: number; out: string; format: 'wav' | 'flac'; json?: boolean };

export async function run(opts: Opts, io: CliIo): Promise<number> {
  if (opts.toBar <= opts.fromBar) throw new StylebridgeError('INVALID_ARGUMENT', `--to-bar (${opts.toBar}) must be after --from-bar (${opts.fromBar}).`);
  const project = resolve(opts.project);
  let library: ProjectLibrary;
  try {
    library = openProject(project, { create: false });
  } catch (err) {
    // A running host holds the project's write lock: it does the writing.
    if (hasCode(err, 'LIBRARY_LOCKED')) return bounceThroughHost(opts, io);
    throw err;
  }
  try {
    const tracks = chosenTakes(library);
    if (tracks.length === 0) throw new StylebridgeError('LIBRARY_NOT_FOUND', `The project ${project} holds no takes to bounce.`);
    const rec = await bounceTakes(library, { fromBar: opts.fromBar, toBar: opts.toBar, format: opts.format, outDir: resolve(opts.out), tracks });
    report(io, opts, rec.folder, rec.stems.map((s) => ({ file: s.file, track: s.track })));
    return 0;
  } finally {
    library.close();
  }
}

function report(io: CliIo, opts: Opts, folder: string, stems: Array<{ file: string; track: string }>): void {
  emit(io, opts.json, { folder, stems }, () => [`bounced bars ${opts.fromBar + 1}-${opts.toBar} of ${stems.length} track(s) to ${folder}:`, ...stems.map((s) => `  ${s.file}  (${s.track})`)].join('\n'));
}

async function bounceThroughHost(opts: Opts, io: CliIo): Promise<number> {
  const reader = openProject(resolve(opts.project), { readOnly: true });
  let tracks;
  try {
    tracks = chosenTakes(reader);
  } finally {
    reader.close();
  }
  if (tracks.length === 0) throw new StylebridgeError('LIBRARY_NOT_FOUND', `The project ${resolve(opts.project)} holds no takes to bounce.`);
  const conn = await connectHost();
  try {
    const done = new Promise<{ folder: string; bounceId: string }>((ok, fail) => {
      let jobId: string | undefined;
      const early: Array<Record<string, unknown>> = [];
      const check = (j: Record<string, unknown>) => {
        if (j['id'] !== jobId) return;
        if (j['state'] === 'done') ok(j['result'] as { folder: string; bounceId: string });
        else if (j['state'] === 'failed' || j['state'] === 'cancelled') {
          const e = j['error'] as { code: string; message: string } | undefined;
          fail(new StylebridgeError(e && /^[A-Z_]+$/.test(e.code) ? (e.code as 'INTERNAL') : 'INTERNAL', e?.message ?? 'The bounce failed.'));
        }
      };
      conn.client.on('job.updated', (data) => { if (jobId) check(data as Record<string, unknown>); else early.push(data as Record<string, unknown>); });
      conn.client.call('bounce', { fromBar: opts.fromBar, toBar: opts.toBar, format: opts.format, folder: resolve(opts.out), tracks }).then((r) => {
        jobId = (r as HostResult<'bounce'>).jobId;
        for (const j of early) check(j);
      }, fail);
    });
    const res = await done;
    const reader2 = openProject(resolve(opts.project), { readOnly: true });
    try {
      const rec = reader2.getBounce(res.bounceId);
      report(io, opts, rec.folder, rec.stems.map((s) => ({ file: s.file, track: s.track })));
    } finally {
      reader2.close();
    }
    return 0;
  } finally {
    conn.close();
  }
}
