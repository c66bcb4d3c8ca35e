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

  // --- host and CLI (src/node/host, src/node/cli) ---------------------------------------------
  SOURCE_OUT_OF_RANGE: { summary: 'The recording is too short for the bars asked for.', hint: 'Pick an earlier bar or start time, fewer bars, or check the tempo and meter.' },
  CLI_NO_HOST: { summary: 'No running host was found (no discovery file, or its process is gone).', hint: 'Start one with `stylebridge serve` (or `npm start`), or set STYLEBRIDGE_CONFIG_DIR to the folder the host uses.' },
  CLI_HOST_UNREACHABLE: { summary: 'The host in the discovery file did not answer.', hint: 'It may have crashed: start it again with `stylebridge serve`.' },
  PLUGIN_NOT_BUILT: { summary: 'No plugin bundle has been built yet.', hint: 'Run `npm run build:plugin` first (needs Debian\'s dpf-source on Linux; see plugin-shim/README.md).' },
  MODEL_ALREADY_INSTALLED: { summary: 'A model package with this name is already installed.', hint: 'Use `stylebridge models add DIR --replace`, or rename the package in its manifest.' },
  CLI_OUTPUT_EXISTS: { summary: 'The output path exists and is not a folder.', hint: 'Choose another --out path.' },

  // --- timing (src/common/timing.ts) ---------------------------------------------------------
  TIMING_BAD_TEMPO: { summary: 'Tempo is outside 20..999 BPM or not a finite number.', hint: 'Give a tempo between 20 and 999 BPM (quarter notes per minute).' },
  TIMING_BAD_METER: { summary: 'Meter is not a supported time signature.', hint: 'Use a numerator of 1..32 and a denominator of 1, 2, 4, 8, 16 or 32 (e.g. 4/4, 7/8, 12/8).' },
  TIMING_BAD_SAMPLE_RATE: { summary: 'Sample rate is outside 22050..192000 Hz or not an integer.', hint: 'Use an integer sample rate between 22050 and 192000 Hz.' },
  TIMING_BAD_POSITION: { summary: 'A bar, beat, PPQ or sample position is negative, not finite or out of range.', hint: 'Positions start at bar 0 / sample 0 and must be finite.' },
  TIMING_BAD_TEMPO_MAP: { summary: 'A tempo map is empty, unordered, or does not start at bar 0.', hint: 'Give tempo segments in increasing bar order, the first at bar 0.' },

  // --- engines (src/node/engines) ------------------------------------------------------------
  ENGINE_UNKNOWN: { summary: 'No engine with this id is registered.', hint: 'List the engines (stylebridge engines) and pick one of their ids; "concat" is built in.' },
  ENGINE_PROMPT_UNSUPPORTED: { summary: 'This engine does not understand text prompts.', hint: 'Leave the prompt empty for this engine, or choose a neural engine whose capabilities list text prompts.' },
  ENGINE_SOURCE_EMPTY: { summary: 'The style source has no channels, no samples, more channels than allowed, or channels of unequal length.', hint: 'Capture or drop at least one bar of mono or stereo audio.' },
  ENGINE_SOURCE_NOT_FINITE: { summary: 'The style source contains NaN or infinite samples.', hint: 'The audio is damaged; capture or export it again (see details for the first bad sample).' },
  ENGINE_SOURCE_SILENT: { summary: 'The style source is silent (below silenceDbfs).', hint: 'Capture a bar where the track plays, or raise its level.' },
  ENGINE_SOURCE_LENGTH: { summary: 'The style source is not sourceBars bars long at the given tempo, meter and sample rate.', hint: 'Check the tempo and meter, or fit the audio to whole bars first (see details for the expected and actual lengths).' },
  ENGINE_BAR_TOO_SHORT: { summary: 'One bar at this tempo and meter is shorter than minBarSeconds (0.25 s).', hint: 'Use a slower tempo or a longer meter.' },
  ENGINE_BAR_TOO_LONG: { summary: 'One bar at this tempo and meter is longer than maxBarSeconds (30 s).', hint: 'Use a faster tempo or a shorter meter.' },
  ENGINE_BAD_SAMPLE_RATE: { summary: 'The source or output sample rate is not an integer in 22050..192000 Hz.', hint: 'Use a common sample rate such as 44100 or 48000 Hz (see details.field).' },
  ENGINE_BAD_BARS: { summary: 'The number of bars (of the source or of each take) is not a whole number in its allowed range.', hint: 'See details for the field and its range (maxBars, maxSourceBars).' },
  ENGINE_BAD_VARIATIONS: { summary: 'The number of variations is not a whole number in 1..maxVariations.', hint: 'Ask for between 1 and maxVariations variations.' },
  ENGINE_BAD_STRENGTH: { summary: 'Strength is not a whole number in 1..6.', hint: 'Use 6 to stay closest to the source, 1 for the freest variations.' },
  ENGINE_BAD_SEED: { summary: 'The seed is not a whole number in 0..4294967295.', hint: 'Use a 32-bit unsigned integer seed.' },
  ENGINE_BAD_CHANNELS: { summary: 'The output channel count is not 1 or 2.', hint: 'Ask for mono (1) or stereo (2).' },
  ENGINE_TOO_LARGE: { summary: 'The source or the requested takes would be larger than the engine accepts (maxSourceSeconds, maxOutputBytes).', hint: 'Use fewer source bars, fewer or shorter takes, or a lower output sample rate (see details for the limit).' },

  // --- concat engine (src/node/engines/concat) ------------------------------------------------
  CONCAT_TOO_FEW_DISTINCT: { summary: 'The concat engine could not make as many distinct variations as asked from this source.', hint: 'Ask for fewer variations or a lower strength, or capture a bar with more audible events.' },

  // --- protocol (src/common/protocol, docs/protocol.md) ---------------------------------------
  PROTO_BAD_JSON: { summary: 'A text message is not a JSON object with a string "type".', hint: 'Send one JSON object per text message (docs/protocol.md section 3); the message was dropped, the connection stays.' },
  PROTO_UNKNOWN_TYPE: { summary: 'A message type that the negotiated protocol version does not define.', hint: 'Check the type name against docs/protocol.md; the message was dropped, the connection stays.' },
  PROTO_INVALID_MESSAGE: { summary: 'A message does not match the protocol schema (missing field, wrong type, out of range).', hint: 'See details.path and details.reason; the message was dropped, the connection stays.' },
  PROTO_WRONG_ROLE: { summary: 'A message that this side of the connection may not send (or a hello whose role does not match the path).', hint: 'Plugins connect to /plugin with role "plugin", UIs to /ui with role "ui".' },
  PROTO_BAD_HELLO: { summary: 'The first message of a connection is not a valid hello.', hint: 'Send hello first (docs/protocol.md 3.1); the connection was closed with 4400.' },
  PROTO_HELLO_TIMEOUT: { summary: 'No hello arrived within helloTimeoutMs of connecting.', hint: 'Send hello right after the WebSocket opens; the connection was closed with 4408.' },
  PROTO_UNSUPPORTED_VERSION: { summary: 'The peer speaks a protocol major version this host does not.', hint: 'Update the plugin or the host so both speak the same major version (details.supported); closed with 4406.' },
  PROTO_MESSAGE_TOO_BIG: { summary: 'A message is larger than maxTextMessageBytes / maxBinaryMessageBytes.', hint: 'Split audio into smaller frames; the connection was closed with 1009.' },
  PROTO_BAD_FRAME: { summary: 'A binary audio frame is malformed (short, bad magic or version, length not matching its header).', hint: 'Follow the header table in docs/protocol.md section 6; the frame was dropped and its transfer aborted.' },
  PROTO_UNEXPECTED_FRAME: { summary: 'A binary frame belongs to no open transfer, comes out of order, or contradicts its announcement.', hint: 'Announce a transfer first and send its frames in order; the frame was dropped.' },
  PROTO_LIMIT_EXCEEDED: { summary: 'A value exceeds a protocol limit (channels, transfer frames or bytes, bars, takes).', hint: 'See details.limit and details.max; welcome.limits lists the limits in force.' },
  PROTO_RATE_LIMITED: { summary: 'Messages arrive faster than the connection rate limit; the excess was dropped.', hint: 'Send transport at most transportRateHz and other messages at most messageRateHz; a sustained flood closes the connection with 1008.' },
  PROTO_TIMEOUT: { summary: 'A request got no complete reply within requestTimeoutMs.', hint: 'The request failed; the connection stays. Check that the peer is responsive.' },
  PROTO_UNKNOWN_REQUEST: { summary: 'A reply names a request id that is not pending (already answered, timed out or never sent).', hint: 'Reply once per request, with its id; the reply was dropped.' },
  CAPTURE_NOT_HEARD: { summary: 'The plugin has not heard all of the requested bars (not played yet, transport stopped or jumped, or overwritten).', hint: 'Play the bars through in the DAW, then capture again.' },
  CAPTURE_TOO_LONG: { summary: 'The requested bars are longer than the plugin\'s history.', hint: 'Capture fewer bars.' },
  CAPTURE_NO_TRANSPORT: { summary: 'The DAW gives the plugin no musical position, so it cannot find bar lines.', hint: 'Start the DAW transport; some hosts only send a position while playing.' },
  TAKE_LIMIT: { summary: 'The plugin already holds the maximum number of takes.', hint: 'Drop a take first (the host does this itself for least recently used takes).' },
  TAKE_FORMAT: { summary: 'A take\'s sample rate or channel count does not fit the plugin.', hint: 'Resample to the plugin\'s rate and use at most its channel count before uploading.' },
  TAKE_INCOMPLETE: { summary: 'An upload ended before all of the take\'s frames arrived.', hint: 'Upload the take again; the partial take was discarded.' },
  TAKE_UNKNOWN: { summary: 'The plugin does not hold the named take.', hint: 'Upload the take before playing it.' },
  PLAY_BAD_BAR: { summary: 'Playback was asked to start or stop at a bar that has already passed.', hint: 'Use at "next", or a bar after the current position.' },

  // --- auth (src/node/server) -----------------------------------------------------------------
  AUTH_MISSING_TOKEN: { summary: 'A connection carries no token.', hint: 'Send Authorization: Bearer <token> (or ?token=) with the token from bridge.json.' },
  AUTH_BAD_TOKEN: { summary: 'A connection carries a token that is not this run\'s token.', hint: 'The token changes every time the host starts: re-read bridge.json (plugins, CLI), or open the UI again from the address `stylebridge serve` prints.' },
  AUTH_BAD_ORIGIN: { summary: 'A connection comes from a web page of another origin.', hint: 'Only the host\'s own UI (http://127.0.0.1:PORT or http://localhost:PORT) may connect from a browser.' },
  AUTH_BAD_HOST: { summary: 'A request carries a Host header other than 127.0.0.1:PORT or localhost:PORT (DNS rebinding defence).', hint: 'Connect to http://127.0.0.1:PORT directly.' },

  // --- server (src/node/server) ---------------------------------------------------------------
  SERVER_TOO_MANY_CONNECTIONS: { summary: 'The host already has the maximum number of plugin or UI connections.', hint: 'Close unused plugin instances or UI windows (limits maxPluginConnections / maxUiConnections).' },
  SERVER_NOT_FOUND: { summary: 'No such path or file on the host.', hint: 'Plugins connect to /plugin, UIs to /ui; static files are served from /.' },
  SERVER_SHUTTING_DOWN: { summary: 'The host is stopping.', hint: 'Reconnect when it is running again (re-read bridge.json).' },
  SERVER_UNKNOWN_METHOD: { summary: 'A UI call names a method the host does not have.', hint: 'Call server.info or see docs/protocol.md section 5 for the methods.' },
  SERVER_NO_SUCH_TRACK: { summary: 'No connected plugin matches the given track id or name.', hint: 'List tracks with `stylebridge tracks`; the plugin must be loaded and connected.' },
  SERVER_AMBIGUOUS_TRACK: { summary: 'Several connected plugins match the given track name.', hint: 'Use the track id (instanceId) from `stylebridge tracks` instead of the name.' },
  SERVER_NO_SUCH_TAKE: { summary: 'The host holds no take under that key.', hint: 'Upload the take (takes.upload) or render it first.' },
  SERVER_PLUGIN_GONE: { summary: 'The plugin disconnected before answering.', hint: 'Check the DAW; the plugin reconnects by itself when it is loaded again.' },
  SERVER_BUSY: { summary: 'Too many requests are pending on this connection (maxPendingRequests).', hint: 'Wait for replies before sending more requests.' },
  SERVER_START_FAILED: { summary: 'The host could not start listening (port in use or not allowed) or write its discovery file.', hint: 'Choose another --port, or check the config folder permissions (see details).' },
  SERVER_UPGRADE_REQUIRED: { summary: 'A plain HTTP request reached a WebSocket path (/plugin or /ui); it passed every check an upgrade gets.', hint: 'Connect with a WebSocket client; the HTTP answer is only there to explain refusals a browser would hide.' },

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

  // --- ui client and app (src/common/ui-client, src/browser, electron) --------------------------
  UI_NOT_CONNECTED: { summary: 'The UI is not connected to the host, so the call was not sent.', hint: 'Wait for the connection to come back (the page reconnects by itself), then try again.' },
  UI_CONNECTION_LOST: { summary: 'The connection to the host closed while a call was waiting for its reply.', hint: 'The call may or may not have run on the host; check its result after the page reconnects.' },
  UI_CALL_TIMEOUT: { summary: 'A call got no reply within callTimeoutMs.', hint: 'The host may be overloaded or stuck; check its log. The reply, if it comes later, is ignored.' },
  UI_NO_TOKEN: { summary: 'The page has no token for the host.', hint: 'Open the UI from the address that `stylebridge serve` prints (it ends in #token=...), or from the app.' },
  UI_HOST_REFUSED: { summary: 'The host is running but refused this page (stale token, other origin, or too many windows).', hint: 'The token changes every time the host starts: open the UI again from the address `stylebridge serve` prints.' },
  UI_BAD_MESSAGE: { summary: 'The host sent a message the UI cannot read (not JSON, or missing fields).', hint: 'The UI and the host versions may differ; reload the page, and update if it persists.' },
  UI_FILE_TOO_LARGE: { summary: 'A dropped audio file is larger than the UI sends to the host (maxDropBytes).', hint: 'Trim the file to the bars you want to use (a few bars are enough for a style).' },
  UI_AUDIO_FETCH_FAILED: { summary: 'The audio of a capture or take could not be loaded from the host.', hint: 'Check that the host is running and the file still exists in the project; reload the view.' },
  APP_IPC_REJECTED: { summary: 'The app refused a request from a page or frame it does not trust.', hint: 'Only the host\'s own UI, in the app\'s main window, may use the app\'s file and drag functions.' },
  APP_BAD_DRAG: { summary: 'A drag-out request names no take or a file that is not an audio file of the project.', hint: 'Drag a take from the variations grid; the file must exist in the project folder.' },
  APP_HOST_START_FAILED: { summary: 'The app could not start the host process, or the host did not report its address in time.', hint: 'See the host log in the app\'s log folder; check that the port and project folder are usable.' },

  // --- models (src/node/models, docs/model-package.md) ----------------------------------------
  MODEL_MANIFEST_MISSING: { summary: 'The model folder has no manifest.json, or the folder does not exist.', hint: 'Point at a model package folder (docs/model-package.md); it holds manifest.json and the ONNX files.' },
  MODEL_MANIFEST_INVALID: { summary: 'manifest.json is not valid JSON or a field is missing, of the wrong type or out of range.', hint: 'See details.field; the manifest fields are listed in docs/model-package.md section 2.' },
  MODEL_VERSION_UNSUPPORTED: { summary: 'The package uses a format or format_version this Stylebridge does not know.', hint: 'Update Stylebridge, or export the package again at format_version 1.' },
  MODEL_FILE_MISSING: { summary: 'A file named by the manifest (a graph or the tokenizer) is not in the package folder.', hint: 'Copy the whole package folder; details.file names the missing file.' },
  MODEL_FILE_CORRUPT: { summary: 'A package file cannot be read: ONNX Runtime rejects the graph, its checksum differs, or the tokenizer is malformed.', hint: 'Download or export the package again; details.file names the file.' },
  MODEL_NATIVE_REQUIRED: { summary: 'A graph uses the Stylebridge addon\'s own operators (domain com.stylebridge, e.g. the q8 variant), which only the native addon runs.', hint: 'Build the native addon (`npm run build:native`) and use the native engine, or pick another variant (int8, int4 or none).' },
  MODEL_SIGNATURE_MISMATCH: { summary: 'A graph lacks a required tensor, or a tensor has the wrong dtype, rank or size.', hint: 'The graph does not match docs/model-package.md section 3; details name the tensor and what was expected.' },
  MODEL_BAD_REQUEST: { summary: 'A generation parameter is out of range for this model (frames, streams, seed, top_k, style excerpt length...).', hint: 'Check details.field against the model manifest and docs/model-package.md section 4.' },
  MODEL_LIMIT_EXCEEDED: { summary: 'A model input exceeds a named limit (manifest size, prompt length, sequence capacity).', hint: 'Shorten the request; details.limit names the limit and its value.' },

  // --- native addon and musicgen-style engine (native, src/node/native, src/node/engines/musicgen-style) ---
  NATIVE_MISSING: { summary: 'The native addon is not built, so the fast generation loop and device audio I/O are unavailable.', hint: 'Run `npm run build:native` (needs cmake and a C++ compiler); the musicgen-style engine meanwhile uses its slower JavaScript loop on the CPU.' },
  NATIVE_LOAD_FAILED: { summary: 'The native addon exists but did not load (wrong platform, missing ONNX Runtime library, or a broken build).', hint: 'Rebuild it with `npm run build:native`; details.path names the file and the message says what the loader reported.' },
  NATIVE_DISABLED: { summary: 'The native addon is switched off by STYLEBRIDGE_DISABLE_NATIVE=1.', hint: 'Unset STYLEBRIDGE_DISABLE_NATIVE to use it.' },
  NATIVE_RUNTIME_MISMATCH: { summary: 'The ONNX Runtime library is older than the C API the addon was built for.', hint: 'Reinstall with `npm ci` so onnxruntime-node and the pinned headers match, then `npm run build:native`.' },
  NATIVE_PROVIDER_UNAVAILABLE: { summary: 'CUDA was required (provider "cuda") but its execution provider did not load.', hint: 'Install the CUDA provider with `npm run install:cuda` (needs internet, an NVIDIA driver, CUDA 12 and cuDNN 9), or use provider "auto" to fall back to the CPU.' },
  NATIVE_OUT_OF_MEMORY: { summary: 'The model or its KV cache did not fit in memory (host RAM, or GPU memory under CUDA).', hint: 'Ask for fewer variations or bars, use the int8/int4 variant, or close other programs using the GPU.' },
  NATIVE_RUN_FAILED: { summary: 'ONNX Runtime failed while running a graph of the model.', hint: 'The message names the graph and ONNX Runtime\'s error; verify the package with `stylebridge models verify DIR`.' },
  NATIVE_RELEASED: { summary: 'A native model was used after it was released.', hint: 'Open the model again.' },
  NATIVE_AUDIO_UNAVAILABLE: { summary: 'The native addon was built without PortAudio, so device audio I/O is unavailable.', hint: 'Install PortAudio development files (Debian: portaudio19-dev) and run `npm run build:native`.' },
  NATIVE_AUDIO_DEVICE_NOT_FOUND: { summary: 'No audio device with this index or name exists, or it lacks the channels asked for.', hint: 'List the devices (stylebridge doctor) and pick one with enough input/output channels.' },
  NATIVE_AUDIO_OPEN_FAILED: { summary: 'PortAudio could not open or start the audio stream (rate, buffer size or device busy).', hint: 'Try another sample rate or buffer size, or close the program holding the device; the message has PortAudio\'s reason.' },
  ENGINE_MODEL_MISSING: { summary: 'The musicgen-style engine has no model: none was given with --model and none is installed.', hint: 'Install a model package with `stylebridge models add DIR`, or pass --model DIR.' },
  ENGINE_MODEL_UNSUPPORTED: { summary: 'The model package cannot serve this engine (e.g. a text-only family asked for style audio).', hint: 'Use a musicgen-style package, or render with a prompt only.' },

  // --- Optimum-layout MusicGen (native/src/optimum*, src/node/native/optimum-generator.ts, src/node/models/optimum-tokenizer.ts) ---
  OPTIMUM_FILE_MISSING: { summary: 'A file of the Optimum layout (config.json, tokenizer.json or an onnx/ graph) is not in the model folder.', hint: 'Copy the whole folder as Optimum exported it; details.file names the missing file (docs/model-package.md section 9).' },
  OPTIMUM_FILE_CORRUPT: { summary: 'A file of the Optimum layout cannot be used: ONNX Runtime rejects a graph, a graph lacks the expected tensors, or tokenizer.json is malformed or of an unsupported kind.', hint: 'Export the model again with Optimum; the message names the file and what is wrong.' },
  OPTIMUM_CONFIG_INVALID: { summary: 'config.json of an Optimum-layout MusicGen is not valid, lacks a field, or disagrees with the graphs (layers, heads, vocabulary).', hint: 'See details.field; the fields are listed in docs/model-package.md section 9.' },
  OPTIMUM_STYLE_UNSUPPORTED: { summary: 'An Optimum-layout MusicGen is text-only: it cannot take its style from captured audio.', hint: 'Give a text prompt (--prompt); the captured bar then sets only tempo and length. For style capture use a musicgen-style package.' },

  // --- plugin-initiated capture (src/node/server, src/node/host; docs/protocol.md 4.7) --------------
  SERVER_NO_CAPTURE_STORE: { summary: 'A plugin asked for a capture (capture.request) but this host keeps no captures.', hint: 'Run the full host (`stylebridge serve`), which stores captures in the project library.' },
  CAPTURE_REQUEST_BUSY: { summary: 'A plugin asked for a capture while its earlier ones were still being taken (maxPluginCapturesInFlight).', hint: 'Trigger the Capture parameter less often; the host takes one bar at a time per plugin by default.' },
});

export type ErrorCode = keyof typeof ERROR_CODES;
