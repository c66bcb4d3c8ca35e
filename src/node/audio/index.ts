// The audio module's public surface: decode, resample, fit, write (WAV/FLAC with metadata) and measure.
export { decodeAudio, decodeAudioFile, detectAudioFormat, type AudioFileFormat, type DecodedAudio, type DecodeOptions } from './decode.js';
export { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
export { resample, resampledLength, fitLength, RESAMPLE_LIMITS, type ResampleOptions, type ResampleQuality } from './resample.js';
export { encodeWav, type WavEncoding, type WavWriteOptions } from './wav-write.js';
export { encodeFlac, type FlacWriteOptions } from './flac-write.js';
export { encodeTake, acidBeats, type TakeFileFormat, type TakeFileOptions } from './take-file.js';
export { barCueMarkers, markersFromBarStarts } from './markers.js';
export { measureLoudness, kWeighting, truePeak, type LoudnessResult, type LoudnessOptions } from './loudness.js';
export type { AcidInfo, BextInfo, BextLoudness, CueMarker } from './wav-chunks.js';
export type { WavMetadata } from './wav-read.js';
export type { Dither } from './pcm.js';
