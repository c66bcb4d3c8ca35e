// `stylebridge audition`: plays a library take or an audio file in a plugin from the next bar line (or a given bar).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { frameCount } from '../../../common/audio-buffer.js';
import { encodeTransfer, FrameKind } from '../../../common/protocol/frame.js';
import { DEFAULT_LIMITS } from '../../../common/protocol/limits.js';
import { decodeAudio } from '../../audio/index.js';
import { connectHost } from '../connect.js';
import type { CliIo } from '../main.js';
import { emit, withClose } from '../output.js';

export async function run(opts: { track: string; take: string; atBar?: number; mode: 'replace' | 'mix'; gain: number; json?: boolean }, io: CliIo): Promise<number> {
  const file = resolve(opts.take);
  const isFile = existsSync(file);
  // Decode before connecting: a bad file fails fast without touching the host.
  const audio = isFile ? (await decodeAudio(new Uint8Array(readFileSync(file)))).audio : undefined;
  const conn = await connectHost();
  return withClose(conn.close, async () => {
    let bar: number | undefined;
    if (audio) {
      const key = `file:${file}`;
      const maxBytes = (conn.client.status.limits?.['maxBinaryMessageBytes'] as number | undefined) ?? DEFAULT_LIMITS.maxBinaryMessageBytes;
      await conn.client.call('takes.upload', { take: key, frames: frameCount(audio), sampleRate: audio.sampleRate, channels: audio.channels.length }, {
        timeoutMs: 60_000,
        afterSend: (id) => { for (const f of encodeTransfer(FrameKind.take, id, audio, maxBytes)) conn.client.sendBinary(f); },
      });
      const r = (await conn.client.call('audition', {
        track: opts.track, take: key, mode: opts.mode, gain: 10 ** (opts.gain / 20), loop: true,
        ...(opts.atBar !== undefined ? { at: 'bar', bar: opts.atBar } : { at: 'next' }),
      }, { timeoutMs: 60_000 })) as { bar?: number };
      bar = r.bar;
    } else {
      const r = (await conn.client.call('takes.audition', {
        track: opts.track, takeId: opts.take, mode: opts.mode, gainDb: opts.gain, ...(opts.atBar !== undefined ? { atBar: opts.atBar } : {}),
      }, { timeoutMs: 60_000 })) as { startsAtBar?: number };
      bar = r.startsAtBar;
    }
    emit(io, opts.json, { track: opts.track, take: isFile ? file : opts.take, ...(bar !== undefined ? { bar } : {}) }, () =>
      `auditioning ${isFile ? file : `take ${opts.take}`} on "${opts.track}" (${opts.mode}) ${bar !== undefined ? `from bar ${bar + 1}` : 'from the next bar line'}`);
    return 0;
  });
}
