/**
 * Every list of names that tune.yaml chooses from, once. The TypeScript types derive from these
 * arrays (config/types.ts), the trainer's tables are `Record<Name, …>` over them (so a missing or
 * extra entry does not compile), and test/enums.test.ts checks that every `enum` of
 * schema/tune.schema.json equals its array here (or the optimizers package's, for algorithms,
 * pruners, output warpings and parameter types).
 *
 * Also here: the few facts about these names that both the loader (to refuse a config before any
 * trial) and the trainer (to train it) need — which task a loss fits, which metrics a task reports.
 */

export const TASKS = ['classification', 'regression'] as const;
export type Task = (typeof TASKS)[number];

export const SCALINGS = ['none', 'minmax', 'standard'] as const;
export type Scaling = (typeof SCALINGS)[number];

export const DIRECTIONS = ['minimize', 'maximize'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const METRIC_NAMES = ['val_accuracy', 'val_loss', 'accuracy', 'loss', 'val_mae', 'mae'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** The metrics the trainer reports for each task. */
export const METRICS: Readonly<Record<Task, readonly MetricName[]>> = {
  classification: ['val_accuracy', 'val_loss', 'accuracy', 'loss'],
  regression: ['val_loss', 'loss', 'val_mae', 'mae'],
};

/** Activations tfjs-layers 4.22 builds by name. */
export const ACTIVATIONS = [
  'relu',
  'relu6',
  'elu',
  'selu',
  'tanh',
  'sigmoid',
  'hardSigmoid',
  'softmax',
  'softplus',
  'softsign',
  'linear',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Activations whose output is never negative (what `poisson`'s log of the prediction needs). */
export const NON_NEGATIVE_ACTIVATIONS: readonly Activation[] = ['relu', 'relu6', 'sigmoid', 'hardSigmoid', 'softmax', 'softplus'];

export const LAYER_KINDS = ['dense', 'dropout', 'batchNormalization', 'activation', 'flatten', 'reshape', 'conv2d', 'maxPooling2d'] as const;
export type LayerType = (typeof LAYER_KINDS)[number];

export const PADDINGS = ['valid', 'same'] as const;
export type Padding = (typeof PADDINGS)[number];

export const LOSSES = [
  'meanSquaredError',
  'meanAbsoluteError',
  'meanAbsolutePercentageError',
  'meanSquaredLogarithmicError',
  'squaredHinge',
  'hinge',
  'categoricalHinge',
  'logcosh',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'binaryCrossentropy',
  'kullbackLeiblerDivergence',
  'poisson',
  'cosineProximity',
] as const;
export type LossName = (typeof LOSSES)[number];

/**
 * The task each loss fits. Classification models end in a softmax over the classes, so the
 * classification losses compare class probabilities with the (one-hot or index) label; regression
 * models predict one number. cosineProximity of one number is only its sign (no gradient), and the
 * hinge losses want ±1 targets: both are classification losses here.
 */
export const LOSS_TASK: Readonly<Record<LossName, Task>> = {
  meanSquaredError: 'regression',
  meanAbsoluteError: 'regression',
  meanAbsolutePercentageError: 'regression',
  meanSquaredLogarithmicError: 'regression',
  squaredHinge: 'classification',
  hinge: 'classification',
  categoricalHinge: 'classification',
  logcosh: 'regression',
  categoricalCrossentropy: 'classification',
  sparseCategoricalCrossentropy: 'classification',
  binaryCrossentropy: 'classification',
  kullbackLeiblerDivergence: 'classification',
  poisson: 'regression',
  cosineProximity: 'classification',
};

/** The loss used when training.loss is not given. */
export const DEFAULT_LOSS: Readonly<Record<Task, LossName>> = {
  classification: 'sparseCategoricalCrossentropy',
  regression: 'meanSquaredError',
};

/** Losses that take the log of the prediction, so the model's output must not be negative. */
export const LOG_OF_PREDICTION: readonly LossName[] = ['poisson'];

/** sgd-hd and adam-hd: SGD and Adam with hypergradient descent on the learning rate (Baydin et al., 2018). */
export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'adam', 'adamax', 'rmsprop', 'adagrad', 'adadelta', 'sgd-hd', 'adam-hd'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** The keys each optimizer takes under training.optimizer (rmsprop's `decay` is another name for `rho`). */
export const OPTIMIZER_OPTIONS: Readonly<Record<OptimizerName, readonly string[]>> = {
  sgd: ['name', 'learningRate'],
  momentum: ['name', 'learningRate', 'momentum', 'nesterov'],
  adam: ['name', 'learningRate', 'beta1', 'beta2', 'epsilon'],
  rmsprop: ['name', 'learningRate', 'rho', 'decay', 'momentum', 'epsilon', 'centered'],
  adagrad: ['name', 'learningRate', 'initialAccumulatorValue'],
  adamax: ['name', 'learningRate', 'beta1', 'beta2', 'epsilon'],
  adadelta: ['name', 'learningRate', 'rho', 'epsilon'],
  'sgd-hd': ['name', 'learningRate', 'hypergradientLr'],
  'adam-hd': ['name', 'learningRate', 'hypergradientLr', 'beta1', 'beta2', 'epsilon'],
};

/** Optimizers that adapt the learning rate themselves (so take no schedule), with the plain one each extends. */
export const SELF_ADAPTING: Readonly<Partial<Record<OptimizerName, OptimizerName>>> = { 'sgd-hd': 'sgd', 'adam-hd': 'adam' };

export const SCHEDULE_NAMES = ['constant', 'step', 'exponential', 'inverseTime', 'cosine', 'reduceOnPlateau'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** The keys each schedule takes under training.schedule. */
export const SCHEDULE_OPTIONS: Readonly<Record<ScheduleName, readonly string[]>> = {
  constant: ['name', 'warmup'],
  step: ['name', 'every', 'gamma', 'warmup'],
  exponential: ['name', 'gamma', 'per', 'warmup'],
  inverseTime: ['name', 'decay', 'per', 'warmup'],
  cosine: ['name', 'period', 'periodMult', 'minFactor', 'per', 'warmup'],
  reduceOnPlateau: ['name', 'metric', 'factor', 'patience', 'minDelta', 'cooldown', 'minLr', 'warmup'],
};

/** When a schedule's rate changes: once per epoch or at every batch. */
export const SCHEDULE_STEPS = ['epoch', 'batch'] as const;
export type ScheduleStep = (typeof SCHEDULE_STEPS)[number];
