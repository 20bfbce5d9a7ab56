/**
 * Optimizer specs → tf.train optimizers. Each optimizer is one entry of `OPTIMIZERS` (its
 * defaults, its checks, its constructor), so adding one is adding an entry.
 */
import { UserError } from '../errors';
import type { OptimizerName, OptimizerSpec } from './spec';
import type { Optimizer, Tf } from './tf';

export interface OptimizerEntry {
  /** Builds the optimizer; the spec has been checked already. */
  create(tf: Tf, spec: OptimizerSpec): Optimizer;
  /** The spec's fields this optimizer reads besides learningRate, with their valid ranges. */
  fields?: Partial<Record<keyof OptimizerSpec, Range>>;
}

interface Range {
  min: number;
  max: number;
  /** Whether min / max themselves are allowed. */
  minOpen?: boolean;
  maxOpen?: boolean;
}

const UNIT: Range = { min: 0, max: 1, maxOpen: true };
const POSITIVE: Range = { min: 0, max: Infinity, minOpen: true, maxOpen: true };

export const OPTIMIZERS: Record<OptimizerName, OptimizerEntry> = {
  sgd: { create: (tf, s) => tf.train.sgd(s.learningRate) },
  momentum: {
    create: (tf, s) => tf.train.momentum(s.learningRate, s.momentum ?? 0.9, s.nesterov ?? false),
    fields: { momentum: UNIT },
  },
  adam: {
    create: (tf, s) => tf.train.adam(s.learningRate, s.beta1 ?? 0.9, s.beta2 ?? 0.999, s.epsilon ?? 1e-7),
    fields: { beta1: UNIT, beta2: UNIT, epsilon: POSITIVE },
  },
  rmsprop: {
    // Keras calls the decay of the squared-gradient average `rho`; tfjs calls it `decay`.
    create: (tf, s) => tf.train.rmsprop(s.learningRate, s.rho ?? 0.9, s.momentum ?? 0, s.epsilon ?? 1e-7),
    fields: { rho: UNIT, momentum: UNIT, epsilon: POSITIVE },
  },
  adagrad: {
    create: (tf, s) => tf.train.adagrad(s.learningRate, s.initialAccumulatorValue ?? 0.1),
    fields: { initialAccumulatorValue: POSITIVE },
  },
};

export function createOptimizer(tf: Tf, spec: OptimizerSpec): Optimizer {
  const entry = (OPTIMIZERS as Partial<Record<string, OptimizerEntry>>)[spec.name];
  if (!entry) {
    throw new UserError(`unknown optimizer ${JSON.stringify(spec.name)}: use one of ${Object.keys(OPTIMIZERS).join(', ')}`, {
      path: 'training.optimizer.name',
    });
  }
  checkRange(spec, 'learningRate', POSITIVE);
  for (const [field, range] of Object.entries(entry.fields ?? {}) as Array<[keyof OptimizerSpec, Range]>) {
    if (spec[field] !== undefined) checkRange(spec, field, range);
  }
  return entry.create(tf, spec);
}

function checkRange(spec: OptimizerSpec, field: keyof OptimizerSpec, r: Range): void {
  const v = spec[field];
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (r.minOpen ? v > r.min : v >= r.min) &&
    (r.maxOpen ? v < r.max : v <= r.max);
  if (!ok) {
    const lo = `${r.minOpen ? '(' : '['}${r.min}`;
    const hi = `${r.max === Infinity ? '∞' : r.max}${r.maxOpen ? ')' : ']'}`;
    throw new UserError(`${field} must be a number in ${lo}, ${hi}, got ${JSON.stringify(v)}`, { path: `training.optimizer.${field}` });
  }
}
