// Public surface of the native addon facade: loading, status for doctor, the native generator.
export { loadNativeAddon, probeNativeAddon, tryLoadNativeAddon, nativeAddonStatus, NATIVE_ADDON_PATH, type NativeAddonStatus } from './load.js';
export { NativeGenerator, MAX_BATCH_VARIATIONS, fromNativeError, type NativeGeneratorOptions, type NativeGenerateRequest, type NativeGenerateOutcome, type NativeTake } from './native-generator.js';
export { OptimumGenerator, isOptimumFolder, readOptimumModel, OPTIMUM_FILES, OPTIMUM_LIMITS, type OptimumModelInfo, type OptimumGenerateRequest, type OptimumGenerateOutcome } from './optimum-generator.js';
export { listAudioDevices, openAudioStream, queuePlanar, audioDeviceReport } from './audio-io.js';
export type * from './addon-types.js';
