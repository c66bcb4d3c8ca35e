// The registry of connected plugin sessions, looked up by instance id, session id or track name.
import { StylebridgeError } from '../../common/errors.js';
import type { PluginSession } from './plugin-session.js';

export type SessionEvent = { kind: 'added' | 'removed' | 'identity' | 'transport' | 'status'; session: PluginSession };

export class SessionRegistry {
  readonly #bySession = new Map<string, PluginSession>();
  readonly #listeners = new Set<(e: SessionEvent) => void>();

  list(): PluginSession[] {
    return [...this.#bySession.values()];
  }

  get size(): number {
    return this.#bySession.size;
  }

  /** The session for an instance id, a session id, or a unique track name. */
  find(ref: string): PluginSession {
    const all = this.list();
    const exact = all.find((s) => s.instanceId === ref) ?? this.#bySession.get(ref);
    if (exact) return exact;
    const named = all.filter((s) => s.identity.trackName === ref);
    if (named.length === 1) return named[0]!;
    if (named.length > 1) throw new StylebridgeError('SERVER_AMBIGUOUS_TRACK', `${named.length} tracks are named "${ref}".`, { track: ref, ids: named.map((s) => s.instanceId) });
    throw new StylebridgeError('SERVER_NO_SUCH_TRACK', `No connected plugin matches "${ref}".`, { track: ref });
  }

  instanceInUse(instanceId: string): boolean {
    return this.list().some((s) => s.instanceId === instanceId);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  on(listener: (e: SessionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Waits until a session matching `pred` exists (tests, CLI). */
  waitFor(pred: (s: PluginSession) => boolean, timeoutMs = 5000): Promise<PluginSession> {
    const found = this.list().find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        off();
        reject(new StylebridgeError('SERVER_NO_SUCH_TRACK', `No matching plugin connected within ${timeoutMs} ms.`));
      }, timeoutMs);
      const off = this.on((e) => {
        if (e.kind !== 'removed' && pred(e.session)) {
          clearTimeout(t);
          off();
          resolve(e.session);
        }
      });
    });
  }

  add(s: PluginSession): void {
    this.#bySession.set(s.session, s);
    this.emit({ kind: 'added', session: s });
  }

  remove(s: PluginSession): void {
    if (this.#bySession.get(s.session) === s) {
      this.#bySession.delete(s.session);
      this.emit({ kind: 'removed', session: s });
    }
  }

  emit(e: SessionEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure must not affect the session or other listeners
      }
    }
  }
}
