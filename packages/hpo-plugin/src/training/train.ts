/**
 * Trains one model on a prepared dataset, reproducibly: the same seed, config and backend give
 * the same losses. tfjs's own `shuffle: true` draws from an unseeded generator, so the training
 * rows are shuffled here each epoch with `Rng.derive(seed, epoch)` and fitted in that order, and
 * dropout layers get a fresh seed per batch derived from (seed, epoch, batch).
 *
 * A schedule (training.schedule) sets the optimizer's learning rate before every batch; early
 * stopping (training.earlyStopping) ends training when its metric stops improving and gives back
 * the best epoch's weights. Without either, training is exactly what it was before they existed.
 *
 * With `checkpoint: true` the result carries the complete training state at the last epoch
 * trained; `resumeFrom` continues from such a checkpoint and gives the same epochs, bit for bit,
 * as a training that had not stopped (checkpoint.ts says what is saved and what is rebuilt).
 */
import { Rng, mixSeed, type Params } from '@nx-hpo/optimizers';
import type { Dataset } from '../data/dataset';
import { UserError } from '../errors';
import { DEFAULT_LOSS, LOSSES, LOSS_TASK, type LossName } from '../config/enums';
import { quote } from '../quote';
import { checkpointFit, checkpointMismatch, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type TrainingCheckpoint } from './checkpoint';
import { EARLY_STOPPING_START, earlyStoppingOptions, observeEpoch, type EarlyStoppingOptions, type EarlyStoppingState } from './early-stopping';
import { ADAM_HD_CLASS, SGD_HD_CLASS } from './hypergradient';
import { createLrControl, type LrControl } from './lr-control';
import { buildModel } from './model';
import { DenseFastTrainer, planDenseFast, type EpochSums } from './dense-fast';
import { createOptimizer, learningRateOf } from './optimizer';
import { captureOptimizerState, restoreOptimizerState, type OptimizerState } from './optimizer-state';
import { checkSchedule } from './schedule';
import type { ModelSpec, Task, TrainingSpec } from './spec';
import { packTensors, unpackTensors, type TensorPack } from './tensor-pack';
import type { EpochLog } from './epoch-log';
import type { LayersModel, Tensor, Tf } from './tf';

export type { EpochLog } from './epoch-log';

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
  /**
   * Continue from this checkpoint at its epoch + 1 (its history comes first in the result's).
   * It must come from a training with the same model, params, seed, dataset, training options and
   * backend; a different training.epochs is fine unless the schedule spans the whole run.
   */
  resumeFrom?: TrainingCheckpoint;
  /** When true, the result carries `checkpoint`, taken after the last epoch trained. */
  checkpoint?: boolean;
  /**
   * Train dense models with the fused trainer (dense-fast.ts) where it applies (default true).
   * Only for tests and benchmarks that compare it with tfjs: its numbers are not tfjs's, and the
   * trial key (TRAINER_NUMERICS_VERSION) assumes the default.
   */
  fused?: boolean;
}

export interface TrainResult {
  history: EpochLog[];
  /**
   * The metrics of the epoch whose weights the model holds (loss, val_loss, accuracy, …): the last
   * epoch trained, or with early stopping's restoreBest, the best one.
   */
  final: Record<string, number>;
  /** The trained model; `model.dispose()` frees it and its optimizer. The caller owns it. */
  model: LayersModel;
  /**
   * With `checkpoint: true`: the state after the last epoch trained (before early stopping's
   * restoreBest puts the best weights back), for `resumeFrom`.
   */
  checkpoint?: TrainingCheckpoint;
}

type LabelEncoding = 'index' | 'onehot' | 'value';

interface LossInfo {
  name: LossName;
  task: Task;
  labels: LabelEncoding;
}

/**
 * How each loss wants the labels: class indices, one-hot rows, or the value itself. With
 * LOSS_TASK (config/enums.ts, which the loader checks too) this says how to train every loss the
 * schema offers; a loss missing here does not compile.
 */
const LOSS_LABELS: Readonly<Record<LossName, LabelEncoding>> = {
  sparseCategoricalCrossentropy: 'index',
  categoricalCrossentropy: 'onehot',
  categoricalHinge: 'onehot',
  kullbackLeiblerDivergence: 'onehot',
  binaryCrossentropy: 'onehot',
  // tfjs's hinge losses map 0/1 targets to -1/+1 themselves.
  hinge: 'onehot',
  squaredHinge: 'onehot',
  cosineProximity: 'onehot',
  meanSquaredError: 'value',
  meanAbsoluteError: 'value',
  meanAbsolutePercentageError: 'value',
  meanSquaredLogarithmicError: 'value',
  logcosh: 'value',
  poisson: 'value',
};

/** Keras' short names, for specs built in code (tune.yaml takes the names of LOSSES only). */
const LOSS_ALIASES: Readonly<Record<string, LossName>> = {
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mape: 'meanAbsolutePercentageError',
  msle: 'meanSquaredLogarithmicError',
  kld: 'kullbackLeiblerDivergence',
};

function lossInfo(name: LossName): LossInfo {
  return { name, task: LOSS_TASK[name], labels: LOSS_LABELS[name] };
}

/** The loss for a task: the given name (Keras snake_case or tfjs camelCase) or the task's default. */
export function resolveLoss(task: Task, loss: string | undefined): LossInfo {
  if (loss === undefined) return lossInfo(DEFAULT_LOSS[task]);
  const camel = LOSS_ALIASES[loss] ?? loss.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const name = LOSSES.find((l) => l.toLowerCase() === camel.toLowerCase());
  const fits = LOSSES.filter((l) => LOSS_TASK[l] === task);
  if (name === undefined || LOSS_TASK[name] !== task) {
    throw new UserError(`loss ${quote(loss)} does not fit task ${task}: use one of ${fits.join(', ')}`, { path: 'training.loss' });
  }
  return lossInfo(name);
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
    inputShape: exampleShape(ds),
    numClasses: ds.numClasses,
    task: ds.task,
    seed,
    params: opts.params,
  });
  const tensors: Tensor[] = [];
  const disposables: Array<{ dispose(): void }> = [];
  try {
    const loss = compileIfNeeded(tf, model, training, ds.task);
    checkScheduleFits(model, training);
    const label = (y: Float32Array, n: number): Tensor => labelTensor(tf, y, n, loss.labels, ds.numClasses);
    // With no validation rows (training on train+validation) the val_ metrics are left out.
    const hasVal = ds.nVal > 0;

    const dropouts = dropoutLayers(model);
    const fast = opts.fused === false ? undefined : fusedTrainer(tf, model, loss, dropouts, training.batchSize);
    if (fast) disposables.push(fast);
    // The fused trainer reads the validation rows from the dataset's (shared) arrays: tensors of
    // them, a copy of the rows in the backend's memory, only for tfjs's own evaluation.
    const val = hasVal && !fast ? { x: tf.tensor(ds.xVal, [ds.nVal, ...exampleShape(ds)]), y: label(ds.yVal, ds.nVal) } : undefined;
    if (val) tensors.push(val.x, val.y);
    const stepsPerEpoch = Math.ceil(ds.nTrain / training.batchSize);
    const lrControl = training.schedule
      ? createLrControl(training.schedule, model.optimizer, { clock: { epochs: training.epochs, stepsPerEpoch }, hasValidation: hasVal })
      : undefined;
    const stopping = training.earlyStopping ? new EarlyStopping(tf, earlyStoppingOptions(training.earlyStopping), hasVal) : undefined;
    if (stopping) disposables.push(stopping);
    const fit = opts.resumeFrom || opts.checkpoint
      ? checkpointFit({ seed, params: opts.params, backend: tf.getBackend(), modelSpec: opts.modelSpec, training, dataset: ds })
      : undefined;
    let history: EpochLog[] = [];
    let stoppedEarly = false;
    if (opts.resumeFrom) {
      const from = opts.resumeFrom;
      const why = checkpointMismatch(from, fit!);
      if (why !== undefined) throw new Error(`cannot resume training: ${why}`);
      if (from.history.length !== from.epoch) throw new Error(`cannot resume training: the checkpoint is at epoch ${from.epoch} but holds ${from.history.length} epochs of history`);
      if (from.epoch > training.epochs) throw new Error(`cannot resume training: the checkpoint is at epoch ${from.epoch}, past training.epochs (${training.epochs})`);
      await restoreTraining(tf, model, from, lrControl, stopping);
      if (fast) {
        fast.readWeights();
        fast.restoreOptimizer(from.optimizer);
      }
      history = from.history.map((log) => ({ ...log }));
      // Early stopping had ended that training: a straight run would have trained no further.
      stoppedEarly = from.stoppedEarly;
    }
    const xBuf = fast ? undefined : new Float32Array(ds.xTrain.length);
    const yBuf = fast ? undefined : new Float32Array(ds.nTrain);
    let epochNow = 0;
    let badBatchLoss: number | undefined;
    /** The bookkeeping after an epoch's metrics are in: checks, schedule, early stopping, onEpoch. */
    const endEpoch = (log: EpochLog): 'stop' | undefined => {
      for (const key of hasVal ? (['loss', 'val_loss'] as const) : (['loss'] as const)) {
        if (!Number.isFinite(log[key])) throw new Error(`${key} became ${log[key]} at epoch ${log.epoch}`);
      }
      lrControl?.afterEpoch(log.epoch, log);
      const stop = stopping?.observe(model, log, training.epochs) ?? false;
      history.push(log);
      stoppedEarly = stop;
      return opts.onEpoch?.(log) === 'stop' || stop ? 'stop' : undefined;
    };

    for (let epoch = history.length + 1; !stoppedEarly && epoch <= training.epochs; epoch++) {
      throwIfAborted(opts.signal);
      epochNow = epoch;
      const started = performance.now();
      const order = epochOrder(ds.nTrain, seed, epoch);
      if (fast) {
        const sums = fast.trainEpoch({
          x: ds.xTrain,
          y: ds.yTrain,
          order,
          batchSize: training.batchSize,
          epoch,
          lrAt: (batch) => {
            lrControl?.beforeBatch((epoch - 1) * stepsPerEpoch + batch);
            return learningRateOf(model.optimizer);
          },
          aborted: () => opts.signal?.aborted === true,
        });
        throwIfAborted(opts.signal);
        if (sums.diverged !== undefined) throw new Error(`loss became ${sums.diverged} at epoch ${epoch}`);
        const log: EpochLog = { epoch, ...sumsLog(sums, ds.task, ''), val_loss: NaN, lr: learningRateOf(model.optimizer), durationMs: 0 };
        if (hasVal) Object.assign(log, sumsLog(fast.evaluate(ds.xVal, ds.yVal), ds.task, 'val_'));
        fast.writeWeights();
        log.durationMs = performance.now() - started;
        const r = endEpoch(log);
        if (r === 'stop') break;
        continue;
      }
      gatherInto(ds, order, xBuf!, yBuf!);
      const x = tf.tensor(xBuf!, [ds.nTrain, ...exampleShape(ds)]);
      const y = label(yBuf!, ds.nTrain);
      let h;
      try {
        h = await model.fit(x, y, {
          epochs: 1,
          batchSize: training.batchSize,
          shuffle: false,
          verbose: 0,
          callbacks: {
            onBatchBegin: async (batch: number) => {
              lrControl?.beforeBatch((epochNow - 1) * stepsPerEpoch + batch);
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
      const log = epochLog(h.history, epoch, learningRateOf(model.optimizer), 0);
      if (val) Object.assign(log, validate(model, val.x, val.y, training.batchSize));
      log.durationMs = performance.now() - started;
      if (endEpoch(log) === 'stop') break;
    }
    for (const d of dropouts) d.layer.seed = d.base;
    const optimizerState = fast
      ? () => fast.optimizerState(model.optimizer.getClassName(), learningRateOf(model.optimizer))
      : () => captureOptimizerState(model.optimizer);
    const checkpoint = opts.checkpoint ? await captureCheckpoint(model, fit!, history, stoppedEarly, lrControl, stopping, optimizerState) : undefined;
    const kept = stopping?.restore(model) ?? history.length;
    const result: TrainResult = { history, final: finalMetrics(history[kept - 1]!), model };
    if (checkpoint) result.checkpoint = checkpoint;
    return result;
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    for (const t of tensors) t.dispose();
    for (const d of disposables) d.dispose();
  }
}

/** The training state after the last epoch in `history` (before restoreBest changes the weights). */
async function captureCheckpoint(
  model: LayersModel,
  fit: TrainingCheckpoint['fit'],
  history: EpochLog[],
  stoppedEarly: boolean,
  lrControl: LrControl | undefined,
  stopping: EarlyStopping | undefined,
  optimizerState: () => Promise<OptimizerState>,
): Promise<TrainingCheckpoint> {
  const checkpoint: TrainingCheckpoint = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    epoch: history.length,
    history: history.map((log) => ({ ...log })),
    stoppedEarly,
    fit,
    // read() hands out the variables themselves; packing only downloads their values.
    weights: await packTensors(model.weights.map((w) => ({ name: w.name, tensor: w.read() }))),
    optimizer: await optimizerState(),
  };
  if (lrControl) checkpoint.lrControl = lrControl.save();
  if (stopping) checkpoint.earlyStopping = await stopping.save(model);
  return checkpoint;
}

/**
 * Puts a checkpoint's state into a freshly built and compiled model. Its variables have new names
 * (tfjs numbers layers per process), so the optimizer's slots are renamed by position.
 */
async function restoreTraining(
  tf: Tf,
  model: LayersModel,
  from: TrainingCheckpoint,
  lrControl: LrControl | undefined,
  stopping: EarlyStopping | undefined,
): Promise<void> {
  const specs = from.weights.specs;
  const now = model.weights;
  const fits = specs.length === now.length && specs.every((s, i) => s.shape.join() === now[i]!.shape.join() && s.dtype === now[i]!.dtype);
  if (!fits) throw new Error('cannot resume training: the checkpoint\'s weights do not fit the model');
  const weights = unpackTensors(tf, from.weights);
  try {
    model.setWeights(weights.map((w) => w.tensor));
  } finally {
    for (const w of weights) w.tensor.dispose();
  }
  const rename = new Map(specs.map((s, i) => [s.name, now[i]!.name]));
  await restoreOptimizerState(tf, model.optimizer, from.optimizer, rename);
  if (lrControl && from.lrControl) lrControl.restore(from.lrControl);
  if (stopping && from.earlyStopping) stopping.resume(from.earlyStopping);
}

/**
 * Early stopping's weights: a copy of the best epoch's, taken when it is reached (the pure
 * bookkeeping is early-stopping.ts). Inactive when its metric is a val_ one and there are no
 * validation rows (a fit on everything), so that such a fit trains every epoch.
 */
class EarlyStopping {
  private state: EarlyStoppingState = EARLY_STOPPING_START;
  private best: Tensor[] = [];

  constructor(
    private readonly tf: Tf,
    private readonly o: EarlyStoppingOptions,
    private readonly hasValidation: boolean,
  ) {}

  /**
   * Records the epoch's metric in its log (bestEpoch; earlyStopped when epochs were left to train);
   * true when training should stop.
   */
  observe(model: LayersModel, log: EpochLog, epochs: number): boolean {
    const value = (log as unknown as Record<string, unknown>)[this.o.metric];
    if (typeof value !== 'number' || Number.isNaN(value)) {
      if (!this.hasValidation && this.o.metric.startsWith('val_')) return false;
      throw new UserError(`training reports no '${this.o.metric}' to watch`, { path: 'training.earlyStopping.metric' });
    }
    const step = observeEpoch(this.state, log.epoch, value, this.o);
    this.state = step.state;
    if (step.improved && this.o.restoreBest) {
      this.dispose();
      // getWeights() hands out the variables themselves; clones keep this epoch's values.
      this.best = model.getWeights().map((w) => this.tf.clone(w));
    }
    log.bestEpoch = this.state.bestEpoch;
    if (step.stop && log.epoch < epochs) log.earlyStopped = 1;
    return step.stop;
  }

  /** With restoreBest, puts the best epoch's weights back and returns that epoch; else undefined (the last epoch's stay). */
  restore(model: LayersModel): number | undefined {
    if (!this.o.restoreBest || this.best.length === 0) return undefined;
    model.setWeights(this.best);
    return this.state.bestEpoch;
  }

  /** The bookkeeping, and the best epoch's weights when restoreBest keeps them. */
  async save(model: LayersModel): Promise<{ state: EarlyStoppingState; best?: TensorPack }> {
    const saved: { state: EarlyStoppingState; best?: TensorPack } = { state: { ...this.state } };
    if (this.best.length > 0) saved.best = await packTensors(this.best.map((tensor, i) => ({ name: model.weights[i]?.name ?? String(i), tensor })));
    return saved;
  }

  /** Continues from `save`'s result. */
  resume(saved: { state: EarlyStoppingState; best?: TensorPack }): void {
    this.state = { ...saved.state };
    this.dispose();
    if (saved.best) this.best = unpackTensors(this.tf, saved.best).map((w) => w.tensor);
  }

  dispose(): void {
    for (const t of this.best) t.dispose();
    this.best = [];
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
  if (t.schedule !== undefined) checkSchedule(t.schedule, t.epochs);
  if (t.earlyStopping !== undefined) earlyStoppingOptions(t.earlyStopping);
}

/** sgd-hd and adam-hd adapt the rate themselves; a schedule would fight them. */
function checkScheduleFits(model: LayersModel, training: TrainingSpec): void {
  const name = model.optimizer?.getClassName();
  if (training.schedule !== undefined && (name === SGD_HD_CLASS || name === ADAM_HD_CLASS)) {
    throw new UserError(`${training.optimizer.name} adapts the learning rate itself, so it takes no schedule`, { path: 'training.schedule' });
  }
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
    const known = LOSSES.find((l) => l === own);
    loss = known !== undefined ? lossInfo(known) : resolveLoss(task, undefined);
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

/** The training rows' order in `epoch`: a seeded shuffle, the same for both trainers. */
function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  return Uint32Array.from(Rng.derive(seed, epoch).shuffle(Array.from({ length: n }, (_, i) => i)));
}

/** Writes the training rows in `order` into the reusable buffers. */
function gatherInto(ds: Dataset, order: Uint32Array, xBuf: Float32Array, yBuf: Float32Array): void {
  const f = ds.numFeatures;
  order.forEach((row, k) => {
    xBuf.set(ds.xTrain.subarray(row * f, (row + 1) * f), k * f);
    yBuf[k] = ds.yTrain[row]!;
  });
}

/**
 * The fused dense trainer for this model, or undefined when the model, loss or optimizer is one
 * it does not train (or its kernels fail their check): tfjs trains it then.
 */
function fusedTrainer(tf: Tf, model: LayersModel, loss: LossInfo, dropouts: SeededDropout[], batchSize: number): DenseFastTrainer | undefined {
  const plan = planDenseFast(model, loss.name, new Map(dropouts.map((d) => [d.layer, d.base])));
  if (!plan) return undefined;
  const kernels = DenseFastTrainer.kernels(tf);
  return kernels ? new DenseFastTrainer(tf, plan, model, batchSize, kernels) : undefined;
}

/** An epoch's (or validation pass's) sums as log entries, prefixed `val_` for validation. */
function sumsLog(s: EpochSums, task: Task, prefix: '' | 'val_'): { loss: number } & Partial<EpochLog> {
  const loss = s.loss / s.rows;
  const metric = s.metric / s.rows;
  return (task === 'classification' ? { [`${prefix}loss`]: loss, [`${prefix}accuracy`]: metric } : { [`${prefix}loss`]: loss, [`${prefix}mae`]: metric }) as { loss: number } & Partial<EpochLog>;
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

function epochLog(history: Record<string, Array<number | Tensor>>, epoch: number, lr: number, durationMs: number): EpochLog {
  const log: EpochLog = { epoch, loss: NaN, val_loss: NaN, lr, durationMs };
  for (const [key, values] of Object.entries(history)) {
    const ours = LOG_KEYS[key];
    const v = values[values.length - 1];
    if (ours && typeof v === 'number') (log as unknown as Record<string, number>)[ours] = v;
  }
  return log;
}

const NOT_METRICS = new Set(['epoch', 'durationMs', 'lr', 'bestEpoch', 'earlyStopped']);

function finalMetrics(log: EpochLog): Record<string, number> {
  const final: Record<string, number> = {};
  for (const [key, v] of Object.entries(log)) {
    if (!NOT_METRICS.has(key) && typeof v === 'number' && !Number.isNaN(v)) final[key] = v;
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

/** One example's shape: [numFeatures] for rows, or the data's own (e.g. [28, 28, 1] for images). */
export function exampleShape(ds: Pick<Dataset, 'numFeatures' | 'featureShape'>): number[] {
  return ds.featureShape ?? [ds.numFeatures];
}
