// Device audio I/O through the native addon (PortAudio): list devices, open duplex/output/input streams on lock-free rings.
import { StylebridgeError } from '../../common/errors.js';
import type { NativeAudioDevice, NativeAudioStream, NativeAudioStreamOptions } from './addon-types.js';
import { loadNativeAddon } from './load.js';
import { fromNativeError } from './native-generator.js';

function audioAddon() {
  const addon = loadNativeAddon();
  if (!addon.info().audioIo || !addon.listAudioDevices || !addon.AudioStream) {
    throw new StylebridgeError('NATIVE_AUDIO_UNAVAILABLE', 'the native addon was built without PortAudio (install portaudio19-dev and run `npm run build:native`)');
  }
  return { list: addon.listAudioDevices.bind(addon), Stream: addon.AudioStream };
}

/** Every device PortAudio sees (JACK's when a JACK server runs; JACK_DEFAULT_SERVER picks the server). */
export function listAudioDevices(): NativeAudioDevice[] {
  const { list } = audioAddon();
  try {
    return list();
  } catch (err) {
    throw fromNativeError(err);
  }
}

/** Opens a stream (not started). Throws NATIVE_AUDIO_UNAVAILABLE, NATIVE_AUDIO_DEVICE_NOT_FOUND or NATIVE_AUDIO_OPEN_FAILED. */
export function openAudioStream(options: NativeAudioStreamOptions): NativeAudioStream {
  const { Stream } = audioAddon();
  try {
    return new Stream(options);
  } catch (err) {
    throw fromNativeError(err);
  }
}

/**
 * Keeps an output stream's ring topped up from planar audio (a take or a preview) on a timer; resolves when
 * every frame has been queued. The real-time side never waits for JS: if JS falls behind, the callback plays
 * silence and counts a ring underrun.
 */
export function queuePlanar(stream: NativeAudioStream, channels: readonly Float32Array[], outChannels: number, options: { chunkFrames?: number; intervalMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const chunk = options.chunkFrames ?? 1024;
  const total = channels[0]?.length ?? 0;
  const buf = new Float32Array(chunk * outChannels);
  let pos = 0;
  return new Promise((resolve, reject) => {
    const pump = () => {
      try {
        while (pos < total) {
          if (options.signal?.aborted) throw new StylebridgeError('CANCELLED');
          const n = Math.min(chunk, total - pos);
          for (let i = 0; i < n; i++) {
            for (let c = 0; c < outChannels; c++) buf[i * outChannels + c] = channels[Math.min(c, channels.length - 1)]![pos + i]!;
          }
          const wrote = stream.write(buf.subarray(0, n * outChannels));
          pos += wrote;
          if (wrote < n) return;
        }
        clearInterval(timer);
        stream.endOutput();
        resolve();
      } catch (err) {
        clearInterval(timer);
        reject(err);
      }
    };
    const timer = setInterval(pump, options.intervalMs ?? 5);
    pump();
  });
}

/** For `stylebridge doctor`: the devices, or why none can be listed. Never throws. */
export function audioDeviceReport(): { available: boolean; devices: NativeAudioDevice[]; note: string } {
  try {
    const devices = listAudioDevices();
    return { available: true, devices, note: devices.length ? `${devices.length} device(s) through PortAudio` : 'PortAudio sees no audio device' };
  } catch (err) {
    return { available: false, devices: [], note: (err as Error).message };
  }
}
