// The one error type of Stylebridge: a stable code, a message for people, and what to do next.
import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

/** An error that crosses a boundary (protocol, CLI, file, model) carries a stable code from error-codes.ts. */
export class StylebridgeError extends Error {
  override readonly name = 'StylebridgeError';
  readonly code: ErrorCode;
  /** Extra machine-readable facts (the limit that was exceeded, the offending value, ...). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code].summary, options);
    this.code = code;
    this.details = details;
  }

  /** What the user or peer should do next, from the code table. */
  get hint(): string {
    return ERROR_CODES[this.code].hint;
  }

  toJSON(): { code: ErrorCode; message: string; hint: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, hint: this.hint, ...(this.details ? { details: { ...this.details } } : {}) };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** Narrow an unknown thrown value to a StylebridgeError with a given code. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof StylebridgeError && err.code === code;
}
