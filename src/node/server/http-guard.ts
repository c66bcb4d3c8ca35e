// Checks every HTTP request and WebSocket upgrade: Host (DNS rebinding), Origin (foreign web pages) and the token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '../../common/errors.js';

export interface Refusal {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}

/** The host's own origins and Host values for a port. */
export function ownOrigins(port: number): { hosts: readonly string[]; origins: readonly string[] } {
  return {
    hosts: [`127.0.0.1:${port}`, `localhost:${port}`],
    origins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`],
  };
}

/** Host header must name this server on loopback (a rebinding attack arrives with the attacker's name). */
export function checkHost(req: IncomingMessage, port: number): Refusal | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!ownOrigins(port).hosts.includes(host)) {
    return { status: 403, code: 'AUTH_BAD_HOST', message: `Host "${host.slice(0, 100)}" is not this server.` };
  }
  return undefined;
}

/** Origin may be absent (plugins, CLI) or the host's own UI origin; anything else is a foreign page. */
export function checkOrigin(req: IncomingMessage, port: number): Refusal | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  if (!ownOrigins(port).origins.includes(origin)) {
    return { status: 403, code: 'AUTH_BAD_ORIGIN', message: `Origin "${origin.slice(0, 100)}" may not connect.` };
  }
  return undefined;
}

/** The token of a request: `Authorization: Bearer <token>` first, else the `token` query parameter. */
export function requestToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  try {
    const q = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('token');
    return q ?? undefined;
  } catch {
    return undefined;
  }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison (hashing first makes the lengths equal, so length leaks nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export function checkToken(req: IncomingMessage, expected: string): Refusal | undefined {
  const token = requestToken(req);
  if (token === undefined || token === '') return { status: 401, code: 'AUTH_MISSING_TOKEN', message: 'No token: send Authorization: Bearer <token> or ?token=.' };
  if (!tokensEqual(token, expected)) return { status: 401, code: 'AUTH_BAD_TOKEN', message: 'Wrong token.' };
  return undefined;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 426: 'Upgrade Required', 503: 'Service Unavailable' };

/** A complete raw HTTP response for refusing an upgrade on its socket (the WebSocket never opens). */
export function rawRefusal(r: Refusal): string {
  const body = JSON.stringify({ code: r.code, message: r.message });
  return `HTTP/1.1 ${r.status} ${REASONS[r.status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`;
}
