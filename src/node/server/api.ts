// The /ui method registry: api.register(name, paramsSchema, handler); params are validated before a handler runs.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';

/** What a handler knows about the call. */
export interface MethodContext {
  /** The UI connection's session id ("" for calls made in-process). */
  readonly session: string;
  readonly callId: number;
  /** Aborted when the calling UI disconnects. */
  readonly signal: AbortSignal;
  /** The audio sent with the call (methods registered with receivesAudio). */
  readonly audio?: AudioBuffer;
}

export interface MethodOptions {
  /**
   * The call is followed by binary frames of kind 2 whose id is the call id; params must then carry
   * {frames, sampleRate, channels} and the handler runs once the audio is complete (ctx.audio).
   */
  readonly receivesAudio?: boolean;
}

/** A result that also streams audio to the caller (binary frames of kind 1 after the result). */
export class AudioReply<R = unknown> {
  constructor(readonly result: R, readonly audio: AudioBuffer) {}
}

export function withAudio<R>(result: R, audio: AudioBuffer): AudioReply<R> {
  return new AudioReply(result, audio);
}

export type MethodHandler<S extends TSchema> = (params: Static<S>, ctx: MethodContext) => unknown;

interface Method {
  readonly name: string;
  readonly schema: TSchema;
  readonly check: (v: unknown) => boolean;
  readonly handler: (params: unknown, ctx: MethodContext) => unknown;
  readonly options: MethodOptions;
}

const NAME = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/;

export class ApiRegistry {
  readonly #methods = new Map<string, Method>();

  /** Adds a method. Names are dotted lowerCamel ("tracks.list"); registering a name twice throws. */
  register<S extends TSchema>(name: string, paramsSchema: S, handler: MethodHandler<S>, options: MethodOptions = {}): void {
    if (!NAME.test(name) || name.length > 64) throw new RangeError(`Method name "${name}" is not dotted lowerCamel (max 64 chars).`);
    if (this.#methods.has(name)) throw new RangeError(`Method "${name}" is already registered.`);
    let check: (v: unknown) => boolean;
    try {
      const c = TypeCompiler.Compile(paramsSchema);
      check = (v) => c.Check(v);
    } catch {
      check = (v) => Value.Check(paramsSchema, v);
    }
    this.#methods.set(name, { name, schema: paramsSchema, check, handler: handler as Method['handler'], options });
  }

  has(name: string): boolean {
    return this.#methods.has(name);
  }

  names(): string[] {
    return [...this.#methods.keys()].sort();
  }

  options(name: string): MethodOptions | undefined {
    return this.#methods.get(name)?.options;
  }

  /** Validates params (SERVER_UNKNOWN_METHOD / PROTO_INVALID_MESSAGE) and returns them typed as unknown. */
  validate(name: string, params: unknown): void {
    const m = this.#methods.get(name);
    if (!m) throw new StylebridgeError('SERVER_UNKNOWN_METHOD', `No method "${name}".`, { method: name });
    if (!m.check(params)) {
      const e = Value.Errors(m.schema, params).First();
      const path = e?.path || '/';
      throw new StylebridgeError('PROTO_INVALID_MESSAGE', `Invalid params for "${name}" at ${path}: ${e?.message ?? 'does not match the schema'}.`, { method: name, path, reason: e?.message });
    }
  }

  /** Validates and runs a method. Also usable in-process (tests, Electron main). */
  async call(name: string, params: unknown, ctx: MethodContext): Promise<unknown> {
    this.validate(name, params);
    return await this.#methods.get(name)!.handler(params, ctx);
  }
}
