/**
 * Optimizer specs → tf.train optimizers. Each optimizer is one entry of `OPTIMIZERS` (its
 * defaults, its checks, its constructor), so adding one is adding an entry.
 */
import { SELF_ADAPTING } from '../config/enums';
import { UserError } from '../errors';
import type { OptimizerName, OptimizerSpec } from './spec';
import { hypergradientOptimizers } from './hypergradient';
import type { Optimizer, Tf } from './tf';
import { quote } from '../quote';

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
const NON_NEGATIVE: Range = { min: 0, max: Infinity, maxOpen: true };

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/**
 * Defaults are Keras' (and written in the schema's descriptions); those of sgd-hd and adam-hd
 * are the hypergradient rates of Baydin et al.'s experiments.
 */
export const OPTIMIZERS: Record<OptimizerName, OptimizerEntry> = {
  sgd: { create: (tf, s) => tf.train.sgd(s.learningRate) },
  momentum: {
    create: (tf, s) => tf.train.momentum(s.learningRate, s.momentum ?? 0.9, s.nesterov ?? false),
    fields: { momentum: UNIT },
  },
  adam: {
    create: (tf, s) => tf.train.adam(s.learningRate, s.beta1 ?? BETA1, s.beta2 ?? BETA2, s.epsilon ?? EPSILON),
    fields: { beta1: UNIT, beta2: UNIT, epsilon: POSITIVE },
  },
  adamax: {
    // tfjs's own `decay` (lr / (1 + decay·t)) stays 0: schedule: { name: inverseTime } does that.
    create: (tf, s) => tf.train.adamax(s.learningRate, s.beta1 ?? BETA1, s.beta2 ?? BETA2, s.epsilon ?? EPSILON, 0),
    fields: { beta1: UNIT, beta2: UNIT, epsilon: POSITIVE },
  },
  rmsprop: {
    // Keras calls the decay of the squared-gradient average `rho`; tfjs calls it `decay`.
    create: (tf, s) => tf.train.rmsprop(s.learningRate, s.rho ?? 0.9, s.momentum ?? 0, s.epsilon ?? EPSILON, s.centered ?? false),
    fields: { rho: UNIT, momentum: UNIT, epsilon: POSITIVE },
  },
  adagrad: {
    create: (tf, s) => tf.train.adagrad(s.learningRate, s.initialAccumulatorValue ?? 0.1),
    fields: { initialAccumulatorValue: POSITIVE },
  },
  adadelta: {
    create: (tf, s) => tf.train.adadelta(s.learningRate, s.rho ?? 0.95, s.epsilon ?? EPSILON),
    fields: { rho: UNIT, epsilon: POSITIVE },
  },
  'sgd-hd': {
    create: (tf, s) => hypergradientOptimizers(tf).sgdHd({ learningRate: s.learningRate, hypergradientLr: s.hypergradientLr ?? 1e-3 }),
    fields: { hypergradientLr: NON_NEGATIVE },
  },
  'adam-hd': {
    create: (tf, s) =>
      hypergradientOptimizers(tf).adamHd({
        learningRate: s.learningRate,
        hypergradientLr: s.hypergradientLr ?? 1e-7,
        beta1: s.beta1 ?? BETA1,
        beta2: s.beta2 ?? BETA2,
        epsilon: s.epsilon ?? EPSILON,
      }),
    fields: { hypergradientLr: NON_NEGATIVE, beta1: UNIT, beta2: UNIT, epsilon: POSITIVE },
  },
};

/** Whether the optimizer adapts its learning rate itself (and so takes no schedule). */
export function adaptsLearningRate(name: string): boolean {
  return SELF_ADAPTING[name as OptimizerName] !== undefined;
}

/** The optimizer's current learning rate, or NaN when it keeps none as a number. */
export function learningRateOf(optimizer: Optimizer | undefined): number {
  const lr = (optimizer as unknown as { learningRate?: unknown } | undefined)?.learningRate;
  return typeof lr === 'number' ? lr : NaN;
}

/**
 * Changes the learning rate of a tf.train optimizer for its next step. SGD and momentum (tfjs
 * 4.22) multiply by a scalar tensor made from the rate, so they need setLearningRate; adam,
 * adamax, rmsprop, adagrad, adadelta and the -hd optimizers read the `learningRate` field at
 * every step.
 */
export function setLearningRate(optimizer: Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate?: unknown; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else if (typeof o.learningRate === 'number') o.learningRate = lr;
  else throw new Error(`cannot set the learning rate of ${optimizer.getClassName()}`);
}

export function createOptimizer(tf: Tf, spec: OptimizerSpec): Optimizer {
  const entry = (OPTIMIZERS as Partial<Record<string, OptimizerEntry>>)[spec.name];
  if (!entry) {
    throw new UserError(`unknown optimizer ${quote(String(spec.name))}: use one of ${Object.keys(OPTIMIZERS).join(', ')}`, {
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
