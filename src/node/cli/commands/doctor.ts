// `stylebridge doctor`: what this installation can do (engines, native addon, ONNX Runtime, audio devices, plugins, paths).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configDir, bridgeFilePath, readBridgeFile } from '../../discovery.js';
import { listEngines } from '../../engines/index.js';
import { registerMusicgenStyleEngine } from '../../engines/musicgen-style/index.js';
import { audioDeviceReport, nativeAddonStatus } from '../../native/index.js';
import { inspectOnnxRuntime } from '../../onnx-providers.js';
import { uiAssetsDir } from '../../ui-assets.js';
import { VERSION } from '../../version.js';
import type { CliIo } from '../main.js';
import { emit } from '../output.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

function pluginBuilds(): Array<{ format: string; path: string; built: boolean }> {
  const bin = `${root}build/plugin/bin`;
  return ['vst3', 'clap', 'lv2'].map((format) => ({ format, path: `${bin}/stylebridge.${format}`, built: existsSync(`${bin}/stylebridge.${format}`) }));
}

export async function run(opts: { json?: boolean }, io: CliIo): Promise<number> {
  const dir = configDir();
  const bridge = readBridgeFile(dir);
  const ort = inspectOnnxRuntime();
  await registerMusicgenStyleEngine(); // listed only when a musicgen-style model is installed
  const status = nativeAddonStatus();
  const addon = { built: status.available, path: status.path, note: status.reason };
  const audio = status.available ? audioDeviceReport() : { available: false, devices: [], note: `device audio needs the native addon: ${status.reason}` };
  const report = {
    version: VERSION,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    engines: listEngines().map((e) => ({ id: e.id, name: e.name, device: e.device, textPrompt: e.textPrompt.supported, note: e.textPrompt.supported ? '' : (e.textPrompt.reason ?? '') })),
    onnxRuntime: ort,
    nativeAddon: addon,
    audioDevices: audio,
    plugins: pluginBuilds(),
    ui: uiAssetsDir() ?? null,
    paths: { configDir: dir, discoveryFile: bridgeFilePath(dir), hostRunning: bridge ? { port: bridge.port, pid: bridge.pid, version: bridge.version } : null },
  };
  emit(io, opts.json, report, () => {
    const yes = (b: boolean) => (b ? 'yes' : 'no ');
    return [
      `Stylebridge ${VERSION} (Node ${process.version}, ${report.platform})`,
      'Engines:',
      ...report.engines.map((e) => `  ${e.id.padEnd(16)} ${e.name} on ${e.device}${e.textPrompt ? '' : ' (no text prompts)'}`),
      `ONNX Runtime: ${ort.version ?? 'not installed'}`,
      ...ort.providers.map((p) => `  ${yes(p.available)} ${p.name.padEnd(5)} ${p.note}`),
      `Native addon: ${addon.note}`,
      `Audio devices: ${report.audioDevices.note}`,
      ...report.audioDevices.devices.map((d) => `  ${JSON.stringify(d)}`),
      'Plugins:',
      ...report.plugins.map((p) => `  ${yes(p.built)} ${p.format.padEnd(5)} ${p.built ? p.path : 'not built (npm run build:plugin)'}`),
      `Web UI: ${report.ui ?? 'not built (npm run build)'}`,
      `Config folder: ${dir}`,
      `Host: ${bridge ? `running on port ${bridge.port} (pid ${bridge.pid})` : 'not running (stylebridge serve)'}`,
    ].join('\n');
  });
  return 0;
}
