// Reassembles one announced audio transfer from its frames, enforcing order and the announcement (docs/protocol.md 6).
import type { AudioBuffer } from '../audio-buffer.js';
import type { AudioFrame, FrameKindValue } from './frame.js';
import type { ProtocolFault } from './validate.js';

export interface TransferAnnouncement {
  readonly kind: FrameKindValue;
  readonly id: number;
  readonly sampleRate: number;
  readonly channels: number;
  readonly frames: number;
}

/** Collects the frames of one transfer into one planar buffer (a single-frame transfer is adopted without a copy). */
export class TransferAssembler {
  readonly announcement: TransferAnnouncement;
  #channels: Float32Array[] | undefined;
  #received = 0;

  constructor(a: TransferAnnouncement) {
    this.announcement = a;
  }

  get received(): number {
    return this.#received;
  }

  get complete(): boolean {
    return this.#received === this.announcement.frames;
  }

  /** Adds the next frame; a fault means the frame contradicts the announcement or comes out of order. */
  add(f: AudioFrame): ProtocolFault | undefined {
    const a = this.announcement;
    const mismatch = (what: string, got: number, want: number): ProtocolFault => ({
      code: 'PROTO_UNEXPECTED_FRAME',
      message: `Frame for transfer ${a.id}: ${what} is ${got}, expected ${want}.`,
      details: { field: what, value: got, expected: want },
    });
    if (f.sampleRate !== a.sampleRate) return mismatch('sampleRate', f.sampleRate, a.sampleRate);
    if (f.channels !== a.channels) return mismatch('channels', f.channels, a.channels);
    if (f.totalFrames !== a.frames) return mismatch('totalFrames', f.totalFrames, a.frames);
    if (f.frameOffset !== this.#received) return mismatch('frameOffset', f.frameOffset, this.#received);
    if (f.frameOffset === 0 && f.frameCount === a.frames) {
      // The whole transfer in one frame: adopt the decoded arrays instead of copying them.
      this.#channels = f.samples.slice(0, a.channels);
    } else {
      // Allocated at the first chunk, not at the announcement, so a peer that never sends costs nothing.
      this.#channels ??= Array.from({ length: a.channels }, () => new Float32Array(a.frames));
      for (let c = 0; c < a.channels; c++) this.#channels[c]!.set(f.samples[c]!, f.frameOffset);
    }
    this.#received += f.frameCount;
    return undefined;
  }

  /** The whole buffer (call when complete). */
  audio(): AudioBuffer {
    const a = this.announcement;
    return { sampleRate: a.sampleRate, channels: this.#channels ?? Array.from({ length: a.channels }, () => new Float32Array(a.frames)) };
  }
}
