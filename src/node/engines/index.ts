// The engine registry: every engine the host can render with, by id; the built-in concat engine is the default.
import type { Engine, EngineCapabilities } from '../../common/engine.js';
import { StylebridgeError } from '../../common/errors.js';
import { CONCAT_ENGINE_ID, ConcatEngine } from './concat/engine.js';

export { ConcatEngine, CONCAT_ENGINE_ID, takeSeed } from './concat/engine.js';
export { CONCAT_LIMITS } from './concat/validate.js';
export { STRENGTH_PROFILES, STRENGTH_MEANING } from './concat/strength.js';

/** The engine used when none is named (render, host). */
export const DEFAULT_ENGINE_ID = CONCAT_ENGINE_ID;

type EngineFactory = () => Engine;

const factories = new Map<string, EngineFactory>([[CONCAT_ENGINE_ID, () => new ConcatEngine()]]);
const instances = new Map<string, Engine>();

/** Adds an engine (e.g. the neural engine once its model is found). Re-registering an id replaces it. */
export function registerEngine(id: string, factory: EngineFactory): void {
  factories.set(id, factory);
  instances.delete(id);
}

/** The engine with this id (created once, then shared); the default engine when id is omitted. */
export function getEngine(id: string = DEFAULT_ENGINE_ID): Engine {
  const hit = instances.get(id);
  if (hit) return hit;
  const make = factories.get(id);
  if (!make) {
    throw new StylebridgeError('ENGINE_UNKNOWN', `No engine "${id}"; known engines: ${[...factories.keys()].join(', ')}.`, { id, known: [...factories.keys()] });
  }
  const engine = make();
  instances.set(id, engine);
  return engine;
}

/** Capabilities of every registered engine, the default first. */
export function listEngines(): EngineCapabilities[] {
  const ids = [...factories.keys()].sort((a, b) => (a === DEFAULT_ENGINE_ID ? -1 : b === DEFAULT_ENGINE_ID ? 1 : a.localeCompare(b)));
  return ids.map((id) => getEngine(id).capabilities());
}
