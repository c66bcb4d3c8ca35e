// Public surface of the musicgen-style engine.
export { MusicgenStyleEngine, MUSICGEN_STYLE_ENGINE_ID, MUSICGEN_STYLE_LIMITS, STRENGTH_MEANING, streamsForStrength, styleExcerpt, type MusicgenStyleEngineOptions } from './engine.js';
export { registerMusicgenStyleEngine } from './register.js';
export { openBackend, type GenerationBackend, type BackendOptions } from './backend.js';
export { fitToBars, trackBeats, wsolaStretch, onsetEnvelope, beatAlignmentErrorMs, FIT_DEFAULTS, type FitResult, type BeatTrack, type FitOptions } from './fit.js';
