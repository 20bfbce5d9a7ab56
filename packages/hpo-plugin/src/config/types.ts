/**
 * The shapes of a loaded tune.yaml. `model` and `training` stay templates until a trial's
 * parameters are known (`resolveTrial`); everything else is final after `loadTuneConfig`.
 */
import type { AlgorithmName, Params, Space } from '@nx-hpo/optimizers';

export type { AlgorithmName, Params, Space };

export type Task = 'classification' | 'regression';
export type Scaling = 'none' | 'minmax' | 'standard';
export type Direction = 'minimize' | 'maximize';
export type MetricName = 'val_accuracy' | 'val_loss' | 'accuracy' | 'loss' | 'val_mae' | 'mae';

export interface DataConfig {
  /** Absolute path of the CSV (.csv or .csv.gz). */
  path: string;
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

/** Activations tfjs-layers 4.22 can build by name (the schema's `definitions/activation`). */
export type Activation =
  | 'relu'
  | 'relu6'
  | 'elu'
  | 'selu'
  | 'tanh'
  | 'sigmoid'
  | 'hardSigmoid'
  | 'softmax'
  | 'softplus'
  | 'softsign'
  | 'linear'
  | 'swish'
  | 'mish'
  | 'gelu'
  | 'gelu_new';

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
  padding?: 'valid' | 'same';
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

export type LayerType = 'dense' | 'dropout' | 'batchNormalization' | 'activation' | 'flatten' | 'reshape' | 'conv2d' | 'maxPooling2d';

export interface LayersModelSpec {
  layers: LayerSpec[];
}

/** A model built by user code: `module` is absolute; `options` has its placeholders substituted. */
export interface ModuleModelSpec {
  module: string;
  options?: Record<string, unknown>;
}

export type ModelSpec = LayersModelSpec | ModuleModelSpec;

export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'rmsprop' | 'adagrad';

export interface OptimizerSpec {
  name: OptimizerName;
  learningRate: number;
  /** momentum, rmsprop */
  momentum?: number;
  /** momentum (useNesterov) */
  nesterov?: boolean;
  /** adam */
  beta1?: number;
  beta2?: number;
  /** adam, rmsprop */
  epsilon?: number;
  /** rmsprop's decay (YAML accepts `decay` as another name; it arrives here as `rho`). */
  rho?: number;
  /** adagrad */
  initialAccumulatorValue?: number;
}

export type LossName =
  | 'meanSquaredError'
  | 'meanAbsoluteError'
  | 'meanAbsolutePercentageError'
  | 'meanSquaredLogarithmicError'
  | 'squaredHinge'
  | 'hinge'
  | 'categoricalHinge'
  | 'logcosh'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy'
  | 'binaryCrossentropy'
  | 'kullbackLeiblerDivergence'
  | 'poisson'
  | 'cosineProximity';

export interface TrainingSpec {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  /** Unset: the trainer picks one from the task. */
  loss?: LossName;
  /** Unset: the caller derives one (e.g. from search.seed). */
  seed?: number;
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
