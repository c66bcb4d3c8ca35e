// `stylebridge stop`: stops a plugin's take at the next bar line (or now).
import { connectHost } from '../connect.js';
import type { CliIo } from '../main.js';
import { emit, withClose } from '../output.js';

export async function run(opts: { track: string; now?: boolean; json?: boolean }, io: CliIo): Promise<number> {
  const conn = await connectHost();
  return withClose(conn.close, async () => {
    const r = (await conn.client.call('stop', { track: opts.track, at: opts.now ? 'now' : 'next' })) as { track: string; bar?: number };
    emit(io, opts.json, { ...r }, () => `stopping "${opts.track}" ${opts.now ? 'now' : r.bar !== undefined ? `at bar ${r.bar + 1}` : 'at the next bar line'}`);
    return 0;
  });
}
