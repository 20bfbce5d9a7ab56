/**
 * Random search: every parameter drawn independently — numeric ones uniformly in the unit cube
 * (so `log` ranges are log-uniform and each integer gets a fair share), categorical ones and listed
 * `values` uniformly among their options.
 */
import { fromUnit, paramsKey } from '../space';
import type { Rng } from '../rng';
import type { Params, Sampler, SamplerContext, Space, Trial } from '../types';

/** How many fresh draws to try before accepting a point that was already asked (small discrete spaces). */
const DUPLICATE_RETRIES = 32;

export function drawRandomPoint(space: Space, rng: Rng): Params {
  const params: Params = {};
  for (const [name, spec] of Object.entries(space)) {
    if (spec.type === 'categorical') params[name] = rng.choice(spec.choices);
    // Listed values are a user's menu: each is tried equally often, however unevenly they are spaced.
    else if (spec.values !== undefined) params[name] = rng.choice(spec.values);
    else params[name] = fromUnit(spec, rng.next());
  }
  return params;
}

/** True when some parameter is a continuous float, so two draws practically never coincide. */
function hasContinuous(space: Space): boolean {
  return Object.values(space).some((s) => s.type === 'float' && s.step === undefined && s.values === undefined);
}

export function createRandomSampler(): Sampler {
  // Keys of the points asked so far, extended incrementally: the study's trial list only grows.
  let seenTrials: readonly Trial[] | undefined;
  let seenSpace: Space | undefined;
  let seenCount = 0;
  let asked = new Set<string>();

  const askedKeys = (ctx: SamplerContext): Set<string> => {
    if (ctx.trials !== seenTrials || ctx.space !== seenSpace || ctx.trials.length < seenCount) {
      seenTrials = ctx.trials;
      seenSpace = ctx.space;
      seenCount = 0;
      asked = new Set();
    }
    for (; seenCount < ctx.trials.length; seenCount++) asked.add(paramsKey((ctx.trials[seenCount] as Trial).params, ctx.space));
    return asked;
  };

  return {
    name: 'random',
    suggest(ctx: SamplerContext): Params {
      let params = drawRandomPoint(ctx.space, ctx.rng);
      if (hasContinuous(ctx.space)) return params;
      // On a discrete space a repeated point wastes a trial: re-draw a few times, which spreads
      // trials until every point has been tried (and then accepts repeats).
      const asked = askedKeys(ctx);
      for (let i = 0; i < DUPLICATE_RETRIES && asked.has(paramsKey(params, ctx.space)); i++) {
        params = drawRandomPoint(ctx.space, ctx.rng);
      }
      return params;
    },
  };
}
