// Where the built web UI lives (dist/ui, made by scripts/build-ui.mjs), so the server can serve it at /.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file every UI folder must hold. */
export const UI_INDEX = 'index.html';

/**
 * Candidate folders in order: $STYLEBRIDGE_UI_DIR, then dist/ui seen from this module whether it runs from
 * src/node (tsx) or dist/node (built), then an app's resources folder (Electron packs dist/ui there).
 */
export function uiAssetCandidates(env: NodeJS.ProcessEnv = process.env, moduleDir = dirname(fileURLToPath(import.meta.url))): string[] {
  const out: string[] = [];
  if (env.STYLEBRIDGE_UI_DIR) out.push(resolve(env.STYLEBRIDGE_UI_DIR));
  out.push(resolve(moduleDir, '..', 'ui')); // dist/node -> dist/ui
  out.push(resolve(moduleDir, '..', '..', 'dist', 'ui')); // src/node -> dist/ui
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) out.push(join(resources, 'ui'));
  return [...new Set(out)];
}

/** The folder of built UI files, or undefined when the UI was not built (run `npm run build:ui`). */
export function uiAssetsDir(env: NodeJS.ProcessEnv = process.env, moduleDir?: string): string | undefined {
  return uiAssetCandidates(env, moduleDir).find((d) => existsSync(join(d, UI_INDEX)));
}
