/**
 * The shapes of a loaded tune.yaml. `model` and `training` stay templates until a trial's
 * parameters are known (`resolveTrial`); everything else is final after `loadTuneConfig`.
 */
import type { PrunerSpec, AlgorithmName, Params, Space } from '@nx-hpo/optimizers';
import type {
  Activation,
  Direction,
  LayerType,
  LossName,
  MetricName,
  OptimizerName,
  Padding,
  Scaling,
  ScheduleName,
  ScheduleStep,
  Task,
} from './enums';

export type { AlgorithmName, Params, Space };
export type { Activation, Direction, LayerType, LossName, MetricName, OptimizerName, Padding, Scaling, ScheduleName, ScheduleStep, Task };

export interface DataConfig {
  /**
   * Absolute path of the data file: CSV (.csv, .csv.gz), JSON Lines (.jsonl, .ndjson, optionally
   * .gz) or Parquet (.parquet). Absent exactly when `module` is given.
   */
  path?: string;
  /** Absolute path of a data module whose `load(ctx)` returns the features and labels. */
  module?: string;
  /** Absolute paths of the files (or folders) a data module reads: they are part of the trial key. */
  files?: string[];
  /** Passed to a data module's `load` as `ctx.options`. */
  options?: Record<string, unknown>;
  header: boolean;
  /** Column index (negative counts from the end) or column name. */
  label: number | string;
  task: Task;
  /** `split` is a fraction of the rows left after the test split (of all rows without one). */
  validation: { split: number; stratify: boolean; seed: number };
  /**
   * The held-out test split, drawn first so that neither training nor validation (nor the tune
   * objective) ever sees its rows. Absent: no test split. `split` is a fraction of all rows.
   */
  test?: { split: number; stratify: boolean; seed: number };
  scale: Scaling;
  delimiter?: string;
}

export type Scalar = number | string | boolean | null;

/** One integer, or [height, width]. */
export type IntOrPair = number | [number, number];

export interface DenseLayer {
  units: number;
  activation?: Activation;
  useBias?: boolean;
  kernelRegularizer?: { l1?: number; l2?: number };
}
export interface DropoutLayer {
  rate: number;
}
export interface ActivationLayer {
  activation: Activation;
}
export interface ReshapeLayer {
  targetShape: number[];
}
export interface Conv2dLayer {
  filters: number;
  kernelSize: IntOrPair;
  strides?: IntOrPair;
  padding?: Padding;
  activation?: Activation;
}
export interface MaxPooling2dLayer {
  poolSize: IntOrPair;
  strides?: IntOrPair;
}
/** Layers without options (`batchNormalization: {}` or just `batchNormalization:` in YAML). */
export type EmptyLayer = Record<string, never>;

/** One layer: an object with exactly one key, the layer type. */
export type LayerSpec =
  | { dense: DenseLayer }
  | { dropout: DropoutLayer }
  | { batchNormalization: EmptyLayer }
  | { activation: ActivationLayer }
  | { flatten: EmptyLayer }
  | { reshape: ReshapeLayer }
  | { conv2d: Conv2dLayer }
  | { maxPooling2d: MaxPooling2dLayer };

export interface LayersModelSpec {
  layers: LayerSpec[];
}

/** A model built by user code: `module` is absolute; `options` has its placeholders substituted. */
export interface ModuleModelSpec {
  module: string;
  options?: Record<string, unknown>;
}

export type ModelSpec = LayersModelSpec | ModuleModelSpec;

/** Unset fields take the defaults the schema describes (applied by the training layer). */
export interface OptimizerSpec {
  name: OptimizerName;
  /** The (initial, for schedules and the -hd optimizers) learning rate. */
  learningRate: number;
  /** momentum (default 0.9), rmsprop (default 0) */
  momentum?: number;
  /** momentum (useNesterov, default false) */
  nesterov?: boolean;
  /** adam, adamax, adam-hd (defaults 0.9 and 0.999) */
  beta1?: number;
  beta2?: number;
  /** adam, adamax, adam-hd, rmsprop, adadelta (default 1e-7) */
  epsilon?: number;
  /** rmsprop's decay (default 0.9; YAML accepts `decay` as another name, it arrives here as `rho`); adadelta's (default 0.95). */
  rho?: number;
  /** rmsprop: normalise by the centred second moment (default false) */
  centered?: boolean;
  /** adagrad (default 0.1) */
  initialAccumulatorValue?: number;
  /** sgd-hd (default 0.001), adam-hd (default 1e-7): the hypergradient learning rate β. */
  hypergradientLr?: number;
}

/** Linear warm-up in front of a schedule: the rate climbs to learningRate over `epochs` epochs, batch by batch. */
export interface WarmupSpec {
  /** Whole epochs, fewer than training.epochs. */
  epochs: number;
  /** The first batch trains at learningRate × (startFactor + (1 − startFactor) / warm-up batches); default 0. */
  startFactor?: number;
}

/**
 * A learning-rate schedule (`training.schedule`). Times are in epochs counted from the end of the
 * warm-up. Which fields apply depends on `name` (the schema lists them per schedule).
 */
export interface ScheduleSpec {
  name: ScheduleName;
  warmup?: WarmupSpec;
  /** step: epochs between decays (required). */
  every?: number;
  /** step (default 0.1): factor per `every` epochs; exponential (required): factor per epoch. */
  gamma?: number;
  /** inverseTime (required): lr = learningRate / (1 + decay × t). */
  decay?: number;
  /** cosine: epochs of the first cycle (default: the rest of training, no restarts). */
  period?: number;
  /** cosine: each cycle is this many times longer than the one before (default 1). */
  periodMult?: number;
  /** cosine: the rate at the end of a cycle, as a fraction of learningRate (default 0). */
  minFactor?: number;
  /** exponential, inverseTime (default epoch), cosine (default batch): when the rate changes. */
  per?: ScheduleStep;
  /** reduceOnPlateau: the metric watched (default val_loss). */
  metric?: MetricName;
  /** reduceOnPlateau: factor applied on a plateau (default 0.1). */
  factor?: number;
  /** reduceOnPlateau: epochs without improvement before reducing (default 10). */
  patience?: number;
  /** reduceOnPlateau: the least change that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** reduceOnPlateau: epochs to wait after a reduction before watching again (default 0). */
  cooldown?: number;
  /** reduceOnPlateau: the rate is never reduced below this (default 0). */
  minLr?: number;
}

/** Early stopping inside a trial (`training.earlyStopping`); unset fields take the defaults shown. */
export interface EarlyStoppingSpec {
  /** Default val_loss. */
  metric?: MetricName;
  /** Default: maximize when the metric name contains 'acc', minimize otherwise. */
  direction?: Direction;
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Give back the best epoch's weights at the end (default true). */
  restoreBest?: boolean;
}

export interface TrainingSpec {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  /** Unset: the trainer picks one from the task. */
  loss?: LossName;
  /** Unset: the caller derives one (e.g. from search.seed). */
  seed?: number;
  /** Unset: the optimizer's learning rate throughout (or as the -hd optimizers adapt it). */
  schedule?: ScheduleSpec;
  /** Unset: every epoch is trained. */
  earlyStopping?: EarlyStoppingSpec;
}

/**
 * `T` where any scalar may still be a `${name}` string (or text with `${name}` inside).
 * Arrays and objects keep their shape; only leaves widen.
 */
export type Templated<T> = T extends string | number | boolean
  ? T | string
  : T extends Array<infer U>
    ? Array<Templated<U>>
    : T extends object
      ? { [K in keyof T]: Templated<T[K]> }
      : T;

export type ModelTemplate = Templated<LayersModelSpec> | { module: string; options?: Record<string, unknown> };
export type TrainingTemplate = Templated<TrainingSpec>;

export interface SearchConfig {
  algorithm: AlgorithmName;
  trials: number;
  parallelism?: number;
  seed: number;
  /** Train again trials whose stored result is a failure (unset: the runner's default). */
  retryFailed?: boolean;
  /** Stops unpromising trials early (search.pruner); absent (or `none`): every trial trains in full. */
  pruner?: PrunerSpec;
  /** The sub-object named after the algorithm (search.qlearning / search.bayesian / search.tpe), or {}. */
  options: Record<string, unknown>;
}

export interface ObjectiveConfig {
  metric: MetricName;
  direction: Direction;
}

/** Where a config path is in the file, for error messages. */
export interface ConfigLocation {
  /** The YAML file as the user would name it (relative to cwd when under it). */
  file: string;
  line?: number;
  col?: number;
  /** Dotted path, e.g. `model.layers[0].dense.units`. */
  path: string;
}

export interface TuneConfig {
  /** Absolute path of the YAML. */
  file: string;
  /** Its directory. */
  dir: string;
  data: DataConfig;
  model: ModelTemplate;
  training: TrainingTemplate;
  space: Space;
  objective: ObjectiveConfig;
  search: SearchConfig;
  /** Output directory relative to the workspace root. */
  output?: string;
  /** Trial store directory relative to the workspace root. */
  store?: string;
  /** Source position of a config path (for errors found later, e.g. a missing label column). */
  locate(path: Array<string | number>): ConfigLocation;
  /** Space parameters referenced from model/training, in space order. */
  refs: string[];
}

export interface TuneOverrides {
  algorithm?: string;
  trials?: number;
  parallelism?: number;
  seed?: number;
}
