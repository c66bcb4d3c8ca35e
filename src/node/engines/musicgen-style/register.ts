// Puts the musicgen-style engine in the engine registry when it can run: a model was given or one is installed.
import { registerEngine } from '../index.js';
import { listModels } from '../../models/installed.js';
import { MUSICGEN_STYLE_ENGINE_ID, MusicgenStyleEngine, type MusicgenStyleEngineOptions } from './engine.js';

/**
 * Registers the engine when `options.model` is set or a musicgen-style package is installed; returns
 * whether it did. Call it once at startup (host, CLI) and again after `models add`.
 */
export async function registerMusicgenStyleEngine(options: MusicgenStyleEngineOptions = {}): Promise<boolean> {
  if (!options.model) {
    const installed = await listModels();
    if (!installed.some((m) => m.manifest?.family === 'musicgen-style')) return false;
  }
  registerEngine(MUSICGEN_STYLE_ENGINE_ID, () => new MusicgenStyleEngine(options));
  return true;
}
