// Serves project audio (captures, takes, bounces) at /files/...: token required, own origin only, audio files only.
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname } from 'node:path';
import { checkOrigin, checkToken } from './http-guard.js';
import { resolveStaticPath, securityHeaders, sendJsonStatus } from './static-files.js';

export interface ProjectFilesOptions {
  /** The project folder; URLs /files/<relative path> map below it. */
  readonly root: string;
  /** Extra gate on the relative path (e.g. only library audio folders). */
  readonly allow?: (relativePath: string) => boolean;
}

const AUDIO_TYPES: Record<string, string> = { '.wav': 'audio/wav', '.flac': 'audio/flac' };

export const FILES_PREFIX = '/files/';

/**
 * Answers GET/HEAD /files/...: the token (Authorization: Bearer, or ?token= for drag-out URLs) and the
 * Origin rule of the WebSocket paths apply (docs/protocol.md section 2). The Host check is the caller's.
 */
export function serveProjectFile(req: IncomingMessage, res: ServerResponse, files: ProjectFilesOptions, port: number, token: string): void {
  const refusal = checkOrigin(req, port) ?? checkToken(req, token);
  if (refusal) {
    sendJsonStatus(res, port, refusal.status, refusal.code, refusal.message);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJsonStatus(res, port, 405, 'SERVER_NOT_FOUND', 'Only GET and HEAD are served.', { Allow: 'GET, HEAD' });
    return;
  }
  const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  const rel = pathname.slice(FILES_PREFIX.length);
  let decodedRel: string;
  try {
    decodedRel = decodeURIComponent(rel);
  } catch {
    decodedRel = '';
  }
  const file = decodedRel && (files.allow?.(decodedRel) ?? true) ? resolveStaticPath(files.root, rel) : undefined;
  const type = file ? AUDIO_TYPES[extname(file).toLowerCase()] : undefined;
  if (!file || !type) {
    sendJsonStatus(res, port, 404, 'SERVER_NOT_FOUND', 'No such project audio file.');
    return;
  }
  const size = statSync(file).size;
  res.writeHead(200, {
    ...securityHeaders(port),
    'Content-Type': type,
    'Content-Length': size,
    'Content-Disposition': `attachment; filename="${basename(file).replace(/[^A-Za-z0-9._-]/g, '_')}"`,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
