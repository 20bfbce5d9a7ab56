/**
 * The registry of pruners by the name a user writes in `search.pruner`: either the bare name
 * (`pruner: asha`, every option at its default) or a mapping with `name` and the pruner's options
 * (`pruner: { name: asha, minEpochs: 1, reductionFactor: 3 }`). Each factory checks its options;
 * problems throw an AlgorithmError whose path starts with 'pruner'.
 */
import { AlgorithmError } from '../errors';
import { createAshaPruner, type AshaPrunerOptions } from './asha';
import { createHyperbandPruner, type HyperbandPrunerOptions } from './hyperband';
import { createMedianPruner, type MedianPrunerOptions } from './median';
import type { Pruner, PrunerConfig, PrunerDefaults, PrunerName } from './pruner';

export const PRUNERS: readonly PrunerName[] = ['median', 'asha', 'hyperband'];

/** A pruner as a config names it. */
export type PrunerSpec =
  | PrunerName
  | ({ name: 'median' } & MedianPrunerOptions)
  | ({ name: 'asha' } & AshaPrunerOptions)
  | ({ name: 'hyperband' } & HyperbandPrunerOptions);

export function isPrunerName(name: unknown): name is PrunerName {
  return typeof name === 'string' && (PRUNERS as readonly string[]).includes(name);
}

type PrunerFactory = (options: Record<string, unknown>, defaults: PrunerDefaults) => Pruner;

const FACTORIES: Record<PrunerName, PrunerFactory> = {
  median: (options) => createMedianPruner(options),
  asha: (options, defaults) => createAshaPruner(options, defaults),
  hyperband: (options, defaults) => createHyperbandPruner(options, defaults),
};

/**
 * Builds the pruner a spec names. `defaults.maxEpochs` (the study's) stands in for a missing
 * `maxEpochs` option. The result's `config` is the spec with every default filled in.
 */
export function createPruner(spec: PrunerSpec | PrunerConfig | Record<string, unknown>, defaults: PrunerDefaults = {}): Pruner {
  if (typeof spec === 'string') {
    if (!isPrunerName(spec)) throw unknownName(spec, ['pruner']);
    return FACTORIES[spec]({}, defaults);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new AlgorithmError(`'pruner' must be a pruner name or a mapping with 'name' (got ${JSON.stringify(spec)})`, ['pruner']);
  }
  const raw = spec as Record<string, unknown>;
  if (raw.name === undefined) {
    throw new AlgorithmError(`'pruner' needs a 'name': one of ${PRUNERS.join(' | ')}`, ['pruner', 'name']);
  }
  if (!isPrunerName(raw.name)) throw unknownName(raw.name, ['pruner', 'name']);
  return FACTORIES[raw.name](raw, defaults);
}

function unknownName(name: unknown, path: string[]): AlgorithmError {
  return new AlgorithmError(`unknown pruner ${JSON.stringify(name)}; use one of ${PRUNERS.join(' | ')}`, path);
}
