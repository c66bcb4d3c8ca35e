// Where plugin bundles go on each OS, and copying the built bundles there (`stylebridge plugin install`).
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StylebridgeError } from '../common/errors.js';

export type PluginFormat = 'vst3' | 'clap' | 'lv2';
export const PLUGIN_FORMATS: readonly PluginFormat[] = ['vst3', 'clap', 'lv2'];

/** The folder `npm run build:plugin` writes the bundles to. */
export function pluginBuildDir(): string {
  return fileURLToPath(new URL('../../build/plugin/bin/', import.meta.url));
}

/** The per-user plugin folder of each format (the hosts' documented user locations). */
export function userPluginDirs(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home: string = env.HOME || homedir()): Record<PluginFormat, string> {
  if (platform === 'darwin') {
    const base = join(home, 'Library', 'Audio', 'Plug-Ins');
    return { vst3: join(base, 'VST3'), clap: join(base, 'CLAP'), lv2: join(home, 'Library', 'Audio', 'Plug-Ins', 'LV2') };
  }
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || join(home, 'AppData', 'Local');
    const roaming = env.APPDATA || join(home, 'AppData', 'Roaming');
    return { vst3: join(local, 'Programs', 'Common', 'VST3'), clap: join(local, 'Programs', 'Common', 'CLAP'), lv2: join(roaming, 'LV2') };
  }
  return { vst3: join(home, '.vst3'), clap: join(home, '.clap'), lv2: join(home, '.lv2') };
}

export interface InstalledPlugin {
  readonly format: PluginFormat;
  readonly from: string;
  readonly to: string;
}

/** Copies each built bundle into its user folder (replacing an older copy). PLUGIN_NOT_BUILT when none is built. */
export function installPlugins(opts: { formats?: readonly PluginFormat[]; dirs?: Record<PluginFormat, string>; dryRun?: boolean } = {}): InstalledPlugin[] {
  const build = pluginBuildDir();
  const dirs = opts.dirs ?? userPluginDirs();
  const formats = opts.formats ?? PLUGIN_FORMATS;
  const out: InstalledPlugin[] = [];
  for (const format of formats) {
    const from = join(build, `stylebridge.${format}`);
    if (!existsSync(from)) continue;
    const to = join(dirs[format], `stylebridge.${format}`);
    if (!opts.dryRun) {
      mkdirSync(dirs[format], { recursive: true });
      if (existsSync(to)) rmSync(to, { recursive: true, force: true });
      cpSync(from, to, { recursive: statSync(from).isDirectory() });
    }
    out.push({ format, from, to });
  }
  if (out.length === 0) {
    throw new StylebridgeError('PLUGIN_NOT_BUILT', `No plugin bundle is built in ${build}.`, { buildDir: build, formats: [...formats] });
  }
  return out;
}
