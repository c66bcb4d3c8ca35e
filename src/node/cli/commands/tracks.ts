// `stylebridge tracks`: lists the plugins connected to the running host.
import { formatBarBeat } from '../../../common/timing.js';
import { connectHost } from '../connect.js';
import type { CliIo } from '../main.js';
import { emit, withClose } from '../output.js';

interface TrackRow {
  id: string;
  session: string;
  identity: { host: string; format: string; trackName: string; sampleRate: number; channels: number; latency: number };
  transport: { playing: boolean; bpm: number; meterNum: number; meterDen: number; bar: number; beat: number } | null;
  status: { state: string; drops: number; underruns: number } | null;
}

export async function run(opts: { json?: boolean }, io: CliIo): Promise<number> {
  const conn = await connectHost();
  return withClose(conn.close, async () => {
    const { tracks } = (await conn.client.call('tracks.list', {})) as { tracks: TrackRow[] };
    emit(io, opts.json, { tracks }, () => {
      if (tracks.length === 0) return 'No plugins are connected. Insert the Stylebridge plugin on a track.';
      return tracks.map((t) => {
        const tr = t.transport;
        const pos = tr ? `${tr.playing ? 'playing' : 'stopped'} ${tr.bpm} BPM ${tr.meterNum}/${tr.meterDen} at ${formatBarBeat(tr)}` : 'no transport yet';
        const st = t.status ? `${t.status.state}, drops ${t.status.drops}, underruns ${t.status.underruns}` : 'idle';
        return `${t.id}  "${t.identity.trackName}"  ${t.identity.host} ${t.identity.format}  ${t.identity.sampleRate} Hz ${t.identity.channels} ch  ${pos}  (${st})`;
      }).join('\n');
    });
    return 0;
  });
}
