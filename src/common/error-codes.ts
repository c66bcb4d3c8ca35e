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

  // --- audio (src/node/audio) ----------------------------------------------------------------
  AUDIO_READ_FAILED: { summary: 'An audio file could not be read (missing, not a file, or no permission).', hint: 'Check the path and its permissions.' },
  AUDIO_UNSUPPORTED_FORMAT: { summary: 'The audio is not in a format or encoding Stylebridge decodes.', hint: 'Use WAV (PCM 8/16/24/32-bit or float 32/64), AIFF/AIFC, FLAC, MP3 or Ogg Vorbis/Opus; see details for what was found.' },
  AUDIO_TRUNCATED: { summary: 'The audio file ends before the length its header announces.', hint: 'The file was cut short (an interrupted copy or download); export or copy it again.' },
  AUDIO_CORRUPT: { summary: 'The audio file is malformed: its header contradicts itself or its data cannot be decoded.', hint: 'Re-export the file from the program that made it; see details for the first inconsistency found.' },
  AUDIO_TOO_LARGE: { summary: 'The audio file is larger than the decoder accepts (maxFileBytes).', hint: 'Trim the file to the bars you need, or raise maxFileBytes.' },
  AUDIO_TOO_LONG: { summary: 'The audio is longer than allowed (maxDurationSeconds when decoding, the 4 GiB RIFF or 32-bit cue limits when writing).', hint: 'Use a shorter excerpt, or raise maxDurationSeconds.' },
  AUDIO_TOO_MANY_CHANNELS: { summary: 'The audio has more channels than allowed (maxChannels).', hint: 'Mix down to mono or stereo first, or raise maxChannels.' },
  AUDIO_BAD_SAMPLE_RATE: { summary: 'The sample rate is missing, not a whole number, or outside minSampleRate..maxSampleRate.', hint: 'Use a common rate (22050..192000 Hz); see details for the value found.' },
  AUDIO_INVALID_BUFFER: { summary: 'An audio buffer given to a writer or processor is malformed (channels of unequal length, no channels, NaN or infinite samples).', hint: 'See details for the channel and sample index; this is a bug in the code that produced the audio.' },
  AUDIO_BAD_OPTION: { summary: 'An audio writer or processor option is out of range (bit depth, dither, marker position, chunk field).', hint: 'See details.option for the option and its allowed values.' },
});

export type ErrorCode = keyof typeof ERROR_CODES;
