// Builds the /ui client for a page: same-origin WebSocket, the token from the address or the desktop app, and a refusal check.
import { UiClient } from '../common/ui-client/ui-client.js';
import { queryTokenUrl } from '../common/ui-client/socket.js';
import type { UiErrorInfo } from '../common/ui-client/types.js';
import type { DesktopApi } from '../common/ui-client/desktop-api.js';
import { TOKEN_STORAGE_KEY, takeToken } from './token.js';

export const UI_CLIENT_INFO = { name: 'stylebridge-ui', version: '0.1.0' } as const;

/** The desktop app's API when running inside it. */
export function desktopApi(): DesktopApi | undefined {
  return (globalThis as { stylebridgeDesktop?: DesktopApi }).stylebridgeDesktop;
}

export interface PageConnection {
  readonly client: UiClient;
  /** The token in use (for audio file URLs). */
  token(): string | undefined;
  /** Uses a token pasted by the user (a bare token or the whole address with #token=...) and reconnects. */
  useToken(text: string): boolean;
}

const HEX64 = /([0-9a-f]{64})/;

export function connectPage(): PageConnection {
  const desktop = desktopApi();
  let current = takeToken({ location, storage: sessionStorage, history });
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ui`;
  const client = new UiClient({
    url: wsUrl,
    client: UI_CLIENT_INFO,
    socket: (url, token) => new WebSocket(queryTokenUrl(url, token)),
    // Inside the app the token can change (the app restarts its host); in a browser it changes only when the user pastes one.
    token: desktop ? async () => { current = (await desktop.connection()).token; return current; } : () => current ?? '',
    keepTryingWhenRefused: !!desktop,
    diagnose: () => diagnose(current),
  });
  return {
    client,
    token: () => current,
    useToken(text) {
      const m = HEX64.exec(text.trim());
      if (!m?.[1]) return false;
      current = m[1];
      try { sessionStorage.setItem(TOKEN_STORAGE_KEY, current); } catch { /* memory only */ }
      client.retry();
      return true;
    },
  };
}

/**
 * A browser hides why a WebSocket upgrade failed. Ask over plain HTTP: an unreachable host is away (keep trying);
 * a JSON refusal names its code; a host that serves this page but refused the upgrade gets UI_HOST_REFUSED.
 */
async function diagnose(token: string | undefined): Promise<UiErrorInfo | undefined> {
  if (!token) return { code: 'UI_NO_TOKEN', message: 'This page was opened without a token.' };
  let res: Response;
  try {
    res = await fetch('/ui', { method: 'GET', cache: 'no-store', headers: { Authorization: `Bearer ${token}` } });
  } catch {
    return { code: 'UI_NOT_CONNECTED', message: `The host at ${location.host} is not reachable.` };
  }
  if (res.status === 401 || res.status === 403 || res.status === 503) {
    try {
      const body = (await res.json()) as { code?: unknown; message?: unknown };
      if (typeof body.code === 'string') return { code: body.code, message: typeof body.message === 'string' ? body.message : body.code };
    } catch { /* not JSON */ }
  }
  return { code: 'UI_HOST_REFUSED', message: 'The host is running but refused this page\'s connection.' };
}
