// Range checks of a render request's counts (bars, variations, strength, seed) shared by every engine.
import type { RenderRequest } from '../../common/engine.js';
import { StylebridgeError } from '../../common/errors.js';

export const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

export interface CountLimits {
  readonly maxSourceBars: number;
  readonly maxBars: number;
  readonly maxVariations: number;
  readonly maxSeed: number;
}

/** Throws ENGINE_BAD_BARS / ENGINE_BAD_VARIATIONS / ENGINE_BAD_STRENGTH / ENGINE_BAD_SEED for a count out of range. */
export function checkRequestCounts(req: RenderRequest, lim: CountLimits): void {
  if (!isInt(req.sourceBars) || req.sourceBars < 1 || req.sourceBars > lim.maxSourceBars) {
    throw new StylebridgeError('ENGINE_BAD_BARS', `sourceBars ${String(req.sourceBars)} is not a whole number in 1..${lim.maxSourceBars}.`, { field: 'sourceBars', value: req.sourceBars, max: lim.maxSourceBars });
  }
  if (!isInt(req.bars) || req.bars < 1 || req.bars > lim.maxBars) {
    throw new StylebridgeError('ENGINE_BAD_BARS', `bars ${String(req.bars)} is not a whole number in 1..${lim.maxBars}.`, { field: 'bars', value: req.bars, max: lim.maxBars });
  }
  if (!isInt(req.variations) || req.variations < 1 || req.variations > lim.maxVariations) {
    throw new StylebridgeError('ENGINE_BAD_VARIATIONS', `variations ${String(req.variations)} is not a whole number in 1..${lim.maxVariations}.`, { value: req.variations, max: lim.maxVariations });
  }
  if (!isInt(req.strength) || req.strength < 1 || req.strength > 6) {
    throw new StylebridgeError('ENGINE_BAD_STRENGTH', `strength ${String(req.strength)} is not a whole number in 1..6.`, { value: req.strength });
  }
  if (!isInt(req.seed) || req.seed < 0 || req.seed > lim.maxSeed) {
    throw new StylebridgeError('ENGINE_BAD_SEED', `seed ${String(req.seed)} is not a whole number in 0..${lim.maxSeed}.`, { value: req.seed });
  }
}
