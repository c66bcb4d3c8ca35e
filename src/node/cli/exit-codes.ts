// The CLI's documented exit codes and the mapping from stable error codes to them.
import type { ErrorCode } from '../../common/error-codes.js';

export const EXIT_CODES = {
  OK: { code: 0, meaning: 'success' },
  FAILED: { code: 1, meaning: 'the operation failed (the message says why)' },
  USAGE: { code: 2, meaning: 'wrong command, flag or argument value; the usage follows the one-line error' },
  NO_HOST: { code: 3, meaning: 'no running host found (discovery file missing or stale) or it could not be reached' },
  AUTH: { code: 4, meaning: 'the host refused the connection (token or origin)' },
  NOT_FOUND: { code: 5, meaning: 'a named track, take, file or model does not exist' },
  BAD_INPUT: { code: 6, meaning: 'an input file or model is unreadable, truncated or invalid' },
  INTERNAL: { code: 70, meaning: 'an internal error (a bug): please report it with the output' },
  CANCELLED: { code: 130, meaning: 'cancelled (Ctrl-C or a cancelled job)' },
} as const;

export type ExitName = keyof typeof EXIT_CODES;

/** Exit code for a stable error code: by exact code first, then by its area prefix. */
export function exitCodeFor(code: ErrorCode): number {
  const exact: Partial<Record<string, ExitName>> = {
    INVALID_ARGUMENT: 'USAGE',
    CANCELLED: 'CANCELLED',
    INTERNAL: 'INTERNAL',
  };
  const byExact = exact[code];
  if (byExact) return EXIT_CODES[byExact].code;
  if (/NOT_FOUND|NO_SUCH|UNKNOWN_TRACK|UNKNOWN_TAKE|MISSING/.test(code)) return EXIT_CODES.NOT_FOUND.code;
  if (code.startsWith('CLI_USAGE') || code.startsWith('TIMING_')) return EXIT_CODES.USAGE.code;
  if (code.startsWith('AUTH_')) return EXIT_CODES.AUTH.code;
  if (code.startsWith('CLI_NO_HOST') || code.startsWith('CLI_HOST')) return EXIT_CODES.NO_HOST.code;
  if (code.startsWith('AUDIO_') || code.startsWith('MODEL_') || code.startsWith('OPTIMUM_')) return EXIT_CODES.BAD_INPUT.code;
  return EXIT_CODES.FAILED.code;
}
