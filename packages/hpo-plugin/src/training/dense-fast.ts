/**
 * The fused dense trainer: trains a sequential stack of dense, activation and dropout layers
 * without tfjs's per-op machinery. Forward, backward and the optimizer step of a batch are a few
 * matrix products (dense-kernels.ts: the wasm backend's SIMD product, called directly) and plain
 * loops over Float32Arrays; the loss and metrics are summed in JS doubles and read once per epoch.
 * For the digits MLP this is several times faster than `model.fit`, whose time goes to per-op
 * overhead (dispatch, allocation, the tape, ~10 ops per variable per optimizer step), not arithmetic.
 *
 * It covers what most sweeps train: dense layers (linear, relu, elu, tanh, sigmoid; softmax last)
 * without regularizers or constraints, dropout, activation layers; softmax cross-entropy (sparse or
 * one-hot) or mean squared error; sgd, momentum, adam, rmsprop and adagrad. `planDenseFast` says
 * whether a model qualifies; anything else trains through tfjs (train.ts).
 *
 * Same seed → same numbers: the batch order is train.ts's, dropout masks come from
 * mulberry32(mixSeed(layer seed, epoch, batch)), and the arithmetic is sequential. The weights live
 * here during training and are written into the tfjs model after every epoch; the optimizer's
 * state is exchanged in tfjs's own slot layout (optimizer-state.ts), so checkpoints look the same
 * whichever trainer took them.
 */
import { mixSeed } from '@nx-hpo/optimizers';
import { denseKernels, type Buf, type DenseKernels } from './dense-kernels';
import type { OptimizerState } from './optimizer-state';
import { packTensors, unpackTensors, type NamedTensor } from './tensor-pack';
import type { LayersModel, Tf } from './tf';

type Act = 'linear' | 'relu' | 'elu' | 'tanh' | 'sigmoid' | 'softmax';
const HIDDEN_ACTS = new Set<string>(['linear', 'relu', 'elu', 'tanh', 'sigmoid']);

type Op =
  | { kind: 'dense'; in: number; out: number; kernelIndex: number; biasIndex: number | undefined; layerName: string }
  | { kind: 'act'; act: Act; width: number }
  | { kind: 'dropout'; rate: number; seed: number; width: number };

export type DenseLoss = 'crossentropy' | 'mse';

export interface DensePlan {
  ops: Op[];
  loss: DenseLoss;
  inputWidth: number;
  outputWidth: number;
  optimizer: OptimizerConfig;
}

type OptimizerConfig =
  | { kind: 'SGD' }
  | { kind: 'Momentum'; momentum: number; nesterov: boolean }
  | { kind: 'Adam'; beta1: number; beta2: number; epsilon: number }
  | { kind: 'RMSProp'; decay: number; momentum: number; epsilon: number; centered: boolean }
  | { kind: 'Adagrad'; initial: number };

/** Slot names per optimizer, in tfjs's getWeights() order (all variables' first slot, then the next…). */
const SLOTS: Record<OptimizerConfig['kind'], (c: OptimizerConfig) => string[]> = {
  SGD: () => [],
  Momentum: () => ['momentum'],
  Adam: () => ['m', 'v'],
  RMSProp: (c) => (c as { centered: boolean }).centered ? ['rms', 'momentum', 'mg'] : ['rms', 'momentum'],
  Adagrad: () => ['accumulator'],
};

type Config = Record<string, unknown>;

/**
 * The plan for training `model` with the fused trainer, or undefined when it has anything the
 * trainer does not do (then tfjs trains it). `loss` is the tfjs loss name train.ts resolved.
 */
export function planDenseFast(model: LayersModel, loss: string, dropoutSeeds: ReadonlyMap<object, number>): DensePlan | undefined {
  if (model.getClassName() !== 'Sequential') return undefined;
  const weights = model.trainableWeights;
  if (weights.length !== model.weights.length) return undefined;
  const index = new Map(weights.map((w, i) => [w, i]));
  const ops: Op[] = [];
  let width: number | undefined;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Config;
    if (cls === 'InputLayer') continue;
    if (width === undefined) {
      const shape = (layer as unknown as { batchInputShape?: Array<number | null> }).batchInputShape;
      if (!shape || shape.length !== 2 || typeof shape[1] !== 'number') return undefined;
      width = shape[1];
    }
    if (cls === 'Dense') {
      if (cfg['kernelRegularizer'] || cfg['biasRegularizer'] || cfg['activityRegularizer'] || cfg['kernelConstraint'] || cfg['biasConstraint']) return undefined;
      const lw = layer.trainableWeights;
      const units = cfg['units'] as number;
      const useBias = cfg['useBias'] !== false;
      if (lw.length !== (useBias ? 2 : 1) || lw[0]!.shape.join() !== `${width},${units}`) return undefined;
      ops.push({ kind: 'dense', in: width, out: units, kernelIndex: index.get(lw[0]!)!, biasIndex: useBias ? index.get(lw[1]!) : undefined, layerName: layer.name });
      width = units;
      const act = cfg['activation'];
      if (act !== 'linear') ops.push({ kind: 'act', act: act as Act, width });
    } else if (cls === 'Activation') {
      ops.push({ kind: 'act', act: cfg['activation'] as Act, width });
    } else if (cls === 'Dropout') {
      const rate = cfg['rate'] as number;
      if (cfg['noiseShape'] != null || !(rate >= 0 && rate < 1)) return undefined;
      const seed = dropoutSeeds.get(layer);
      if (seed === undefined) return undefined;
      if (rate > 0) ops.push({ kind: 'dropout', rate, seed, width });
    } else {
      return undefined;
    }
  }
  if (width === undefined || !ops.some((o) => o.kind === 'dense')) return undefined;
  // Softmax only as the last op (its gradient is folded into the cross-entropy's); others anywhere.
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    if (o.kind !== 'act') continue;
    if (o.act === 'softmax' ? i !== ops.length - 1 : !HIDDEN_ACTS.has(o.act)) return undefined;
  }
  const last = ops[ops.length - 1]!;
  const softmaxLast = last.kind === 'act' && last.act === 'softmax';
  let denseLoss: DenseLoss;
  if ((loss === 'sparseCategoricalCrossentropy' || loss === 'categoricalCrossentropy') && softmaxLast) denseLoss = 'crossentropy';
  else if (loss === 'meanSquaredError' && !softmaxLast) denseLoss = 'mse';
  else return undefined;
  const optimizer = optimizerConfig(model);
  if (!optimizer) return undefined;
  const firstDense = ops.find((o) => o.kind === 'dense') as Extract<Op, { kind: 'dense' }>;
  return { ops, loss: denseLoss, inputWidth: firstDense.in, outputWidth: width, optimizer };
}

function optimizerConfig(model: LayersModel): OptimizerConfig | undefined {
  const o = model.optimizer as unknown as Config | undefined;
  if (!o) return undefined;
  const num = (k: string) => (typeof o[k] === 'number' ? (o[k] as number) : NaN);
  const cls = model.optimizer.getClassName();
  let c: OptimizerConfig;
  switch (cls) {
    case 'SGD':
      c = { kind: 'SGD' };
      break;
    case 'Momentum':
      c = { kind: 'Momentum', momentum: num('momentum'), nesterov: o['useNesterov'] === true };
      break;
    case 'Adam':
      c = { kind: 'Adam', beta1: num('beta1'), beta2: num('beta2'), epsilon: num('epsilon') };
      break;
    case 'RMSProp':
      c = { kind: 'RMSProp', decay: num('decay'), momentum: num('momentum'), epsilon: num('epsilon'), centered: o['centered'] === true };
      break;
    case 'Adagrad':
      c = { kind: 'Adagrad', initial: num('initialAccumulatorValue') };
      break;
    default:
      return undefined;
  }
  const numbers = Object.values(c).filter((v) => typeof v === 'number') as number[];
  return numbers.every(Number.isFinite) && typeof o['learningRate'] === 'number' ? c : undefined;
}

/** The sums of one epoch's batches (or one validation pass), read as numbers once. */
export interface EpochSums {
  loss: number;
  /** Correct predictions (classification) or Σ|error| (regression). */
  metric: number;
  rows: number;
}

interface Param {
  /** Index in model.trainableWeights. */
  index: number;
  name: string;
  shape: number[];
  value: Buf;
  grad: Buf;
  slots: Float32Array[];
}

interface DenseState {
  op: Extract<Op, { kind: 'dense' }>;
  kernel: Param;
  bias: Param | undefined;
  /** kernelᵀ, for the gradient of the layer's input. */
  kernelT: Buf;
  /** The batch's input, transposed, for the kernel's gradient. */
  inputT: Buf;
}

/** Adagrad's epsilon is the backend's (tfjs 4.22: 1e-7 on wasm and cpu). */
const BACKEND_EPSILON = 1e-7;
/** Cross-entropy clips probabilities to [ε, 1 − ε] like tfjs. */
const CLIP = 1e-7;

export class DenseFastTrainer {
  private readonly k: DenseKernels;
  private readonly maxRows: number;
  /** acts[i]: the input of op i (acts[0] the batch's rows); acts[ops.length] the output. */
  private readonly acts: Buf[];
  /** grads[i]: the loss's gradient with respect to acts[i]. */
  private readonly grads: Buf[];
  private readonly masks: Array<Float32Array | undefined>;
  private readonly dense: Array<DenseState | undefined>;
  private readonly params: Param[];
  private iterations = 0;
  /** Adam's β1^t and β2^t as tfjs keeps them: float32 products, starting at β. */
  private accBeta1 = 0;
  private accBeta2 = 0;

  constructor(
    private readonly tf: Tf,
    private readonly plan: DensePlan,
    private readonly model: LayersModel,
    batchSize: number,
    kernels: DenseKernels,
  ) {
    this.k = kernels;
    this.maxRows = Math.max(batchSize, 256);
    const widths = [plan.inputWidth];
    for (const op of plan.ops) widths.push(op.kind === 'dense' ? op.out : op.width);
    this.acts = widths.map((w) => kernels.alloc(this.maxRows * w));
    this.grads = widths.map((w) => kernels.alloc(this.maxRows * w));
    this.masks = plan.ops.map((op) => (op.kind === 'dropout' ? new Float32Array(this.maxRows * op.width) : undefined));
    const slotCount = SLOTS[plan.optimizer.kind](plan.optimizer).length;
    const weights = model.trainableWeights;
    this.params = [];
    const param = (index: number): Param => {
      const w = weights[index]!;
      const shape = w.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      const p: Param = { index, name: w.name, shape, value: kernels.alloc(size), grad: kernels.alloc(size), slots: [] };
      for (let s = 0; s < slotCount; s++) p.slots.push(new Float32Array(size));
      this.params.push(p);
      return p;
    };
    this.dense = plan.ops.map((op) => {
      if (op.kind !== 'dense') return undefined;
      return {
        op,
        kernel: param(op.kernelIndex),
        bias: op.biasIndex === undefined ? undefined : param(op.biasIndex),
        kernelT: kernels.alloc(op.in * op.out),
        inputT: kernels.alloc(op.in * this.maxRows),
      };
    });
    this.params.sort((a, b) => a.index - b.index);
    this.resetOptimizer();
    this.readWeights();
  }

  /** The plan's kernels for this backend, or undefined when they fail their check. */
  static kernels(tf: Tf): DenseKernels | undefined {
    return denseKernels(tf);
  }

  dispose(): void {
    this.k.dispose();
  }

  private resetOptimizer(): void {
    const c = this.plan.optimizer;
    this.iterations = 0;
    if (c.kind === 'Adam') {
      this.accBeta1 = Math.fround(c.beta1);
      this.accBeta2 = Math.fround(c.beta2);
    }
    if (c.kind === 'Adagrad') for (const p of this.params) p.slots[0]!.fill(c.initial);
  }

  /** Takes the tfjs model's current weights. */
  readWeights(): void {
    const weights = this.model.trainableWeights;
    for (const p of this.params) p.value.v.set(weights[p.index]!.read().dataSync() as Float32Array);
  }

  /** Puts the weights into the tfjs model (after every epoch: early stopping, saving and checkpoints read them there). */
  writeWeights(): void {
    const weights = this.model.trainableWeights;
    for (const p of this.params) {
      const t = this.tf.tensor(p.value.v.slice(), p.shape, 'float32');
      try {
        weights[p.index]!.write(t);
      } finally {
        t.dispose();
      }
    }
  }

  /**
   * Trains one epoch over `order` (row indices of x/y) in batches of `batchSize`. `lrAt(batch)` is
   * called before each batch and gives the rate it trains with. Returns the epoch's sums; a loss
   * that is not finite stops the epoch at once (returned as `diverged`).
   */
  trainEpoch(o: {
    x: Float32Array;
    y: Float32Array;
    order: Uint32Array;
    batchSize: number;
    epoch: number;
    lrAt: (batch: number) => number;
    aborted?: () => boolean;
  }): EpochSums & { diverged?: number } {
    const sums: EpochSums = { loss: 0, metric: 0, rows: 0 };
    const n = o.order.length;
    for (let start = 0, batch = 0; start < n; start += o.batchSize, batch++) {
      if (o.aborted?.()) break;
      const rows = Math.min(o.batchSize, n - start);
      const lr = o.lrAt(batch);
      this.gather(o.x, o.order, start, rows);
      this.forward(rows, o.epoch, batch, true);
      const loss = this.lossAndGradient(o.y, o.order, start, rows, sums);
      if (!Number.isFinite(loss)) return { ...sums, diverged: loss };
      this.backward(rows);
      this.step(lr);
    }
    return sums;
  }

  /** One pass over rows of x/y without dropout: the sums for val_ metrics. */
  evaluate(x: Float32Array, y: Float32Array): EpochSums {
    const sums: EpochSums = { loss: 0, metric: 0, rows: 0 };
    const n = y.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let start = 0; start < n; start += this.maxRows) {
      const rows = Math.min(this.maxRows, n - start);
      this.gather(x, order, start, rows);
      this.forward(rows, 0, 0, false);
      this.lossAndGradient(y, order, start, rows, sums);
    }
    return sums;
  }

  private gather(x: Float32Array, order: Uint32Array, start: number, rows: number): void {
    const w = this.plan.inputWidth;
    const a = this.acts[0]!.v;
    for (let r = 0; r < rows; r++) {
      const src = order[start + r]! * w;
      const dst = r * w;
      for (let j = 0; j < w; j++) a[dst + j] = x[src + j]!;
    }
  }

  private forward(rows: number, epoch: number, batch: number, training: boolean): void {
    const ops = this.plan.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const input = this.acts[i]!;
      const output = this.acts[i + 1]!;
      if (op.kind === 'dense') {
        const d = this.dense[i]!;
        const next = ops[i + 1];
        if (next?.kind === 'act' && next.act === 'relu') {
          // Bias and relu in the product's own pass, straight into the relu's output (its backward
          // pass needs only that); the dense output buffer is left stale.
          this.k.matmul(input, d.kernel.value, this.acts[i + 2]!, rows, op.in, op.out, d.bias?.value, true);
          i++;
        } else {
          this.k.matmul(input, d.kernel.value, output, rows, op.in, op.out, d.bias?.value, false);
        }
      } else if (op.kind === 'act') {
        activate(op.act, input.v, output.v, rows, op.width);
      } else {
        const size = rows * op.width;
        const inp = input.v;
        const out = output.v;
        if (!training) {
          out.set(inp.subarray(0, size));
          continue;
        }
        dropout(inp, out, this.masks[i]!, size, op.rate, mixSeed(op.seed, epoch, batch));
      }
    }
  }

  /**
   * Adds the rows' loss and metric to `sums`, writes dLoss/dOutput (of the batch mean) into the
   * last gradient buffer — for softmax + cross-entropy, the gradient of the logits, into the
   * softmax's input — and returns the rows' mean loss.
   */
  private lossAndGradient(y: Float32Array, order: Uint32Array, start: number, rows: number, sums: EpochSums): number {
    const ops = this.plan.ops;
    const width = this.plan.outputWidth;
    const out = this.acts[ops.length]!.v;
    let loss = 0;
    let metric = 0;
    if (this.plan.loss === 'crossentropy') {
      const g = this.grads[ops.length - 1]!.v;
      for (let r = 0; r < rows; r++) {
        const label = y[order[start + r]!]!;
        const o = r * width;
        let best = 0;
        for (let j = 0; j < width; j++) {
          const p = out[o + j]!;
          if (p > out[o + best]!) best = j;
          g[o + j] = (p - (j === label ? 1 : 0)) / rows;
        }
        const p = Math.min(Math.max(out[o + label]!, CLIP), 1 - CLIP);
        loss -= Math.log(p);
        if (best === label) metric++;
      }
    } else {
      const g = this.grads[ops.length]!.v;
      for (let r = 0; r < rows; r++) {
        const label = y[order[start + r]!]!;
        const o = r * width;
        let sq = 0;
        let abs = 0;
        for (let j = 0; j < width; j++) {
          const e = out[o + j]! - label;
          sq += e * e;
          abs += Math.abs(e);
          g[o + j] = (2 * e) / (width * rows);
        }
        loss += sq / width;
        metric += abs / width;
      }
    }
    sums.loss += loss;
    sums.metric += metric;
    sums.rows += rows;
    return loss / rows;
  }

  private backward(rows: number): void {
    const ops = this.plan.ops;
    // Cross-entropy's gradient already stands at the softmax's input.
    const top = this.plan.loss === 'crossentropy' ? ops.length - 2 : ops.length - 1;
    for (let i = top; i >= 0; i--) {
      const op = ops[i]!;
      const gOut = this.grads[i + 1]!;
      const gIn = this.grads[i]!;
      if (op.kind === 'dense') {
        const d = this.dense[i]!;
        // dKernel = inputᵀ · gOut; dBias = Σ_rows gOut; dInput = gOut · kernelᵀ.
        transpose(this.acts[i]!.v, d.inputT.v, rows, op.in);
        this.k.matmul(d.inputT, gOut, d.kernel.grad, op.in, rows, op.out);
        if (d.bias) {
          const gb = d.bias.grad.v;
          const g = gOut.v;
          gb.fill(0);
          for (let r = 0; r < rows; r++) {
            const o = r * op.out;
            for (let j = 0; j < op.out; j++) gb[j] += g[o + j]!;
          }
        }
        if (i > 0) {
          transpose(d.kernel.value.v, d.kernelT.v, op.in, op.out);
          this.k.matmul(gOut, d.kernelT, gIn, rows, op.out, op.in);
        }
      } else if (op.kind === 'act') {
        activationGrad(op.act, this.acts[i]!.v, this.acts[i + 1]!.v, gOut.v, gIn.v, rows * op.width);
      } else {
        const mask = this.masks[i]!;
        const g = gOut.v;
        const prev = ops[i - 1];
        if (prev?.kind === 'act' && prev.act !== 'softmax') {
          // Through the dropout and the activation before it in one pass.
          const gi = this.grads[i - 1]!.v;
          const x = this.acts[i - 1]!.v;
          const y = this.acts[i]!.v;
          const size = rows * op.width;
          if (prev.act === 'relu') {
            for (let j = 0; j < size; j++) gi[j] = y[j]! > 0 ? g[j]! * mask[j]! : 0;
          } else {
            for (let j = 0; j < size; j++) gi[j] = g[j]! * mask[j]!;
            activationGrad(prev.act, x, y, gi, gi, size);
          }
          i--;
        } else {
          const gi = gIn.v;
          for (let j = 0, size = rows * op.width; j < size; j++) gi[j] = g[j]! * mask[j]!;
        }
      }
    }
  }

  private step(lr: number): void {
    const c = this.plan.optimizer;
    for (const p of this.params) {
      const w = p.value.v;
      const g = p.grad.v;
      switch (c.kind) {
        case 'SGD':
          sgdStep(w, g, lr);
          break;
        case 'Momentum':
          momentumStep(w, g, p.slots[0]!, lr, c.momentum, c.nesterov);
          break;
        case 'Adam':
          adamStep(w, g, p.slots[0]!, p.slots[1]!, lr / (1 - this.accBeta1), 1 / (1 - this.accBeta2), c.beta1, c.beta2, c.epsilon);
          break;
        case 'RMSProp':
          if (p.slots[2]) centeredRmspropStep(w, g, p.slots[0]!, p.slots[1]!, p.slots[2], lr, c.decay, c.momentum, c.epsilon);
          else rmspropStep(w, g, p.slots[0]!, p.slots[1]!, lr, c.decay, c.momentum, c.epsilon);
          break;
        case 'Adagrad':
          adagradStep(w, g, p.slots[0]!, lr);
          break;
      }
    }
    if (c.kind === 'Adam') {
      this.accBeta1 = Math.fround(this.accBeta1 * c.beta1);
      this.accBeta2 = Math.fround(this.accBeta2 * c.beta2);
    }
    this.iterations++;
  }

  /** The optimizer's state in tfjs's layout (optimizer-state.ts), for a checkpoint. */
  async optimizerState(className: string, learningRate: number): Promise<OptimizerState> {
    const names = SLOTS[this.plan.optimizer.kind](this.plan.optimizer);
    const tensors: NamedTensor[] = [];
    const extra: NamedTensor[] = [];
    try {
      // tfjs makes its slots on the first step: none before it.
      if (this.iterations > 0) {
        names.forEach((slot, s) => {
          for (const p of this.params) tensors.push({ name: `${p.name}/${slot}`, tensor: this.tf.tensor(p.slots[s]!.slice(), p.shape, 'float32') });
        });
      }
      if (this.plan.optimizer.kind === 'Adam') {
        extra.push({ name: 'accBeta1', tensor: this.tf.scalar(this.accBeta1) }, { name: 'accBeta2', tensor: this.tf.scalar(this.accBeta2) });
      }
      return { className, iterations: this.iterations, learningRate, slots: await packTensors(tensors), extra: await packTensors(extra) };
    } finally {
      for (const t of [...tensors, ...extra]) t.tensor.dispose();
    }
  }

  /** Continues from a checkpoint's optimizer state (the weights come from the model: readWeights). */
  restoreOptimizer(state: OptimizerState): void {
    const names = SLOTS[this.plan.optimizer.kind](this.plan.optimizer);
    this.resetOptimizer();
    this.iterations = state.iterations;
    const slots = unpackTensors(this.tf, state.slots);
    const extra = unpackTensors(this.tf, state.extra);
    try {
      if (slots.length > 0) {
        if (slots.length !== names.length * this.params.length) throw new Error(`cannot resume training: the checkpoint holds ${slots.length} optimizer slots, the model needs ${names.length * this.params.length}`);
        names.forEach((_, s) => {
          this.params.forEach((p, i) => p.slots[s]!.set(slots[s * this.params.length + i]!.tensor.dataSync() as Float32Array));
        });
      }
      for (const { name, tensor } of extra) {
        const value = tensor.dataSync()[0]!;
        if (name === 'accBeta1') this.accBeta1 = value;
        else if (name === 'accBeta2') this.accBeta2 = value;
      }
    } finally {
      for (const t of [...slots, ...extra]) t.tensor.dispose();
    }
  }
}

// The optimizers' updates, as tfjs 4.22 defines them (one function each keeps every loop monomorphic).

function sgdStep(w: Float32Array, g: Float32Array, lr: number): void {
  for (let j = 0, n = w.length; j < n; j++) w[j] = w[j]! - lr * g[j]!;
}

function momentumStep(w: Float32Array, g: Float32Array, acc: Float32Array, lr: number, momentum: number, nesterov: boolean): void {
  for (let j = 0, n = w.length; j < n; j++) {
    const a = momentum * acc[j]! + g[j]!;
    acc[j] = a;
    w[j] = w[j]! - lr * (nesterov ? g[j]! + a * momentum : a);
  }
}

/** `lr1` = lr / (1 − β1^t), `inv2` = 1 / (1 − β2^t). */
function adamStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr1: number, inv2: number, b1: number, b2: number, eps: number): void {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  for (let j = 0, n = w.length; j < n; j++) {
    const gj = g[j]!;
    const mj = b1 * m[j]! + c1 * gj;
    const vj = b2 * v[j]! + c2 * gj * gj;
    m[j] = mj;
    v[j] = vj;
    w[j] = w[j]! - (lr1 * mj) / (Math.sqrt(vj * inv2) + eps);
  }
}

function rmspropStep(w: Float32Array, g: Float32Array, ms: Float32Array, mom: Float32Array, lr: number, decay: number, momentum: number, eps: number): void {
  for (let j = 0, n = w.length; j < n; j++) {
    const gj = g[j]!;
    const s = decay * ms[j]! + (1 - decay) * gj * gj;
    ms[j] = s;
    const u = momentum * mom[j]! + (lr * gj) / Math.sqrt(s + eps);
    mom[j] = u;
    w[j] = w[j]! - u;
  }
}

/**
 * Centered RMSProp divides by √(E[g²] − E[g]² + ε), as Keras does. tfjs 4.22 computes
 * √(E[g²] − (E[g]² + ε)), whose argument is negative whenever a gradient is below ~√ε: its
 * weights turn NaN (and its reported loss hides it). Here they train.
 */
function centeredRmspropStep(w: Float32Array, g: Float32Array, ms: Float32Array, mom: Float32Array, mg: Float32Array, lr: number, decay: number, momentum: number, eps: number): void {
  for (let j = 0, n = w.length; j < n; j++) {
    const gj = g[j]!;
    const s = decay * ms[j]! + (1 - decay) * gj * gj;
    const a = decay * mg[j]! + (1 - decay) * gj;
    ms[j] = s;
    mg[j] = a;
    const u = momentum * mom[j]! + (lr * gj) / Math.sqrt(Math.max(s - a * a, 0) + eps);
    mom[j] = u;
    w[j] = w[j]! - u;
  }
}

function adagradStep(w: Float32Array, g: Float32Array, acc: Float32Array, lr: number): void {
  for (let j = 0, n = w.length; j < n; j++) {
    const gj = g[j]!;
    const a = acc[j]! + gj * gj;
    acc[j] = a;
    w[j] = w[j]! - (lr * gj) / Math.sqrt(a + BACKEND_EPSILON);
  }
}

/**
 * Inverted dropout: keeps each value with probability 1 − rate, scaled by 1 / (1 − rate); the
 * mask (0 or the scale) is kept for the backward pass. Uniform draws from mulberry32(seed).
 */
function dropout(x: Float32Array, y: Float32Array, mask: Float32Array, size: number, rate: number, seed: number): void {
  const keepBelow = (1 - rate) * 4294967296;
  const scale = 1 / (1 - rate);
  let s = seed | 0;
  for (let j = 0; j < size; j++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const m = ((t ^ (t >>> 14)) >>> 0) < keepBelow ? scale : 0;
    mask[j] = m;
    y[j] = x[j]! * m;
  }
}

function transpose(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[o + c]!;
  }
}

function activate(act: Act, x: Float32Array, y: Float32Array, rows: number, width: number): void {
  const size = rows * width;
  switch (act) {
    case 'linear':
      y.set(x.subarray(0, size));
      return;
    case 'relu':
      for (let j = 0; j < size; j++) y[j] = x[j]! > 0 ? x[j]! : 0;
      return;
    case 'elu':
      for (let j = 0; j < size; j++) y[j] = x[j]! > 0 ? x[j]! : Math.expm1(x[j]!);
      return;
    case 'tanh':
      // 1 − 2 / (e^{2x} + 1): V8's Math.tanh costs three times Math.exp.
      for (let j = 0; j < size; j++) y[j] = 1 - 2 / (Math.exp(2 * x[j]!) + 1);
      return;
    case 'sigmoid':
      for (let j = 0; j < size; j++) y[j] = 1 / (1 + Math.exp(-x[j]!));
      return;
    case 'softmax':
      for (let r = 0; r < rows; r++) {
        const o = r * width;
        let max = -Infinity;
        for (let j = 0; j < width; j++) max = Math.max(max, x[o + j]!);
        let sum = 0;
        for (let j = 0; j < width; j++) {
          const e = Math.exp(x[o + j]! - max);
          y[o + j] = e;
          sum += e;
        }
        for (let j = 0; j < width; j++) y[o + j] = y[o + j]! / sum;
      }
      return;
  }
}

/** gIn = gOut ⊙ act'(x), from the input x or output y, whichever is cheaper. */
function activationGrad(act: Act, x: Float32Array, y: Float32Array, gOut: Float32Array, gIn: Float32Array, size: number): void {
  switch (act) {
    case 'linear':
      gIn.set(gOut.subarray(0, size));
      return;
    case 'relu':
      // From the output: a relu fused into its dense layer's product leaves no input behind.
      for (let j = 0; j < size; j++) gIn[j] = y[j]! > 0 ? gOut[j]! : 0;
      return;
    case 'elu':
      for (let j = 0; j < size; j++) gIn[j] = x[j]! > 0 ? gOut[j]! : gOut[j]! * (y[j]! + 1);
      return;
    case 'tanh':
      for (let j = 0; j < size; j++) gIn[j] = gOut[j]! * (1 - y[j]! * y[j]!);
      return;
    case 'sigmoid':
      for (let j = 0; j < size; j++) gIn[j] = gOut[j]! * y[j]! * (1 - y[j]!);
      return;
    case 'softmax':
      throw new Error('softmax is only trained together with cross-entropy');
  }
}
