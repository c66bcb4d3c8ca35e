// startServer(): the host's one HTTP + WebSocket server on 127.0.0.1 (plugins at /plugin, UIs at /ui, static UI at /).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { resolveLimits, type ProtocolLimits } from '../../common/protocol/limits.js';
import type { Identity, Role } from '../../common/protocol/schema.js';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../../common/protocol/version.js';
import { configDir as defaultConfigDir, removeBridgeFileIfOurs, writeBridgeFile, type BridgeInfo } from '../discovery.js';
import { ApiRegistry } from './api.js';
import { registerBuiltinMethods } from './builtin-methods.js';
import type { Connection, LogFn } from './connection.js';
import { checkHost, checkOrigin, checkToken, rawRefusal, type Refusal } from './http-guard.js';
import { PluginSession, type PluginCaptureRequest, type PluginSessionContext } from './plugin-session.js';
import { SessionRegistry } from './sessions.js';
import { sendJsonStatus, serveStatic } from './static-files.js';
import { TakeStore } from './take-store.js';
import { FILES_PREFIX, serveProjectFile, type ProjectFilesOptions } from './project-files.js';
import { UiConnection, type UiContext } from './ui-connection.js';

export { ApiRegistry, AudioReply, withAudio, type MethodContext, type MethodHandler } from './api.js';
export { PluginSession, type CaptureRequest, type CaptureResult, type PlayRequest, type PluginCaptureRequest, type StopRequest } from './plugin-session.js';
export { SessionRegistry } from './sessions.js';

export interface ServerOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Folder of the web UI served at /; without it every static path is 404. */
  readonly staticDir?: string;
  /** Where bridge.json goes (default: the config folder of docs/protocol.md section 1). */
  readonly configDir?: string;
  /** Write bridge.json (default true). */
  readonly writeDiscovery?: boolean;
  /** Limits replacing the defaults of src/common/protocol/limits.ts. */
  readonly limits?: Partial<ProtocolLimits>;
  /** Host version reported in welcome and bridge.json (default: package.json). */
  readonly version?: string;
  /** Finds take audio by key for `audition` when no UI uploaded it (e.g. the project library). */
  readonly resolveTake?: (key: string) => Promise<AudioBuffer | undefined> | AudioBuffer | undefined;
  /** Converts take audio for a plugin (resample to identity.sampleRate). */
  readonly prepareTake?: (audio: AudioBuffer, identity: Identity) => Promise<AudioBuffer> | AudioBuffer;
  /** Serves project audio at /files/... (token required) for waveforms and drag-out. */
  readonly files?: ProjectFilesOptions;
  /** A plugin asked for a capture (`capture.request`); without it the request is logged and refused. */
  readonly onCaptureRequest?: (session: PluginSession, req: PluginCaptureRequest) => void;
  readonly log?: LogFn;
}

export interface StylebridgeServer {
  readonly port: number;
  /** The token of this run (64 hex). */
  readonly token: string;
  /** The web UI's address with the token in the fragment (never sent to a server). */
  readonly url: string;
  readonly limits: ProtocolLimits;
  readonly sessions: SessionRegistry;
  readonly api: ApiRegistry;
  /** Path of bridge.json, when written. */
  readonly discoveryPath: string | undefined;
  /** Pushes an event to every connected UI (e.g. "job.progress"). */
  broadcast(event: string, data: unknown): void;
  /** Number of open connections per path. */
  connections(): { plugin: number; ui: number };
  /** Closes every connection (1001), stops listening, removes bridge.json if it is still ours. */
  close(): Promise<void>;
}

const silent: LogFn = () => undefined;

/** The package version (package.json two folders up from src/node/server and from dist/node/server). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export async function startServer(opts: ServerOptions = {}): Promise<StylebridgeServer> {
  const limits = resolveLimits(opts.limits);
  const version = opts.version ?? packageVersion();
  const log = opts.log ?? silent;
  const token = randomBytes(32).toString('hex');
  const sessions = new SessionRegistry();
  const api = new ApiRegistry();
  const takes = new TakeStore(limits.maxHostTakes);
  const open: Record<Role, Set<Connection>> = { plugin: new Set(), ui: new Set() };
  const uis = new Set<UiConnection>();
  let counter = 0;
  let port = 0;
  let closing = false;

  registerBuiltinMethods({ api, sessions, takes, limits, version, ...(opts.resolveTake ? { resolveTake: opts.resolveTake } : {}), ...(opts.prepareTake ? { prepareTake: opts.prepareTake } : {}) });

  // ----- events to UIs ---------------------------------------------------------------------------
  const broadcast = (event: string, data: unknown) => {
    for (const u of uis) u.sendEvent(event, data);
  };
  const tracksChanged = () => broadcast('tracks.changed', { tracks: sessions.list().map((s) => s.toJSON()) });
  const dirtyTransport = new Set<PluginSession>();
  const transportFlush = setInterval(() => {
    if (dirtyTransport.size === 0) return;
    for (const s of dirtyTransport) if (uis.size > 0) broadcast('transport', { track: s.instanceId, transport: s.transport });
    dirtyTransport.clear();
  }, 1000 / limits.uiTransportHz);
  transportFlush.unref();

  const base = {
    limits,
    version,
    log,
    nextSessionId: (role: Role) => `${role === 'plugin' ? 'p' : 'u'}-${++counter}`,
  };
  const pluginCtx: PluginSessionContext = {
    ...base,
    instanceInUse: (id) => sessions.instanceInUse(id),
    sessionReady: (s) => {
      sessions.add(s);
      log('info', `plugin connected: ${s.session} ${s.identity.host} "${s.identity.trackName}" (${s.instanceId})`);
      tracksChanged();
    },
    sessionChanged: (s, what) => {
      sessions.emit({ kind: what, session: s });
      if (what === 'transport') dirtyTransport.add(s);
      else if (what === 'status') broadcast('status', { track: s.instanceId, status: s.status });
      else tracksChanged();
    },
    captureRequested: (s, req) => {
      if (opts.onCaptureRequest) {
        opts.onCaptureRequest(s, req);
        return;
      }
      log('info', `plugin ${s.instanceId} asked for a capture of bar ${req.bar}; this host keeps no captures`);
      s.sendError({ code: 'SERVER_NO_CAPTURE_STORE', message: 'This host does not keep captures.', details: { bar: req.bar, bars: req.bars } });
    },
    sessionClosed: (s) => {
      sessions.remove(s);
      dirtyTransport.delete(s);
      log('info', `plugin disconnected: ${s.session}`);
      if (!closing) tracksChanged();
    },
  };
  const uiCtx: UiContext = {
    ...base,
    api,
    uiReady: (c) => uis.add(c),
    uiClosed: (c) => uis.delete(c),
  };

  // ----- HTTP and upgrades -----------------------------------------------------------------------
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxBinaryMessageBytes, perMessageDeflate: false, clientTracking: false });
  /** The checks of docs/protocol.md section 2, in order, for a request on a WebSocket path. */
  const wsRefusal = (req: IncomingMessage, role: Role | undefined): Refusal | undefined =>
    (!role ? { status: 404, code: 'SERVER_NOT_FOUND', message: 'WebSocket paths are /plugin and /ui.' } as Refusal : undefined)
    ?? checkHost(req, port)
    ?? checkOrigin(req, port)
    ?? checkToken(req, token)
    ?? (closing ? { status: 503, code: 'SERVER_SHUTTING_DOWN', message: 'The host is stopping.' } as Refusal : undefined)
    ?? (role && open[role].size >= (role === 'plugin' ? limits.maxPluginConnections : limits.maxUiConnections)
      ? { status: 503, code: 'SERVER_TOO_MANY_CONNECTIONS', message: `Already ${open[role].size} ${role} connections.` } as Refusal
      : undefined);
  const roleOf = (req: IncomingMessage): Role | undefined => {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    } catch {
      return undefined;
    }
    return path === '/plugin' ? 'plugin' : path === '/ui' ? 'ui' : undefined;
  };

  const http = createServer((req, res) => {
    const hostRefusal = checkHost(req, port);
    if (hostRefusal) {
      sendJsonStatus(res, port, hostRefusal.status, hostRefusal.code, hostRefusal.message);
      return;
    }
    const role = roleOf(req);
    if (role) {
      // A plain request on a WebSocket path gets the answer the upgrade would get (browsers hide why an upgrade failed).
      const r = wsRefusal(req, role);
      if (r) sendJsonStatus(res, port, r.status, r.code, r.message);
      else sendJsonStatus(res, port, 426, 'SERVER_UPGRADE_REQUIRED', `/${role} speaks WebSocket only; this request would be accepted as an upgrade.`, { Upgrade: 'websocket' });
      return;
    }
    if (opts.files && (req.url ?? '').startsWith(FILES_PREFIX)) {
      serveProjectFile(req, res, opts.files, port, token);
      return;
    }
    serveStatic(req, res, opts.staticDir, port);
  });
  http.headersTimeout = 10_000;
  http.requestTimeout = 30_000;

  const refuse = (socket: Duplex, r: Refusal) => {
    log('warn', `refused connection: ${r.code}`);
    socket.end(rawRefusal(r));
    socket.on('error', () => undefined);
    setTimeout(() => socket.destroy(), 1000).unref();
  };

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const role = roleOf(req);
    const r = wsRefusal(req, role);
    if (r || !role) {
      refuse(socket, r!);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const c: Connection = role === 'plugin' ? new PluginSession(ws, pluginCtx) : new UiConnection(ws, uiCtx);
      open[role].add(c);
      ws.on('close', () => open[role].delete(c));
    });
  });

  // ----- liveness --------------------------------------------------------------------------------
  const pinger = setInterval(() => {
    for (const set of Object.values(open)) {
      for (const c of set) {
        if (!c.alive) {
          c.ws.terminate();
          continue;
        }
        c.alive = false;
        try {
          c.ws.ping();
        } catch {
          // the socket is closing
        }
      }
    }
  }, limits.pingIntervalMs);
  pinger.unref();

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new StylebridgeError('SERVER_START_FAILED', `Cannot listen on 127.0.0.1:${opts.port ?? 0}: ${err.message}`, { port: opts.port ?? 0, errno: err.code }, { cause: err }));
    };
    http.once('error', onError);
    http.listen(opts.port ?? 0, '127.0.0.1', () => {
      http.off('error', onError);
      resolve();
    });
  });
  const addr = http.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;

  const dir = opts.configDir ?? defaultConfigDir();
  const info: BridgeInfo = { port, token, pid: process.pid, version, protocol: PROTOCOL_VERSION };
  let discoveryPath: string | undefined;
  if (opts.writeDiscovery !== false) {
    try {
      discoveryPath = writeBridgeFile(info, dir);
    } catch (err) {
      await new Promise<void>((r) => http.close(() => r()));
      clearInterval(pinger);
      clearInterval(transportFlush);
      throw err;
    }
  }
  log('info', `listening on http://127.0.0.1:${port}`);

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing = true;
      clearInterval(pinger);
      clearInterval(transportFlush);
      if (discoveryPath) removeBridgeFileIfOurs(info, dir);
      const all = [...open.plugin, ...open.ui];
      for (const c of all) c.fatal({ code: 'SERVER_SHUTTING_DOWN', message: 'The host is stopping.' }, CLOSE_CODES.goingAway);
      await Promise.all(all.map((c) => new Promise<void>((r) => {
        if (c.ws.readyState === c.ws.CLOSED) return r();
        c.ws.once('close', () => r());
        setTimeout(() => {
          c.ws.terminate();
          r();
        }, 1000).unref();
      })));
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    })();
    return closed;
  };

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    limits,
    sessions,
    api,
    discoveryPath,
    broadcast,
    connections: () => ({ plugin: open.plugin.size, ui: open.ui.size }),
    close,
  };
}
