// Serves the web UI's static files: GET/HEAD only, inside one folder, known types, strict security headers.
import { createReadStream, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.wav': 'audio/wav',
  '.flac': 'audio/flac',
};

/** The headers every HTTP response of the host carries. */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
      "img-src 'self' data: blob:",
      "media-src 'self' blob:",
      "style-src 'self'",
      "script-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

export function sendJsonStatus(res: ServerResponse, port: number, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  const body = JSON.stringify({ code, message });
  res.writeHead(status, { ...securityHeaders(port), 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/**
 * Maps a URL path to a file inside `root`, or undefined when it must not be served: undecodable,
 * NUL, backslash, `..` or dot-file segments, unknown type, or a real path outside root (symlinks).
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s.startsWith('.'))) return undefined;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return undefined;
  }
  let candidate = join(realRoot, ...segments);
  try {
    if (statSync(candidate).isDirectory()) candidate = join(candidate, 'index.html');
    const real = realpathSync(candidate);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return undefined;
    if (!statSync(real).isFile()) return undefined;
    if (!(extname(real).toLowerCase() in MIME)) return undefined;
    return real;
  } catch {
    return undefined;
  }
}

/** Answers a static request (the Host check has been done by the caller). */
export function serveStatic(req: IncomingMessage, res: ServerResponse, root: string | undefined, port: number): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJsonStatus(res, port, 405, 'SERVER_NOT_FOUND', 'Only GET and HEAD are served.', { Allow: 'GET, HEAD' });
    return;
  }
  let pathname: string;
  try {
    pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  } catch {
    sendJsonStatus(res, port, 400, 'SERVER_NOT_FOUND', 'Bad URL.');
    return;
  }
  const file = root ? resolveStaticPath(root, pathname) : undefined;
  if (!file) {
    sendJsonStatus(res, port, 404, 'SERVER_NOT_FOUND', 'Not found.');
    return;
  }
  const size = statSync(file).size;
  res.writeHead(200, { ...securityHeaders(port), 'Content-Type': MIME[extname(file).toLowerCase()]!, 'Content-Length': size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
