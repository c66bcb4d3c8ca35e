// The preload: exposes the small desktop API to the page through contextBridge (sandboxed, context-isolated).
import { contextBridge, ipcRenderer } from 'electron';
import { DESKTOP_API_NAME, DESKTOP_CHANNELS, type DesktopApi, type DragOutRequest } from '../src/common/ui-client/desktop-api.js';

declare const STYLEBRIDGE_VERSION: string | undefined;

const api: DesktopApi = {
  version: typeof STYLEBRIDGE_VERSION === 'string' ? STYLEBRIDGE_VERSION : '0.0.0',
  connection: () => ipcRenderer.invoke(DESKTOP_CHANNELS.connection) as ReturnType<DesktopApi['connection']>,
  // Must be sent during the page's dragstart: the main process starts the native drag at once.
  startDrag: (req: DragOutRequest) => ipcRenderer.send(DESKTOP_CHANNELS.startDrag, { audioUrl: String(req.audioUrl), label: String(req.label) }),
  revealFolder: (folder: string) => ipcRenderer.invoke(DESKTOP_CHANNELS.revealFolder, String(folder)) as ReturnType<DesktopApi['revealFolder']>,
  chooseFolder: () => ipcRenderer.invoke(DESKTOP_CHANNELS.chooseFolder) as ReturnType<DesktopApi['chooseFolder']>,
};

contextBridge.exposeInMainWorld(DESKTOP_API_NAME, Object.freeze(api));
