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
import type { Params, Sampler, SamplerContext, Space, Trial } from '../types';

/** The r-th index (0-based) of 0..size-1 that is not in `taken`, which must be sorted ascending and unique. */
export function nthFreeIndex(taken: readonly number[], r: number): number {
  let index = r;
  for (const t of taken) {
    if (t <= index) index++;
    else break;
  }
  return index;
}

/** Inserts `x` into the ascending array `xs` unless it is already there; returns whether it was added. */
function insertSorted(xs: number[], x: number): boolean {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  if (xs[lo] === x) return false;
  xs.splice(lo, 0, x);
  return true;
}

export function createGridSampler(): Sampler {
  // Grid indices already asked, extended incrementally: the study's trial list only grows.
  let seenTrials: readonly Trial[] | undefined;
  let seenSpace: Space | undefined;
  let seenCount = 0;
  let taken: number[] = [];

  const takenIndices = (ctx: SamplerContext): number[] => {
    if (ctx.trials !== seenTrials || ctx.space !== seenSpace || ctx.trials.length < seenCount) {
      seenTrials = ctx.trials;
      seenSpace = ctx.space;
      seenCount = 0;
      taken = [];
    }
    for (; seenCount < ctx.trials.length; seenCount++) {
      const i = gridIndex(ctx.space, (ctx.trials[seenCount] as Trial).params);
      if (i !== undefined) insertSorted(taken, i);
    }
    return taken;
  };

  return {
    name: 'grid',
    capacity(space: Space): number {
      return gridSize(space);
    },
    suggest(ctx: SamplerContext): Params {
      const size = gridSize(ctx.space);
      const sorted = takenIndices(ctx);
      const free = size - sorted.length;
      if (free <= 0) throw new Error(`grid search has asked all ${size} grid points`);
      return gridPoint(ctx.space, nthFreeIndex(sorted, ctx.rng.int(0, free - 1)));
    },
  };
}
