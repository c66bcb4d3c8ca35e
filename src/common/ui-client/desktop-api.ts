// The small API the Electron preload exposes to the page as `window.stylebridgeDesktop` (absent in a plain browser).

/** Request to drag a take (or capture) out of the app as a file. */
export interface DragOutRequest {
  /** The record's audioUrl (path below the host's /files/ route, e.g. "takes/take_....wav"). */
  readonly audioUrl: string;
  /** A name for people (shown by some file managers). */
  readonly label: string;
}

export interface DesktopApi {
  /** The app's version. */
  readonly version: string;
  /** The host's current address and token (they change when the app restarts its host). */
  connection(): Promise<{ readonly port: number; readonly token: string }>;
  /** Starts a native drag of the record's audio file; call it from the page's dragstart handler. */
  startDrag(req: DragOutRequest): void;
  /** Shows a folder (of a bounce) in the system file manager. */
  revealFolder(folder: string): Promise<{ readonly ok: boolean; readonly error?: { readonly code: string; readonly message: string } }>;
  /** Lets the user pick a folder (for bounces); undefined when cancelled. */
  chooseFolder(): Promise<string | undefined>;
}

/** The global name under which the preload exposes the API. */
export const DESKTOP_API_NAME = 'stylebridgeDesktop';

/** IPC channel names shared by the preload and the main process. */
export const DESKTOP_CHANNELS = Object.freeze({
  connection: 'stylebridge:connection',
  startDrag: 'stylebridge:start-drag',
  revealFolder: 'stylebridge:reveal-folder',
  chooseFolder: 'stylebridge:choose-folder',
});
