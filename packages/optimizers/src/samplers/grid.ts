/**
 * Grid search over every combination of grid values (choices, listed values, step points, every
 * integer), in a seeded random order rather than lexicographically, so that a budget smaller than
 * the grid still spreads over the whole space.
 *
 * The order is a Fisher–Yates permutation drawn lazily: each ask picks uniformly among the grid
 * points not yet asked (in any state), using the trial's own seeded generator. That is exactly
 * what one Fisher–Yates step does, needs no state to save (a resumed study continues the same
 * order) and never materialises the grid, so large grids cost only the trials actually run.
 */
import { gridIndex, gridPoint, gridSize } from '../space';
import type { Params, Sampler, SamplerContext, Space } from '../types';

/** The r-th index (0-based) of 0..size-1 that is not in `taken`, which must be sorted ascending and unique. */
export function nthFreeIndex(taken: readonly number[], r: number): number {
  let index = r;
  for (const t of taken) {
    if (t <= index) index++;
    else break;
  }
  return index;
}

export function createGridSampler(): Sampler {
  return {
    name: 'grid',
    capacity(space: Space): number {
      return gridSize(space);
    },
    suggest(ctx: SamplerContext): Params {
      const size = gridSize(ctx.space);
      const taken = new Set<number>();
      for (const trial of ctx.trials) {
        const i = gridIndex(ctx.space, trial.params);
        if (i !== undefined) taken.add(i);
      }
      const free = size - taken.size;
      if (free <= 0) throw new Error(`grid search has asked all ${size} grid points`);
      const sorted = [...taken].sort((a, b) => a - b);
      return gridPoint(ctx.space, nthFreeIndex(sorted, ctx.rng.int(0, free - 1)));
    },
  };
}
