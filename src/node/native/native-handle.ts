// Owns one open native model (a package or an Optimum folder): its provider, its release, and running one generation job.
import { ERROR_CODES, type ErrorCode } from '../../common/error-codes.js';
import { StylebridgeError } from '../../common/errors.js';
import type { NativeGenerateResult, NativeJob, NativeModelHandle } from './addon-types.js';

export interface NativeTake {
  /** codes[k][t] */
  readonly codes: Int32Array[];
  /** Mono audio at the codec rate (empty when decode was false). */
  readonly audio: Float32Array;
}

/** A native error (an Error with a code property) as a StylebridgeError. */
export function fromNativeError(err: unknown): StylebridgeError {
  if (err instanceof StylebridgeError) return err;
  const e = err as Error & { code?: string };
  const code = typeof e?.code === 'string' && e.code in ERROR_CODES ? (e.code as ErrorCode) : 'INTERNAL';
  return new StylebridgeError(code, e?.message ?? String(err), undefined, { cause: err });
}

/** What every native model handle has, whatever it generates. */
type OwnedHandle = Pick<NativeModelHandle, 'provider' | 'providerNote' | 'release'>;

/** Base of the generators: holds the handle until release(), after which every use is NATIVE_RELEASED. */
export abstract class NativeHandleOwner<H extends OwnedHandle> {
  private handle: H | null;

  protected constructor(handle: H) {
    this.handle = handle;
  }

  /** "cuda" or "cpu": the provider the LM runs on. */
  get provider(): string {
    return this.live().provider;
  }

  /** Why CUDA is or is not used (empty when CPU was asked for). */
  get providerNote(): string {
    return this.live().providerNote;
  }

  /** Frees the sessions (after running jobs finish). */
  release(): void {
    this.handle?.release();
    this.handle = null;
  }

  protected live(): H {
    if (!this.handle) throw new StylebridgeError('NATIVE_RELEASED');
    return this.handle;
  }

  /** Starts a job unless `signal` is already aborted, cancels it when `signal` aborts, and maps its failure to a coded error. */
  protected async runJob(signal: AbortSignal | undefined, start: () => NativeJob): Promise<NativeGenerateResult> {
    if (signal?.aborted) throw new StylebridgeError('CANCELLED');
    const job = start();
    const onAbort = () => job.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await job.promise;
    } catch (err) {
      throw fromNativeError(err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The result's flat codes[v][k * frames + t] and audio as one take per variation. */
export function takesOf(r: NativeGenerateResult, codebooks: number, frames: number): NativeTake[] {
  return r.codes.map((flat, v) => ({
    codes: Array.from({ length: codebooks }, (_, k) => flat.slice(k * frames, (k + 1) * frames)),
    audio: r.audio[v] ?? new Float32Array(0),
  }));
}
