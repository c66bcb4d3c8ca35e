// Checks who sends an IPC message before the main process trusts it: the app's own window, its top frame, the host's origin.
import { StylebridgeError } from '../src/common/errors.js';

/** The parts of Electron's WebFrameMain the check reads. */
export interface SenderFrameLike {
  readonly url: string;
  /** null for a top-level frame. */
  readonly parent: unknown;
}

/** The parts of an IpcMainEvent / IpcMainInvokeEvent the check reads. */
export interface IpcEventLike {
  readonly senderFrame: SenderFrameLike | null | undefined;
  readonly sender: { readonly id: number };
}

export interface TrustedSender {
  /** Origin of the host's UI, e.g. http://127.0.0.1:49152. */
  readonly origin: string;
  /** webContents id of the app's main window. */
  readonly webContentsId: number;
}

/** Throws APP_IPC_REJECTED unless the message comes from the main window's top frame showing the host's UI. */
export function checkIpcSender(e: IpcEventLike, trusted: TrustedSender): void {
  const frame = e.senderFrame;
  if (!frame) throw reject('the sending frame is gone');
  if (e.sender.id !== trusted.webContentsId) throw reject('it comes from another window');
  if (frame.parent !== null && frame.parent !== undefined) throw reject('it comes from a sub-frame');
  let origin: string;
  try {
    origin = new URL(frame.url).origin;
  } catch {
    throw reject('the frame has no valid URL');
  }
  if (origin !== trusted.origin) throw reject(`the frame shows ${origin}, not the host's UI`);
}

/** The origin the app trusts for a host port (the host listens on 127.0.0.1 only). */
export function hostOrigin(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** True for URLs the app's window may load or fetch: the host's own origin only (plus devtools in development). */
export function isAllowedUrl(url: string, origin: string, allowDevtools = false): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (allowDevtools && u.protocol === 'devtools:') return true;
  if (u.origin === origin) return true;
  // The /ui WebSocket of the same host.
  return u.protocol === 'ws:' && u.host === new URL(origin).host;
}

function reject(why: string): StylebridgeError {
  return new StylebridgeError('APP_IPC_REJECTED', `IPC message refused: ${why}.`, { why });
}
