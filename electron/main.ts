// The Electron main process, kept thin: one instance, one window on the host's UI, a tray, the host as a child, guarded IPC.
import { BrowserWindow, Menu, Tray, app, dialog, ipcMain, nativeImage, session, shell, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { describeError } from '../src/common/ui-client/ui-client.js';
import { DESKTOP_CHANNELS } from '../src/common/ui-client/desktop-api.js';
import { HostProcess } from './host-process.js';
import { checkIpcSender, hostOrigin, isAllowedUrl } from './ipc-guard.js';
import { dragFile, parseDragRequest, parseFolder } from './payloads.js';

const APP_ROOT = join(__dirname, '..', '..');
const ASSETS = join(APP_ROOT, 'electron', 'assets');
const isDev = !app.isPackaged;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | undefined;
  let tray: Tray | undefined;
  let quitting = false;
  const projectDir = process.env.STYLEBRIDGE_PROJECT ?? join(app.getPath('documents'), 'Stylebridge');
  const host = new HostProcess({
    command: process.execPath,
    args: [join(APP_ROOT, 'bin', 'stylebridge.js'), 'serve', '--project', projectDir],
    // The host serves the UI from outside the asar archive when packaged (electron-builder's extraResources).
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', STYLEBRIDGE_UI_DIR: app.isPackaged ? join(process.resourcesPath, 'ui') : join(APP_ROOT, 'dist', 'ui') },
    onOutput: (line, stream) => (stream === 'stderr' ? console.error : console.log)(`[host] ${line}`),
  });

  const origin = () => hostOrigin(host.info?.port ?? 0);
  const guard = (e: IpcMainEvent | IpcMainInvokeEvent) => {
    if (!win) throw new Error('no window');
    checkIpcSender(e, { origin: origin(), webContentsId: win.webContents.id });
  };

  const openWindow = async () => {
    const info = host.info ?? (await host.start());
    win = new BrowserWindow({
      width: 1440, height: 900, minWidth: 960, minHeight: 600, backgroundColor: '#0e1014', title: 'Stylebridge', show: false,
      webPreferences: { preload: join(__dirname, 'preload.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false },
    });
    win.once('ready-to-show', () => win?.show());
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    win.webContents.on('will-navigate', (e, url) => { if (!isAllowedUrl(url, origin())) e.preventDefault(); });
    win.on('closed', () => { win = undefined; });
    await win.loadURL(`${hostOrigin(info.port)}/#token=${info.token}`);
  };

  app.on('second-instance', () => {
    if (!win) return void openWindow();
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  void app.whenReady().then(async () => {
    // Nothing leaves loopback; no permission (camera, notifications, ...) is ever granted.
    session.defaultSession.webRequest.onBeforeRequest((d, cb) => cb({ cancel: !isAllowedUrl(d.url, origin(), isDev) }));
    session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

    ipcMain.handle(DESKTOP_CHANNELS.connection, (e) => {
      guard(e);
      if (!host.info) throw new Error('The host is not running.');
      return { port: host.info.port, token: host.info.token };
    });
    ipcMain.on(DESKTOP_CHANNELS.startDrag, (e, raw: unknown) => {
      try {
        guard(e);
        const file = dragFile(parseDragRequest(raw), projectDir);
        e.sender.startDrag({ file, icon: nativeImage.createFromPath(join(ASSETS, 'drag.png')) });
      } catch (err) {
        console.error(`[app] drag refused: ${describeError(err).code}: ${describeError(err).message}`);
      }
    });
    ipcMain.handle(DESKTOP_CHANNELS.revealFolder, async (e, raw: unknown) => {
      try {
        guard(e);
        const problem = await shell.openPath(parseFolder(raw, projectDir));
        return problem ? { ok: false, error: { code: 'INVALID_ARGUMENT', message: problem } } : { ok: true };
      } catch (err) {
        const d = describeError(err);
        return { ok: false, error: { code: d.code, message: d.message } };
      }
    });
    ipcMain.handle(DESKTOP_CHANNELS.chooseFolder, async (e) => {
      guard(e);
      const r = await dialog.showOpenDialog(win!, { properties: ['openDirectory', 'createDirectory'] });
      return r.canceled ? undefined : r.filePaths[0];
    });

    // A host that dies is started again, and the page reconnects with the new token through the preload.
    host.onUnexpectedExit(() => { if (!quitting) setTimeout(() => void host.start().catch((err) => console.error(err)), 1000); });

    try {
      await openWindow();
    } catch (err) {
      const d = describeError(err);
      dialog.showErrorBox('Stylebridge could not start', `${d.code}: ${d.message}\n\n${d.hint ?? ''}`);
      app.quit();
      return;
    }
    tray = new Tray(nativeImage.createFromPath(join(ASSETS, 'tray.png')));
    tray.setToolTip('Stylebridge');
    tray.setContextMenu(Menu.buildFromTemplate([
      { label: 'Show Stylebridge', click: () => (win ? win.show() : void openWindow()) },
      { label: 'Open in browser', click: () => { if (host.info) void shell.openExternal(`${hostOrigin(host.info.port)}/#token=${host.info.token}`); } },
      { type: 'separator' },
      { label: 'Quit', click: () => app.quit() },
    ]));
  });

  // The host keeps serving plugins while the window is closed; quitting from the tray stops it.
  app.on('window-all-closed', () => { /* stay in the tray */ });
  app.on('before-quit', (e) => {
    if (quitting) return;
    quitting = true;
    e.preventDefault();
    void host.stop().finally(() => { tray?.destroy(); app.exit(0); });
  });
}
