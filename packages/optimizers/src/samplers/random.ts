/**
 * Random search: every parameter drawn independently — numeric ones uniformly in the unit cube
 * (so `log` ranges are log-uniform and each integer gets a fair share), categorical ones and listed
 * `values` uniformly among their options.
 */
import { fromUnit } from '../space';
import { paramsKey } from '../space';
import type { Rng } from '../rng';
import type { Params, Sampler, SamplerContext, Space } from '../types';

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

export function createRandomSampler(): Sampler {
  return {
    name: 'random',
    suggest(ctx: SamplerContext): Params {
      // Re-drawing a point that was already asked wastes a trial; on continuous spaces this never
      // triggers, on small discrete ones it spreads trials until every point has been tried.
      const asked = new Set(ctx.trials.map((t) => paramsKey(t.params, ctx.space)));
      let params = drawRandomPoint(ctx.space, ctx.rng);
      for (let i = 0; i < DUPLICATE_RETRIES && asked.has(paramsKey(params, ctx.space)); i++) {
        params = drawRandomPoint(ctx.space, ctx.rng);
      }
      return params;
    },
  };
}
