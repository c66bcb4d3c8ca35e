// Connects the CLI to the running host found through the discovery file (docs/protocol.md section 1), as a /ui client.
import { request } from 'node:http';
import WebSocket from 'ws';
import { StylebridgeError, isErrorCode } from '../../common/errors.js';
import { UiClient, type WebSocketLike } from '../../common/ui-client/index.js';
import { configDir, readBridgeFile, type BridgeInfo } from '../discovery.js';
import { VERSION } from '../version.js';

export interface HostConnection {
  readonly client: UiClient;
  readonly info: BridgeInfo;
  /** GET a path of the host over HTTP with the token (e.g. /files/...). */
  fetchBytes(path: string): Promise<Uint8Array>;
  close(): void;
}

/** Options of the CLI's connection, with their defaults. */
export const CONNECT_DEFAULTS = {
  /** How long to wait for the host's welcome. */
  connectTimeoutMs: 5000,
} as const;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Finds the host and opens a /ui connection; CLI_NO_HOST / CLI_HOST_UNREACHABLE / AUTH_* when it cannot. */
export async function connectHost(dir: string = configDir()): Promise<HostConnection> {
  const info = readBridgeFile(dir);
  if (!info) throw new StylebridgeError('CLI_NO_HOST', `No running host: ${dir}/bridge.json does not exist.`, { configDir: dir });
  if (!processAlive(info.pid)) throw new StylebridgeError('CLI_NO_HOST', `The host in ${dir}/bridge.json (pid ${info.pid}) is not running.`, { configDir: dir, pid: info.pid });
  const client = new UiClient({
    url: `ws://127.0.0.1:${info.port}/ui`,
    token: info.token,
    reconnect: false,
    client: { name: 'stylebridge-cli', version: VERSION },
    socket: (url, token) => new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } }) as unknown as WebSocketLike,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      client.close();
      reject(new StylebridgeError('CLI_HOST_UNREACHABLE', `The host on port ${info.port} did not answer within ${CONNECT_DEFAULTS.connectTimeoutMs} ms.`, { port: info.port }));
    }, CONNECT_DEFAULTS.connectTimeoutMs);
    const stop = client.onStatus((s) => {
      if (s.state === 'open') {
        clearTimeout(timer);
        queueMicrotask(() => stop());
        resolve();
      } else if (s.state === 'failed' || (s.state === 'reconnecting' && s.error)) {
        clearTimeout(timer);
        queueMicrotask(() => stop());
        client.close();
        const code = s.error && isErrorCode(s.error.code) ? s.error.code : 'CLI_HOST_UNREACHABLE';
        reject(new StylebridgeError(code, s.error?.message ?? `Cannot connect to the host on port ${info.port}.`, { port: info.port }));
      }
    });
    void client.start();
  });
  return {
    client,
    info,
    fetchBytes: (path) => new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: info.port, path, headers: { Authorization: `Bearer ${info.token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          if (res.statusCode === 200) resolve(new Uint8Array(body.buffer, body.byteOffset, body.length));
          else reject(new StylebridgeError('CLI_HOST_UNREACHABLE', `GET ${path} answered HTTP ${res.statusCode}: ${body.toString('utf8').slice(0, 200)}`, { status: res.statusCode }));
        });
      });
      req.on('error', (err) => reject(new StylebridgeError('CLI_HOST_UNREACHABLE', `GET ${path} failed: ${err.message}`)));
      req.end();
    }),
    close: () => client.close(),
  };
}
