/**
 * The resolved (placeholder-free) config shapes that data loading and training consume.
 * These mirror what `src/config/types.ts` exports; they live here so data/ and training/ do not
 * depend on the YAML layer.
 */

export type Task = 'classification' | 'regression';
export type ScaleKind = 'none' | 'minmax' | 'standard';

export interface DataConfig {
  /** Absolute path of a `.csv` or `.csv.gz` file. */
  path: string;
  header: boolean;
  /** Column index (negative counts from the end) or column name (needs `header: true`). */
  label: number | string;
  task: Task;
  validation: { split: number; stratify: boolean; seed: number };
  scale: ScaleKind;
  delimiter?: string;
}

export interface DenseSpec {
  units: number;
  activation?: string;
  useBias?: boolean;
  kernelRegularizer?: { l1?: number; l2?: number };
}
export interface Conv2dSpec {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: 'valid' | 'same';
  activation?: string;
}
export interface MaxPooling2dSpec {
  poolSize: number | number[];
  strides?: number | number[];
}

export type LayerSpec =
  | { dense: DenseSpec }
  | { dropout: { rate: number } }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  | { batchNormalization: {} }
  | { activation: { activation: string } }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  | { flatten: {} }
  | { reshape: { targetShape: number[] } }
  | { conv2d: Conv2dSpec }
  | { maxPooling2d: MaxPooling2dSpec };

export type ModelSpec =
  | { layers: LayerSpec[] }
  /** A JS/TS module exporting `build(params, { inputShape, numClasses, task, seed, tf })`. */
  | { module: string; options?: Record<string, unknown> };

export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'rmsprop' | 'adagrad';

export interface OptimizerSpec {
  name: OptimizerName;
  learningRate: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  rho?: number;
  decay?: number;
}

export interface TrainingSpec {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  loss?: string;
  seed?: number;
}
