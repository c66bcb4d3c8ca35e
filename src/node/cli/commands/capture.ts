// `stylebridge capture`: asks a plugin for bars it has heard, keeps them in the project, optionally writes a WAV.
import { resolve } from 'node:path';
import { writeFileAtomic } from '../../fs-atomic.js';
import type { HostResult } from '../../../common/api/methods.js';
import { connectHost } from '../connect.js';
import type { CliIo } from '../main.js';
import { emit, withClose } from '../output.js';

export async function run(opts: { track: string; bar?: number; bars: number; out?: string; json?: boolean }, io: CliIo): Promise<number> {
  const conn = await connectHost();
  return withClose(conn.close, async () => {
    const { capture } = (await conn.client.call('captures.take', { track: opts.track, bars: opts.bars, ...(opts.bar !== undefined ? { bar: opts.bar } : {}) }, { timeoutMs: 30_000 })) as HostResult<'captures.take'>;
    let out: string | undefined;
    if (opts.out) {
      out = resolve(opts.out);
      writeFileAtomic(out, await conn.fetchBytes(`/files/${capture.audioUrl}`));
    }
    emit(io, opts.json, { capture, ...(out ? { file: out } : {}) }, () =>
      `captured bar ${(capture.bar ?? 0) + 1}${capture.bars > 1 ? `-${(capture.bar ?? 0) + capture.bars}` : ''} of "${capture.trackName ?? opts.track}": ${capture.frames} frames at ${capture.sampleRate} Hz, ${capture.channels} ch, ${capture.bpm} BPM ${capture.meter.numerator}/${capture.meter.denominator}\n  capture id ${capture.id}${out ? `\n  written to ${out}` : ''}`);
    return 0;
  });
}
