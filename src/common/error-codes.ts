// Every stable error code, grouped by area. docs/errors.md is generated from this table (npm run docs:errors).
// Codes never change meaning once released; add new ones, never reuse.

export interface ErrorCodeInfo {
  /** One-line description of what went wrong. */
  readonly summary: string;
  /** What the user or the peer should do next. */
  readonly hint: string;
}

const table = <T extends Record<string, ErrorCodeInfo>>(t: T): T => t;

export const ERROR_CODES = table({
  // --- general -------------------------------------------------------------------------------
  INTERNAL: { summary: 'An unexpected internal error.', hint: 'Report it with the log; the operation was not completed.' },
  INVALID_ARGUMENT: { summary: 'An argument is missing, of the wrong type or out of range.', hint: 'Check the value against the documented range.' },
  CANCELLED: { summary: 'The operation was cancelled.', hint: 'Nothing to do; start it again if it was not intended.' },

  // --- timing (src/common/timing.ts) ---------------------------------------------------------
  TIMING_BAD_TEMPO: { summary: 'Tempo is outside 20..999 BPM or not a finite number.', hint: 'Give a tempo between 20 and 999 BPM (quarter notes per minute).' },
  TIMING_BAD_METER: { summary: 'Meter is not a supported time signature.', hint: 'Use a numerator of 1..32 and a denominator of 1, 2, 4, 8, 16 or 32 (e.g. 4/4, 7/8, 12/8).' },
  TIMING_BAD_SAMPLE_RATE: { summary: 'Sample rate is outside 22050..192000 Hz or not an integer.', hint: 'Use an integer sample rate between 22050 and 192000 Hz.' },
  TIMING_BAD_POSITION: { summary: 'A bar, beat, PPQ or sample position is negative, not finite or out of range.', hint: 'Positions start at bar 0 / sample 0 and must be finite.' },
  TIMING_BAD_TEMPO_MAP: { summary: 'A tempo map is empty, unordered, or does not start at bar 0.', hint: 'Give tempo segments in increasing bar order, the first at bar 0.' },

  // --- library (src/node/library) ------------------------------------------------------------
  LIBRARY_OPEN_FAILED: { summary: 'The project folder or its database could not be opened or created.', hint: 'Check that the folder exists, is writable, and that stylebridge.db is a Stylebridge project database.' },
  LIBRARY_SCHEMA_TOO_NEW: { summary: 'The project database was written by a newer Stylebridge (its schema version is higher than this one knows).', hint: 'Update Stylebridge to open this project; this version will not modify it.' },
  LIBRARY_SCHEMA_TOO_OLD: { summary: 'The project database needs a migration, but it was opened read-only.', hint: 'Open the project once read-write (e.g. with `stylebridge serve --project DIR`) so it is upgraded.' },
  LIBRARY_MIGRATION_FAILED: { summary: 'A schema migration failed; the database was left at its previous version.', hint: 'Report it with the log; the project is unchanged and can still be opened by the previous version.' },
  LIBRARY_LOCKED: { summary: 'Another process has this project open for writing.', hint: 'Close the other Stylebridge process (server or CLI) using this project, or open it read-only.' },
  LIBRARY_CLOSED: { summary: 'The project library was used after it was closed.', hint: 'Open the project again.' },
  LIBRARY_READ_ONLY: { summary: 'A write was attempted on a project opened read-only.', hint: 'Open the project read-write to change it.' },
  LIBRARY_NOT_FOUND: { summary: 'No capture, take or bounce with this id exists in the project.', hint: 'List the project to find valid ids.' },
  LIBRARY_BAD_RECORD: { summary: 'A capture, take or bounce record has a missing, mistyped or out-of-range field.', hint: 'See details.field for the field and its allowed range.' },
  LIBRARY_BAD_AUDIO: { summary: 'Audio bytes do not start with the header their file extension announces, or the extension is not allowed.', hint: 'Encode the audio first (wav, flac, aiff, mp3 or ogg) and pass the matching extension.' },
  LIBRARY_FILE_TOO_LARGE: { summary: 'An audio file is larger than the library accepts (maxFileBytes).', hint: 'Write fewer bars or a compressed format, or raise maxFileBytes.' },
  LIBRARY_FILE_MISSING: { summary: 'The audio file of a record is missing or damaged on disk.', hint: 'Restore the file into the project folder, or regenerate the take from its record.' },
  LIBRARY_BAD_QUERY: { summary: 'A search query has an unknown, mistyped or out-of-range field.', hint: 'See details.field; ranges are inclusive and limit is at most maxSearchLimit.' },
  LIBRARY_IO_FAILED: { summary: 'Writing or removing a file in the project folder failed.', hint: 'Check free disk space and permissions; nothing half-written is left visible.' },

  // --- jobs (src/node/jobs) ------------------------------------------------------------------
  JOB_QUEUE_FULL: { summary: 'The job queue already holds its maximum number of waiting jobs (maxQueued).', hint: 'Wait for running jobs to finish or cancel some, then submit again.' },
  JOB_QUEUE_CLOSED: { summary: 'The job queue is closed and accepts no new jobs.', hint: 'The host is shutting down; submit again after it restarts.' },
  JOB_NOT_FOUND: { summary: 'No job with this id is known (it never existed or its record expired).', hint: 'Finished jobs are kept only for a bounded time and count; list jobs to see what is known.' },
});

export type ErrorCode = keyof typeof ERROR_CODES;
