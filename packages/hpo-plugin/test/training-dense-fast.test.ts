import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@nx-hpo/optimizers';
import { selectBackend, type Tf } from '../src/training/backend';
import { denseKernels, jsKernels } from '../src/training/dense-kernels';
import { planDenseFast } from '../src/training/dense-fast';
import { trainModel, type EpochLog, type TrainOptions } from '../src/training/train';
import type { LossName } from '../src/config/enums';
import type { LayerSpec, OptimizerSpec, TrainingSpec } from '../src/training/spec';
import type { Layer, Optimizer } from '../src/training/tf';
import { blobs, linear } from './training-fixtures';

let tf: Tf;
before(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const classes = blobs({ n: 160, f: 6, k: 3, seed: 21, spread: 1.0 });
const values = linear({ n: 160, f: 5, seed: 22 });

interface Case {
  name: string;
  layers: LayerSpec[];
  optimizer: OptimizerSpec;
  loss?: LossName;
  regression?: boolean;
}

const dense = (units: number, activation?: string): LayerSpec => ({ dense: { units, ...(activation ? { activation } : {}) } }) as LayerSpec;

const CASES: Case[] = [
  { name: 'relu, softmax cross-entropy, adam', layers: [dense(16, 'relu'), dense(3, 'softmax')], optimizer: { name: 'adam', learningRate: 0.01 } },
  { name: 'tanh, sgd', layers: [dense(16, 'tanh'), dense(3, 'softmax')], optimizer: { name: 'sgd', learningRate: 0.1 } },
  { name: 'elu, nesterov momentum', layers: [dense(16, 'elu'), dense(3, 'softmax')], optimizer: { name: 'momentum', learningRate: 0.05, momentum: 0.9, nesterov: true } },
  { name: 'sigmoid, rmsprop with momentum', layers: [dense(16, 'sigmoid'), dense(3, 'softmax')], optimizer: { name: 'rmsprop', learningRate: 0.005, momentum: 0.5 } },
  { name: 'two hidden layers and an activation layer, adagrad', layers: [dense(12, 'relu'), dense(8), { activation: { activation: 'tanh' } } as LayerSpec, dense(3, 'softmax')], optimizer: { name: 'adagrad', learningRate: 0.05 } },
  { name: 'one-hot categorical cross-entropy, rmsprop', layers: [dense(16, 'relu'), dense(3, 'softmax')], optimizer: { name: 'rmsprop', learningRate: 0.005 }, loss: 'categoricalCrossentropy' },
  { name: 'regression, mean squared error, adam', layers: [dense(16, 'relu'), dense(1)], optimizer: { name: 'adam', learningRate: 0.01 }, regression: true },
];

function options(c: Case, fused: boolean): TrainOptions {
  const training: TrainingSpec = { epochs: 3, batchSize: 16, optimizer: c.optimizer, ...(c.loss ? { loss: c.loss } : {}) };
  return { tf, modelSpec: { layers: c.layers }, training, dataset: c.regression ? values : classes, seed: 4, params: {}, fused };
}

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

// Without dropout both trainers see the same batches in the same order, so they must compute the
// same function: any difference beyond float32 rounding is a wrong gradient or optimizer step.
for (const c of CASES) {
  test(`the fused trainer computes what tfjs computes: ${c.name}`, async () => {
    const fused = await trainModel(options(c, true));
    const plain = await trainModel(options(c, false));
    try {
      const keys = Object.keys(plain.history[0]!).filter((k) => k !== 'durationMs') as Array<keyof EpochLog>;
      assert.deepEqual(Object.keys(fused.history[0]!).sort(), Object.keys(plain.history[0]!).sort());
      for (let e = 0; e < plain.history.length; e++) {
        for (const k of keys) {
          const a = fused.history[e]![k] as number;
          const b = plain.history[e]![k] as number;
          assert.ok(close(a, b, 2e-4) || (Number.isNaN(a) && Number.isNaN(b)), `epoch ${e + 1} ${k}: fused ${a}, tfjs ${b}`);
        }
      }
      const fw = fused.model.getWeights().map((w) => w.dataSync());
      const pw = plain.model.getWeights().map((w) => w.dataSync());
      fw.forEach((w, i) => w.forEach((v, j) => assert.ok(close(v, pw[i]![j]!, 1e-3), `weight ${i}[${j}]: fused ${v}, tfjs ${pw[i]![j]}`)));
    } finally {
      fused.model.dispose();
      plain.model.dispose();
    }
  });
}

test('centered rmsprop trains (tfjs 4.22 takes the square root of E[g²] − E[g]² − ε, negative for small gradients)', async () => {
  const c: Case = { name: 'centered', layers: [dense(16, 'sigmoid'), dense(3, 'softmax')], optimizer: { name: 'rmsprop', learningRate: 0.005, momentum: 0.5, centered: true } };
  const r = await trainModel({ ...options(c, true), training: { ...options(c, true).training, epochs: 6 } });
  try {
    const losses = r.history.map((h) => h.loss);
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(losses[5]! < losses[0]!, `losses ${losses}`);
    assert.ok(r.model.getWeights().every((w) => w.dataSync().every(Number.isFinite)));
  } finally {
    r.model.dispose();
  }
});

test('the fused trainer is used for dense stacks only, with the losses and optimizers it implements', () => {
  const build = (layers: () => Layer[], optimizer: () => Optimizer, loss = 'sparseCategoricalCrossentropy') => {
    const model = tf.sequential({ layers: layers() });
    model.compile({ optimizer: optimizer(), loss });
    const seeds = new Map(model.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => [l as object, 1]));
    const plan = planDenseFast(model, loss, seeds);
    model.dispose();
    return plan;
  };
  const mlp = () => [tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }), tf.layers.dropout({ rate: 0.2 }), tf.layers.dense({ units: 3, activation: 'softmax' })];
  const adam = () => tf.train.adam(0.01);
  const plan = build(mlp, adam);
  assert.ok(plan);
  assert.deepEqual(plan.ops.map((o) => o.kind), ['dense', 'act', 'dropout', 'dense', 'act']);
  assert.equal(plan.loss, 'crossentropy');
  assert.equal(plan.optimizer.kind, 'Adam');
  // What it does not do goes to tfjs.
  assert.equal(build(mlp, () => tf.train.adamax(0.01)), undefined, 'adamax');
  assert.equal(build(mlp, () => tf.train.adadelta(0.01)), undefined, 'adadelta');
  assert.equal(build(mlp, adam, 'categoricalHinge'), undefined, 'hinge loss');
  assert.equal(build(() => [tf.layers.dense({ inputShape: [4], units: 8, kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }), tf.layers.dense({ units: 3, activation: 'softmax' })], adam), undefined, 'regularizer');
  assert.equal(build(() => [tf.layers.dense({ inputShape: [4], units: 8 }), tf.layers.batchNormalization(), tf.layers.dense({ units: 3, activation: 'softmax' })], adam), undefined, 'batch norm');
  assert.equal(build(() => [tf.layers.dense({ inputShape: [4], units: 8, activation: 'selu' }), tf.layers.dense({ units: 3, activation: 'softmax' })], adam), undefined, 'selu');
  assert.equal(build(() => [tf.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' }), tf.layers.dense({ units: 3, activation: 'softmax' })], adam), undefined, 'softmax not last');
  assert.equal(build(() => [tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }), tf.layers.dense({ units: 1 })], adam, 'meanAbsoluteError'), undefined, 'mae loss');
});

test('the wasm kernels multiply like the plain loop, and see a right operand changed in place', () => {
  const wasm = denseKernels(tf);
  assert.ok(wasm, 'the wasm kernels pass their self-check');
  assert.equal(wasm.name, 'wasm');
  const js = jsKernels();
  const rng = new Rng(9);
  try {
    for (const [m, k, n] of [[32, 64, 128], [7, 3, 5], [1, 9, 1]] as const) {
      const bufs = [wasm, js].map((kn) => ({ a: kn.alloc(m * k), b: kn.alloc(k * n), out: kn.alloc(m * n) }));
      const a = Float32Array.from({ length: m * k }, () => rng.normal());
      for (let round = 0; round < 2; round++) {
        const b = Float32Array.from({ length: k * n }, () => rng.normal());
        for (const [i, kn] of [wasm, js].entries()) {
          bufs[i]!.a.v.set(a);
          bufs[i]!.b.v.set(b);
          kn.matmul(bufs[i]!.a, bufs[i]!.b, bufs[i]!.out, m, k, n);
        }
        const [w, j] = [bufs[0]!.out.v, bufs[1]!.out.v];
        for (let i = 0; i < m * n; i++) assert.ok(close(w[i]!, j[i]!, 1e-4), `${m}x${k}x${n} round ${round} [${i}]: wasm ${w[i]}, js ${j[i]}`);
      }
    }
  } finally {
    wasm.dispose();
  }
});

test('the fused trainer trains on the cpu backend too (plain-loop kernels), deterministically', async () => {
  const cpu = await selectBackend('cpu');
  try {
    const c = CASES[0]!;
    const o = { ...options(c, true), tf: cpu.tf, modelSpec: { layers: [dense(16, 'relu'), { dropout: { rate: 0.3 } } as LayerSpec, dense(3, 'softmax')] } };
    const a = await trainModel(o);
    const b = await trainModel(o);
    try {
      assert.deepEqual(a.history.map(({ durationMs: _, ...r }) => r), b.history.map(({ durationMs: _, ...r }) => r));
      assert.ok(a.final['val_accuracy']! > 0.8, `val_accuracy ${a.final['val_accuracy']}`);
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
  } finally {
    await selectBackend('wasm');
  }
});
