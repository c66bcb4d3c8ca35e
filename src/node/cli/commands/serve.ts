// `stylebridge serve`: starts the host until Ctrl-C / SIGTERM, then stops it cleanly.
import { resolve } from 'node:path';
import { startHost } from '../../host/index.js';
import { uiAssetsDir } from '../../ui-assets.js';
import type { CliIo } from '../main.js';
import { emit } from '../output.js';

export async function run(opts: { port?: number; project: string; json?: boolean }, io: CliIo): Promise<number> {
  const staticDir = uiAssetsDir();
  const host = await startHost({
    projectDir: resolve(opts.project),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(staticDir ? { staticDir } : {}),
    log: (level, msg) => { if (level !== 'debug' && !opts.json) io.stderr.write(`[${level}] ${msg}\n`); },
  });
  emit(io, opts.json, { url: host.server.url, port: host.server.port, project: resolve(opts.project), discovery: host.server.discoveryPath ?? null, ui: staticDir ?? null }, () => [
    `Stylebridge host on 127.0.0.1:${host.server.port}`,
    `  open the app:  ${host.server.url}`,
    `  project:       ${resolve(opts.project)}`,
    `  discovery:     ${host.server.discoveryPath ?? '(not written)'}`,
    staticDir ? '' : '  (the web UI is not built: run `npm run build`)',
    'Press Ctrl-C to stop.',
  ].filter(Boolean).join('\n'));
  await new Promise<void>((done) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); done(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await host.close();
  if (!opts.json) io.stderr.write('host stopped\n');
  return 0;
}
