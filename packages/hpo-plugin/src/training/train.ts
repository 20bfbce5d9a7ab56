/**
 * Trains one model on a prepared dataset, reproducibly: the same seed, config and backend give
 * the same losses. tfjs's own `shuffle: true` draws from an unseeded generator, so the training
 * rows are shuffled here each epoch with `Rng.derive(seed, epoch)` and fitted in that order, and
 * dropout layers get a fresh seed per batch derived from (seed, epoch, batch).
 */
import { Rng, mixSeed, type Params } from '@nx-hpo/optimizers';
import type { Dataset } from '../data/dataset';
import { UserError } from '../errors';
import { buildModel } from './model';
import { createOptimizer } from './optimizer';
import type { ModelSpec, Task, TrainingSpec } from './spec';
import type { LayersModel, Tensor, Tf } from './tf';

export interface EpochLog {
  /** 1-based. */
  epoch: number;
  loss: number;
  /** NaN when the dataset has no validation rows (training on everything). */
  val_loss: number;
  /** Classification. */
  accuracy?: number;
  val_accuracy?: number;
  /** Regression. */
  mae?: number;
  val_mae?: number;
  /** Learning rate the epoch trained with. */
  lr: number;
  durationMs: number;
}

export interface TrainOptions {
  tf: Tf;
  modelSpec: ModelSpec;
  training: TrainingSpec;
  dataset: Dataset;
  seed: number;
  params: Params;
  /** Called after every epoch; returning 'stop' ends training there (e.g. pruning). */
  onEpoch?: (log: EpochLog) => void | 'stop';
  /** Aborting stops at the next batch and rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface TrainResult {
  history: EpochLog[];
  /** The metrics of the last epoch trained (loss, val_loss, accuracy, …). */
  final: Record<string, number>;
  /** The trained model; `model.dispose()` frees it and its optimizer. The caller owns it. */
  model: LayersModel;
}

type LabelEncoding = 'index' | 'onehot' | 'value';

interface LossInfo {
  name: string;
  task: Task;
  labels: LabelEncoding;
}

/** The tfjs losses that fit each task and how they want the labels. */
const LOSSES: LossInfo[] = [
  { name: 'sparseCategoricalCrossentropy', task: 'classification', labels: 'index' },
  { name: 'categoricalCrossentropy', task: 'classification', labels: 'onehot' },
  { name: 'categoricalHinge', task: 'classification', labels: 'onehot' },
  { name: 'kullbackLeiblerDivergence', task: 'classification', labels: 'onehot' },
  { name: 'meanSquaredError', task: 'regression', labels: 'value' },
  { name: 'meanAbsoluteError', task: 'regression', labels: 'value' },
  { name: 'meanAbsolutePercentageError', task: 'regression', labels: 'value' },
  { name: 'meanSquaredLogarithmicError', task: 'regression', labels: 'value' },
  { name: 'logcosh', task: 'regression', labels: 'value' },
  { name: 'poisson', task: 'regression', labels: 'value' },
];
const LOSS_ALIASES: Record<string, string> = {
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mape: 'meanAbsolutePercentageError',
  msle: 'meanSquaredLogarithmicError',
  kld: 'kullbackLeiblerDivergence',
};

/** The loss for a task: the given name (Keras snake_case or tfjs camelCase) or the task's default. */
export function resolveLoss(task: Task, loss: string | undefined): LossInfo {
  if (loss === undefined) return LOSSES.find((l) => l.task === task)!;
  const camel = LOSS_ALIASES[loss] ?? loss.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const info = LOSSES.find((l) => l.name.toLowerCase() === camel.toLowerCase());
  const fits = LOSSES.filter((l) => l.task === task).map((l) => l.name);
  if (!info || info.task !== task) {
    throw new UserError(`loss ${JSON.stringify(loss)} does not fit task ${task}: use one of ${fits.join(', ')}`, { path: 'training.loss' });
  }
  return info;
}

/** Maps tfjs's log keys to ours (tfjs logs `accuracy` as `acc`). */
const LOG_KEYS: Record<string, keyof EpochLog> = {
  loss: 'loss',
  val_loss: 'val_loss',
  acc: 'accuracy',
  val_acc: 'val_accuracy',
  mae: 'mae',
  val_mae: 'val_mae',
  meanAbsoluteError: 'mae',
  val_meanAbsoluteError: 'val_mae',
};

export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  const { tf, dataset: ds, training, seed } = opts;
  checkTraining(training, ds);
  const model = await buildModel(tf, opts.modelSpec, {
    inputShape: [ds.numFeatures],
    numClasses: ds.numClasses,
    task: ds.task,
    seed,
    params: opts.params,
  });
  const tensors: Tensor[] = [];
  try {
    const loss = compileIfNeeded(tf, model, training, ds.task);
    const label = (y: Float32Array, n: number): Tensor => labelTensor(tf, y, n, loss.labels, ds.numClasses);
    // With no validation rows (training on train+validation) the val_ metrics are left out.
    const val = ds.nVal > 0 ? { x: tf.tensor2d(ds.xVal, [ds.nVal, ds.numFeatures]), y: label(ds.yVal, ds.nVal) } : undefined;
    if (val) tensors.push(val.x, val.y);

    const dropouts = dropoutLayers(model);
    const history: EpochLog[] = [];
    const xBuf = new Float32Array(ds.xTrain.length);
    const yBuf = new Float32Array(ds.nTrain);
    let epochNow = 0;
    let badBatchLoss: number | undefined;

    for (let epoch = 1; epoch <= training.epochs; epoch++) {
      throwIfAborted(opts.signal);
      epochNow = epoch;
      const started = performance.now();
      const lr = learningRateOf(model);
      shuffleInto(ds, Rng.derive(seed, epoch), xBuf, yBuf);
      const x = tf.tensor2d(xBuf, [ds.nTrain, ds.numFeatures]);
      const y = label(yBuf, ds.nTrain);
      let h;
      try {
        h = await model.fit(x, y, {
          epochs: 1,
          batchSize: training.batchSize,
          shuffle: false,
          verbose: 0,
          callbacks: {
            onBatchBegin: async (batch: number) => {
              for (const d of dropouts) d.layer.seed = mixSeed(d.base, epochNow, batch) || 1;
              if (opts.signal?.aborted) model.stopTraining = true;
            },
            onBatchEnd: async (_batch: number, logs?: { loss?: number }) => {
              // Stop a diverged run at once rather than after the epoch.
              if (logs?.loss !== undefined && !Number.isFinite(logs.loss)) {
                badBatchLoss = logs.loss;
                model.stopTraining = true;
              }
            },
          },
        });
      } finally {
        x.dispose();
        y.dispose();
      }
      throwIfAborted(opts.signal);
      if (badBatchLoss !== undefined) throw new Error(`loss became ${badBatchLoss} at epoch ${epoch}`);
      const log = epochLog(h.history, epoch, lr, 0);
      if (val) Object.assign(log, validate(model, val.x, val.y, training.batchSize));
      log.durationMs = performance.now() - started;
      for (const key of val ? (['loss', 'val_loss'] as const) : (['loss'] as const)) {
        if (!Number.isFinite(log[key])) throw new Error(`${key} became ${log[key]} at epoch ${epoch}`);
      }
      history.push(log);
      if (opts.onEpoch?.(log) === 'stop') break;
    }
    for (const d of dropouts) d.layer.seed = d.base;
    return { history, final: finalMetrics(history[history.length - 1]!), model };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    for (const t of tensors) t.dispose();
  }
}

function checkTraining(t: TrainingSpec, ds: Dataset): void {
  if (!Number.isInteger(t.epochs) || t.epochs < 1) {
    throw new UserError(`epochs must be a whole number ≥ 1, got ${JSON.stringify(t.epochs)}`, { path: 'training.epochs' });
  }
  if (!Number.isInteger(t.batchSize) || t.batchSize < 1) {
    throw new UserError(`batchSize must be a whole number ≥ 1, got ${JSON.stringify(t.batchSize)}`, { path: 'training.batchSize' });
  }
  if (ds.nTrain === 0) throw new Error('training needs at least one training row');
}

/**
 * Compiles a model unless its module compiled it already, and makes the model own its optimizer
 * so that `model.dispose()` frees the optimizer's state too.
 */
function compileIfNeeded(tf: Tf, model: LayersModel, training: TrainingSpec, task: Task): LossInfo {
  let loss: LossInfo;
  if (model.optimizer == null) {
    loss = resolveLoss(task, training.loss);
    model.compile({
      optimizer: createOptimizer(tf, training.optimizer),
      loss: loss.name,
      metrics: [task === 'classification' ? 'accuracy' : 'mae'],
    });
  } else {
    // The module chose its loss; encode the labels the way that loss expects.
    const own = typeof model.loss === 'string' ? model.loss : undefined;
    loss = (own && LOSSES.find((l) => l.name === own)) || resolveLoss(task, undefined);
  }
  (model as unknown as { isOptimizerOwned: boolean }).isOptimizerOwned = true;
  return loss;
}

function labelTensor(tf: Tf, y: Float32Array, n: number, encoding: LabelEncoding, numClasses: number): Tensor {
  if (encoding !== 'onehot') return tf.tensor2d(y, [n, 1]);
  const oneHot = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) oneHot[i * numClasses + y[i]!] = 1;
  return tf.tensor2d(oneHot, [n, numClasses]);
}

/** Writes the training rows in a seeded random order into the reusable buffers. */
function shuffleInto(ds: Dataset, rng: Rng, xBuf: Float32Array, yBuf: Float32Array): void {
  const order = rng.shuffle(Array.from({ length: ds.nTrain }, (_, i) => i));
  const f = ds.numFeatures;
  order.forEach((row, k) => {
    xBuf.set(ds.xTrain.subarray(row * f, (row + 1) * f), k * f);
    yBuf[k] = ds.yTrain[row]!;
  });
}

interface SeededDropout {
  layer: { seed?: number };
  base: number;
}

/**
 * Dropout layers read their `seed` on every call, and a fixed seed would drop the same units in
 * every batch; so each batch gets `mixSeed(base, epoch, batch)`. Layers without a seed (from
 * module models) get one from their position.
 */
function dropoutLayers(model: LayersModel): SeededDropout[] {
  const out: SeededDropout[] = [];
  model.layers.forEach((layer, i) => {
    if (layer.getClassName() !== 'Dropout') return;
    const l = layer as unknown as { seed?: number };
    out.push({ layer: l, base: l.seed ?? mixSeed(0x64726f70, i) });
  });
  return out;
}

/**
 * Validation metrics under our names (`val_loss`, `val_accuracy`, …). Evaluated here rather than
 * through fit's validationData so the batch size can be large: it changes only rounding, not what
 * is measured.
 */
function validate(model: LayersModel, x: Tensor, y: Tensor, batchSize: number): Partial<EpochLog> {
  const out = model.evaluate(x, y, { batchSize: Math.max(batchSize, 256) });
  const scalars = Array.isArray(out) ? out : [out];
  const result: Record<string, number> = {};
  try {
    model.metricsNames.forEach((name, i) => {
      const ours = LOG_KEYS[`val_${name}`];
      const t = scalars[i];
      if (ours && t) result[ours] = t.dataSync()[0]!;
    });
  } finally {
    for (const t of scalars) t.dispose();
  }
  return result as Partial<EpochLog>;
}

function learningRateOf(model: LayersModel): number {
  const lr = (model.optimizer as unknown as { learningRate?: unknown } | undefined)?.learningRate;
  return typeof lr === 'number' ? lr : NaN;
}

function epochLog(history: Record<string, Array<number | Tensor>>, epoch: number, lr: number, durationMs: number): EpochLog {
  const log: EpochLog = { epoch, loss: NaN, val_loss: NaN, lr, durationMs };
  for (const [key, values] of Object.entries(history)) {
    const ours = LOG_KEYS[key];
    const v = values[values.length - 1];
    if (ours && typeof v === 'number') (log as unknown as Record<string, number>)[ours] = v;
  }
  return log;
}

function finalMetrics(log: EpochLog): Record<string, number> {
  const final: Record<string, number> = {};
  for (const [key, v] of Object.entries(log)) {
    if (key !== 'epoch' && key !== 'durationMs' && key !== 'lr' && typeof v === 'number' && !Number.isNaN(v)) final[key] = v;
  }
  return final;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof Error) throw reason;
  const err = new Error('training was aborted');
  err.name = 'AbortError';
  throw err;
}
