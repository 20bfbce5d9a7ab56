/**
 * The registry of search algorithms by the name a user writes in `search.algorithm`.
 * Each entry turns the user's `options` mapping into a Sampler; the factory validates its options.
 */
import { createAutoSampler } from './samplers/auto';
import { createGpSampler } from './samplers/gp';
import { createGridSampler } from './samplers/grid';
import { createQLearningSampler } from './samplers/qlearning';
import { createRandomSampler } from './samplers/random';
import { createTpeSampler } from './samplers/tpe';
import { AlgorithmError } from './errors';
import type { Sampler, SamplerOptions } from './types';

export { AlgorithmError } from './errors';

export type AlgorithmName = 'random' | 'grid' | 'bayesian' | 'tpe' | 'qlearning' | 'auto';

export const ALGORITHMS: readonly AlgorithmName[] = ['random', 'grid', 'bayesian', 'tpe', 'qlearning', 'auto'];

export type { SamplerOptions } from './types';

export function isAlgorithmName(name: unknown): name is AlgorithmName {
  return typeof name === 'string' && (ALGORITHMS as readonly string[]).includes(name);
}

/** For algorithms without options: any key given is a mistake worth reporting. */
function noOptions(name: string, options: SamplerOptions): void {
  const keys = Object.keys(options);
  if (keys.length > 0) {
    throw new AlgorithmError(`algorithm '${name}' takes no options (got '${keys[0]}')`, ['options', keys[0] as string]);
  }
}

type SamplerFactory = (options: SamplerOptions) => Sampler;

const FACTORIES: { [K in AlgorithmName]?: SamplerFactory } = {
  random: (options) => (noOptions('random', options), createRandomSampler()),
  grid: (options) => (noOptions('grid', options), createGridSampler()),
  // The model-based samplers register here, one line each:
  //   bayesian:  createGpSampler(options)        from './samplers/gp'
  //   tpe:       createTpeSampler(options)       from './samplers/tpe'
  //   qlearning: createQLearningSampler(options) from './samplers/qlearning'
  qlearning: (options) => createQLearningSampler(options),
  tpe: (options) => createTpeSampler(options),
  bayesian: (options) => createGpSampler(options),
  auto: (options) => createAutoSampler(options),
};

/** Builds the sampler for `name`; throws AlgorithmError (path ['algorithm']) for an unknown name. */
export function createSampler(name: string, options: SamplerOptions = {}): Sampler {
  if (!isAlgorithmName(name)) {
    throw new AlgorithmError(`unknown algorithm ${JSON.stringify(name)}; use one of ${ALGORITHMS.join(' | ')}`, ['algorithm']);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new AlgorithmError(`'options' must be a mapping (got ${JSON.stringify(options)})`, ['options']);
  }
  const factory = FACTORIES[name];
  if (factory === undefined) {
    throw new AlgorithmError(`algorithm '${name}' is not available in this build`, ['algorithm']);
  }
  return factory(options);
}
