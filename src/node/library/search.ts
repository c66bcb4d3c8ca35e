// Turns a search query from the UI or the CLI into one parameterised SQL statement (never string-built from user text).
import { StylebridgeError } from '../../common/errors.js';
import { parseMeter, type Meter } from '../../common/timing.js';
import { FieldChecker } from './validate.js';
import type { ResolvedLibraryOptions } from './options.js';

export interface SearchQuery {
  /** What to return. Default "takes". */
  readonly kind?: 'takes' | 'captures';
  /** Tempo range in BPM, inclusive. */
  readonly bpmMin?: number;
  readonly bpmMax?: number;
  /** Exact meter, as {numerator, denominator} or "7/8". */
  readonly meter?: Meter | string;
  /** Musical key, case-insensitive exact match (a take has its capture's key). */
  readonly key?: string;
  /** Engine id; for captures: those with at least one take by this engine. */
  readonly engineId?: string;
  /**
   * Words that must all appear (anywhere; case-insensitive for ASCII letters, as SQLite's LIKE is). Takes: in the prompt or the capture's track
   * name. Captures: in the track name, DAW, dropped file name or note, or in the prompt of one of its takes.
   */
  readonly text?: string;
  /** Creation time range, inclusive: ms since the epoch or an ISO 8601 string. */
  readonly createdFrom?: number | string;
  readonly createdTo?: number | string;
  /** Takes of one capture (takes only). */
  readonly captureId?: string;
  /** Only favourites (true) or only the others (false). Takes only. */
  readonly favourite?: boolean;
  /** Include takes marked deleted. Default false. */
  readonly includeDeleted?: boolean;
  /** Page size (default 100, at most maxSearchLimit) and offset. */
  readonly limit?: number;
  readonly offset?: number;
  /** Default "newest" first. */
  readonly order?: 'newest' | 'oldest';
}

const KNOWN_FIELDS = new Set(['kind', 'bpmMin', 'bpmMax', 'meter', 'key', 'engineId', 'text', 'createdFrom', 'createdTo',
  'captureId', 'favourite', 'includeDeleted', 'limit', 'offset', 'order']);

/** At most this many words in `text`. */
export const MAX_SEARCH_WORDS = 16;

export interface CompiledSearch {
  readonly kind: 'takes' | 'captures';
  /** SELECT of full rows (t.* or c.*), with LIMIT/OFFSET. */
  readonly sql: string;
  /** SELECT count(*) with the same conditions. */
  readonly countSql: string;
  readonly params: Record<string, string | number>;
}

function likeWord(w: string): string {
  return `%${w.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

function toTime(c: FieldChecker, field: string, v: unknown): number {
  if (typeof v === 'number') return c.num(field, v);
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  return c.fail(field, 'ms since the epoch or an ISO 8601 date', v);
}

export function compileSearch(query: unknown, opts: ResolvedLibraryOptions): CompiledSearch {
  const c: FieldChecker = new FieldChecker(opts, 'LIBRARY_BAD_QUERY');
  const q = c.object('query', query ?? {});
  for (const k of Object.keys(q)) if (!KNOWN_FIELDS.has(k)) c.fail(k, `one of the known fields (${[...KNOWN_FIELDS].join(', ')})`, k);
  const kind = q.kind ?? 'takes';
  if (kind !== 'takes' && kind !== 'captures') return c.fail('kind', '"takes" or "captures"', kind);
  const T = kind === 'takes';
  const where: string[] = [];
  const params: Record<string, string | number> = {};

  const bpmCol = T ? 't.bpm' : 'c.bpm';
  if (q.bpmMin !== undefined) { params.bpmMin = c.num('bpmMin', q.bpmMin, 0); where.push(`${bpmCol} >= @bpmMin`); }
  if (q.bpmMax !== undefined) { params.bpmMax = c.num('bpmMax', q.bpmMax, 0); where.push(`${bpmCol} <= @bpmMax`); }
  if (params.bpmMin !== undefined && params.bpmMax !== undefined && params.bpmMin > params.bpmMax) c.fail('bpmMax', '>= bpmMin', q.bpmMax);

  if (q.meter !== undefined) {
    let m: Meter;
    try {
      m = typeof q.meter === 'string' ? parseMeter(q.meter) : c.meter('meter', q.meter);
    } catch (err) {
      if (err instanceof StylebridgeError && err.code !== 'LIBRARY_BAD_QUERY') c.fail('meter', 'a meter like "4/4" or {numerator, denominator}', q.meter);
      throw err;
    }
    params.meterNum = m.numerator;
    params.meterDen = m.denominator;
    const p = T ? 't' : 'c';
    where.push(`${p}.meter_num = @meterNum AND ${p}.meter_den = @meterDen`);
  }
  if (q.key !== undefined) { params.key = c.text('key', q.key, 100); where.push('c.music_key = @key COLLATE NOCASE'); }
  if (q.engineId !== undefined) {
    params.engineId = c.text('engineId', q.engineId, 200);
    // IN (subquery) is evaluated once; a correlated EXISTS would scan the engine's takes once per capture.
    where.push(T ? 't.engine_id = @engineId' : 'c.id IN (SELECT x.capture_id FROM takes x WHERE x.engine_id = @engineId AND x.deleted = 0)');
  }
  if (q.text !== undefined) {
    const words = c.text('text', q.text).split(/\s+/).filter((w) => w.length > 0);
    if (words.length > MAX_SEARCH_WORDS) c.fail('text', `at most ${MAX_SEARCH_WORDS} words`, q.text);
    words.forEach((w, i) => {
      params[`w${i}`] = likeWord(w);
      const like = (col: string): string => `${col} LIKE @w${i} ESCAPE '\\'`;
      where.push(T
        ? `(${like('t.prompt')} OR ${like('c.track_name')})`
        : `(${like('c.track_name')} OR ${like('c.daw')} OR ${like('c.source_file')} OR ${like('c.note')}`
          + ` OR c.id IN (SELECT x.capture_id FROM takes x WHERE x.deleted = 0 AND ${like('x.prompt')}))`);
    });
  }
  const createdCol = T ? 't.created_at' : 'c.created_at';
  if (q.createdFrom !== undefined) { params.from = toTime(c, 'createdFrom', q.createdFrom); where.push(`${createdCol} >= @from`); }
  if (q.createdTo !== undefined) { params.to = toTime(c, 'createdTo', q.createdTo); where.push(`${createdCol} <= @to`); }
  if (q.captureId !== undefined) {
    if (!T) c.fail('captureId', 'used only with kind "takes"', q.captureId);
    params.captureId = c.text('captureId', q.captureId, 200);
    where.push('t.capture_id = @captureId');
  }
  if (q.favourite !== undefined) {
    if (!T) c.fail('favourite', 'used only with kind "takes"', q.favourite);
    params.fav = c.bool('favourite', q.favourite) ? 1 : 0;
    where.push('t.favourite = @fav');
  }
  const includeDeleted = q.includeDeleted === undefined ? false : c.bool('includeDeleted', q.includeDeleted);
  if (T && !includeDeleted) where.push('t.deleted = 0');

  const limit = q.limit === undefined ? opts.defaultSearchLimit : c.int('limit', q.limit, 1, opts.maxSearchLimit);
  const offset = q.offset === undefined ? 0 : c.int('offset', q.offset, 0, Number.MAX_SAFE_INTEGER);
  const order = q.order ?? 'newest';
  if (order !== 'newest' && order !== 'oldest') c.fail('order', '"newest" or "oldest"', order);
  const dir = order === 'newest' ? 'DESC' : 'ASC';

  const from = T ? 'takes t JOIN captures c ON c.id = t.capture_id' : 'captures c';
  const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const p = T ? 't' : 'c';
  return {
    kind,
    sql: `SELECT ${p}.* FROM ${from} ${cond} ORDER BY ${p}.created_at ${dir}, ${p}.id ${dir} LIMIT ${limit} OFFSET ${offset}`,
    countSql: `SELECT count(*) AS n FROM ${from} ${cond}`,
    params,
  };
}
