// Takes the host holds in memory (from takes.upload), least recently used dropped beyond a limit.
import type { AudioBuffer } from '../../common/audio-buffer.js';

export interface StoredTake {
  readonly key: string;
  readonly audio: AudioBuffer;
  /** Changes whenever the key gets new audio (plugins compare it to know when to upload again). */
  readonly revision: number;
}

export class TakeStore {
  readonly #takes = new Map<string, StoredTake>();
  #revision = 0;
  constructor(readonly maxTakes: number) {}

  put(key: string, audio: AudioBuffer): StoredTake {
    this.#takes.delete(key);
    const t = { key, audio, revision: ++this.#revision };
    this.#takes.set(key, t);
    while (this.#takes.size > this.maxTakes) this.#takes.delete(this.#takes.keys().next().value!);
    return t;
  }

  /** The take (and marks it recently used). */
  get(key: string): StoredTake | undefined {
    const t = this.#takes.get(key);
    if (t) {
      this.#takes.delete(key);
      this.#takes.set(key, t);
    }
    return t;
  }

  get size(): number {
    return this.#takes.size;
  }
}
