// Runs the host as a child process for the app: start it, wait until its discovery file names it, stop it cleanly.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { StylebridgeError } from '../src/common/errors.js';
import { configDir as defaultConfigDir, readBridgeFile, type BridgeInfo } from '../src/node/discovery.js';

export interface HostProcessOptions {
  /** Program and arguments, e.g. Electron's own binary with ELECTRON_RUN_AS_NODE=1 and bin/stylebridge.js serve. */
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Where the host writes bridge.json (default: the user's config folder, docs/protocol.md section 1). */
  readonly configDir?: string;
  /** The host must have written bridge.json with its pid within this. */
  readonly startTimeoutMs?: number;
  /** After SIGTERM, the host has this long to close its connections before SIGKILL. */
  readonly stopGraceMs?: number;
  /** How often bridge.json is read while starting. */
  readonly pollMs?: number;
  /** Each line the host prints (stdout and stderr), for the app's log. */
  readonly onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export const HOST_PROCESS_DEFAULTS = Object.freeze({ startTimeoutMs: 20_000, stopGraceMs: 5_000, pollMs: 100 });

export interface HostExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class HostProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<HostExit> | undefined;
  private stopping = false;
  private infoValue: BridgeInfo | undefined;
  private readonly exitListeners = new Set<(e: HostExit) => void>();

  constructor(private readonly opts: HostProcessOptions) {}

  /** The running host's address and token, once started. */
  get info(): BridgeInfo | undefined {
    return this.infoValue;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Called when the host exits without stop() (a crash): the app may start it again. */
  onUnexpectedExit(fn: (e: HostExit) => void): () => void {
    this.exitListeners.add(fn);
    return () => { this.exitListeners.delete(fn); };
  }

  /** Spawns the host and resolves with its discovery info; rejects with APP_HOST_START_FAILED (the child is killed). */
  async start(): Promise<BridgeInfo> {
    if (this.child) throw new StylebridgeError('APP_HOST_START_FAILED', 'The host is already running.');
    const o = { ...HOST_PROCESS_DEFAULTS, ...this.opts };
    const dir = o.configDir ?? defaultConfigDir(o.env ?? process.env);
    this.stopping = false;
    const spawnOpts: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env, ...(o.cwd ? { cwd: o.cwd } : {}), windowsHide: true };
    const child = spawn(o.command, [...o.args], spawnOpts);
    this.child = child;
    const tail: string[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      let buf = '';
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          tail.push(line);
          if (tail.length > 20) tail.shift();
          o.onOutput?.(line, stream);
        }
      });
    }
    let spawnError: Error | undefined;
    this.exited = new Promise<HostExit>((resolve) => {
      child.once('error', (err) => { spawnError = err; resolve({ code: null, signal: null }); });
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    void this.exited.then((e) => {
      const wasOurs = this.child === child;
      if (wasOurs) { this.child = undefined; this.infoValue = undefined; }
      if (wasOurs && !this.stopping) for (const fn of [...this.exitListeners]) fn(e);
    });

    const deadline = Date.now() + o.startTimeoutMs;
    let exit: HostExit | undefined;
    void this.exited.then((e) => { exit = e; });
    while (Date.now() < deadline) {
      if (exit || spawnError) {
        const why = spawnError ? spawnError.message : `it exited with ${exit!.code ?? exit!.signal}`;
        throw new StylebridgeError('APP_HOST_START_FAILED', `The host did not start: ${why}.${tail.length ? ` Last output: ${tail.slice(-3).join(' | ')}` : ''}`, { exit, output: tail.slice() });
      }
      let info: BridgeInfo | undefined;
      try { info = readBridgeFile(dir); } catch { info = undefined; }
      if (info && info.pid === child.pid) {
        this.infoValue = info;
        return info;
      }
      await sleep(o.pollMs);
    }
    await this.stop();
    throw new StylebridgeError('APP_HOST_START_FAILED', `The host did not write its discovery file within ${o.startTimeoutMs} ms.`, { limit: 'startTimeoutMs', max: o.startTimeoutMs, output: tail.slice() });
  }

  /** Asks the host to stop (SIGTERM: it closes connections with 1001 and removes bridge.json), then kills it after stopGraceMs. */
  async stop(): Promise<HostExit | undefined> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return undefined;
    this.stopping = true;
    const grace = this.opts.stopGraceMs ?? HOST_PROCESS_DEFAULTS.stopGraceMs;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), grace);
    const e = await exited;
    clearTimeout(timer);
    return e;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
