// The WebSocket shape the /ui client needs, met by the browser's WebSocket and by the `ws` package.

/** Close event as both the DOM and `ws` deliver it. */
export interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
}

/** The parts of a WebSocket the client uses. The client sets the on* handlers itself. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  // Handlers take `never` so that the DOM's and ws's own event types both fit; the client annotates what it reads.
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
}

/**
 * Opens one connection. `url` is the /ui address without the token; the factory decides how to
 * carry `token` (a browser can only use `?token=`, Node should send `Authorization: Bearer`).
 */
export type SocketFactory = (url: string, token: string) => WebSocketLike;

/** WebSocket.OPEN in both environments. */
export const SOCKET_OPEN = 1;

/** A browser-style factory: the token travels in the query string (docs/protocol.md section 2). */
export function queryTokenUrl(url: string, token: string): string {
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}token=${encodeURIComponent(token)}`;
}
