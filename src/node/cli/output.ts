// How commands print: JSON (one object per line) with --json, readable lines otherwise.
import type { CliIo } from './main.js';

export function emit(io: CliIo, json: boolean | undefined, value: Record<string, unknown>, human: () => string): void {
  if (json) io.stdout.write(`${JSON.stringify({ ok: true, ...value })}\n`);
  else io.stdout.write(`${human()}\n`);
}

/** Runs a command body that talks to the host, closing the connection afterwards. */
export async function withClose<T>(close: () => void, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    close();
  }
}
