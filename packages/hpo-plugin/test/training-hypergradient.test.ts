/**
 * sgd-hd and adam-hd (Baydin et al., 2018): the update against steps worked out by hand, the
 * adapted rate on a quadratic whose best rate is known, equivalence to sgd / adam at β = 0, and
 * training through model.fit on wasm (determinism, logs, leaks, saving).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, type Tf } from '../src/training/backend';
import { hypergradientOptimizers, type HypergradientOptimizer } from '../src/training/hypergradient';
import { createOptimizer } from '../src/training/optimizer';
import { trainModel, type EpochLog, type TrainOptions } from '../src/training/train';
import { loadModel, type ModelJson } from '../src/training/save';
import type { Optimizer, Tensor } from '../src/training/tf';
import type { Dataset } from '../src/data/dataset';
import { blobs } from './training-fixtures';

let tf: Tf;
before(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const near = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);

/** Runs `steps` steps of `optimizer` on loss(θ) from θ0; returns θ and the rate after each step. */
function descend(optimizer: Optimizer, theta0: number[], loss: (theta: Tensor) => Tensor, steps: number): { thetas: number[][]; rates: number[] } {
  const theta = tf.variable(tf.tensor1d(theta0));
  const thetas: number[][] = [];
  const rates: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      optimizer.minimize(() => loss(theta) as never);
      thetas.push(Array.from(theta.dataSync()));
      rates.push((optimizer as HypergradientOptimizer).learningRate);
    }
    return { thetas, rates };
  } finally {
    theta.dispose();
    optimizer.dispose();
  }
}

test('sgd-hd: two steps on f = ½(θ₁² + 4θ₂²) match the hand-derived update', () => {
  const f = (t: Tensor) => tf.mul(0.5, tf.sum(tf.mul(tf.tensor1d([1, 4]), tf.square(t))));
  const opt = hypergradientOptimizers(tf).sgdHd({ learningRate: 0.1, hypergradientLr: 0.01 });
  const { thetas, rates } = descend(opt, [1, 1], f, 2);
  // Step 1: g₁ = (1, 4); no previous update depends on α, so α₁ = 0.1; θ₁ = (1, 1) − 0.1 g₁ = (0.9, 0.6).
  near(rates[0]!, 0.1, 0, 'α₁');
  near(thetas[0]![0]!, 0.9, 1e-7, 'θ₁[0]');
  near(thetas[0]![1]!, 0.6, 1e-7, 'θ₁[1]');
  // Step 2: g₂ = (0.9, 2.4); h₂ = −g₂·g₁ = −(0.9 + 9.6) = −10.5; α₂ = 0.1 − 0.01 h₂ = 0.205;
  // θ₂ = θ₁ − 0.205 g₂ = (0.9 − 0.1845, 0.6 − 0.492) = (0.7155, 0.108).
  near(rates[1]!, 0.205, 1e-6, 'α₂');
  near(thetas[1]![0]!, 0.7155, 1e-6, 'θ₂[0]');
  near(thetas[1]![1]!, 0.108, 1e-6, 'θ₂[1]');
});

test('adam-hd: two steps on f = ½θ² match the paper\'s Algorithm 2 by hand', () => {
  const [a0, beta, b1, b2, eps] = [0.1, 0.01, 0.9, 0.999, 1e-7];
  const opt = hypergradientOptimizers(tf).adamHd({ learningRate: a0, hypergradientLr: beta, beta1: b1, beta2: b2, epsilon: eps });
  const { thetas, rates } = descend(opt, [1], (t) => tf.mul(0.5, tf.sum(tf.square(t))), 2);
  // Step 1: g₁ = θ₀ = 1; m₁ = 0.1, v₁ = 0.001; m̂₁ = v̂₁ = 1; d₁ = m̂₁/(√v̂₁ + ε); θ₁ = 1 − 0.1 d₁.
  const d1 = 1 / (1 + eps);
  const theta1 = 1 - a0 * d1;
  // Step 2: g₂ = θ₁; h₂ = g₂ · ∂u₁/∂α = −θ₁ d₁; α₂ = α₁ − β h₂.
  const alpha2 = a0 + beta * theta1 * d1;
  const m2 = b1 * (1 - b1) * 1 + (1 - b1) * theta1;
  const v2 = b2 * (1 - b2) * 1 + (1 - b2) * theta1 ** 2;
  const d2 = m2 / (1 - b1 ** 2) / (Math.sqrt(v2 / (1 - b2 ** 2)) + eps);
  const theta2 = theta1 - alpha2 * d2;
  near(rates[0]!, a0, 0, 'α₁');
  near(thetas[0]![0]!, theta1, 1e-7, 'θ₁');
  near(rates[1]!, alpha2, 1e-9, 'α₂'); // 0.109: the step was too short, so α grows
  near(thetas[1]![0]!, theta2, 1e-6, 'θ₂');
  assert.ok(Math.abs(alpha2 - 0.109) < 1e-6);
});

test('with β = 0 they are sgd and adam', () => {
  const f = (t: Tensor) => tf.sum(tf.mul(tf.tensor1d([0.5, 2, 1]), tf.square(tf.sub(t, tf.tensor1d([1, -1, 0.5])))));
  const start = [0.3, 0.2, -0.4];
  const sgd = descend(createOptimizer(tf, { name: 'sgd', learningRate: 0.05 }), start, f, 6).thetas;
  const sgdHd = descend(createOptimizer(tf, { name: 'sgd-hd', learningRate: 0.05, hypergradientLr: 0 }), start, f, 6).thetas;
  assert.deepEqual(sgdHd, sgd, 'bit for bit');
  const adam = descend(createOptimizer(tf, { name: 'adam', learningRate: 0.05 }), start, f, 6).thetas;
  const adamHd = descend(createOptimizer(tf, { name: 'adam-hd', learningRate: 0.05, hypergradientLr: 0 }), start, f, 6).thetas;
  // tfjs accumulates β₁^t in float32, we compute 1 − β₁^t in float64: the same up to float32 rounding.
  adamHd.flat().forEach((v, i) => near(v, adam.flat()[i]!, 1e-5, `adam-hd(β=0) vs adam at ${i}`));
});

test('sgd-hd on f = (a/2)‖θ‖²: the rate approaches the optimal 1/a from below and from above', () => {
  // On this quadratic, α = 1/a reaches the minimum in one step and is the best constant rate.
  // g_t·g_{t−1} = a²(1 − αa)‖θ_{t−2}‖² is positive while α < 1/a and negative above it, so
  // hypergradient descent moves α towards 1/a until θ has converged and the gradients vanish.
  const a = 4;
  const f = (t: Tensor) => tf.mul(a / 2, tf.sum(tf.square(t)));
  const start = new Array<number>(10).fill(1);
  for (const alpha0 of [0.01, 0.45]) {
    const { rates, thetas } = descend(hypergradientOptimizers(tf).sgdHd({ learningRate: alpha0, hypergradientLr: 0.0015 }), start, f, 30);
    const final = rates[rates.length - 1]!;
    near(final, 1 / a, 0.02 / a, `α₀ = ${alpha0}: adapted rate`); // within 2 %
    // Monotone approach, without overshooting.
    for (let i = 1; i < rates.length; i++) {
      if (alpha0 < 1 / a) assert.ok(rates[i]! >= rates[i - 1]! && rates[i]! <= 1 / a + 1e-3, `step ${i}: ${rates[i]}`);
      else assert.ok(rates[i]! <= rates[i - 1]! && rates[i]! >= 1 / a - 1e-3, `step ${i}: ${rates[i]}`);
    }
    // And θ converged far beyond what the starting rate alone gives in 30 steps.
    const norm = Math.hypot(...thetas[thetas.length - 1]!);
    const plain = Math.sqrt(10) * Math.abs(1 - alpha0 * a) ** 30;
    assert.ok(norm < plain * 1e-6, `‖θ‖ ${norm} vs ${plain} at a fixed α₀`);
  }
});

test('adam-hd on a quadratic: the rate grows while successive steps agree and shrinks when they overshoot', () => {
  // Adam's step is about α·sign(g) on f = ½θ², so from θ = 5 a rate of 0.01 is far too short:
  // successive gradients agree with the last direction and α grows. From a rate of 4, the second
  // step jumps past the minimum, the next gradient opposes the last direction and α shrinks.
  const f = (t: Tensor) => tf.mul(0.5, tf.sum(tf.square(t)));
  const adamHd = (learningRate: number, hypergradientLr: number) =>
    hypergradientOptimizers(tf).adamHd({ learningRate, hypergradientLr, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  const short = descend(adamHd(0.01, 1e-3), [5], f, 50);
  for (let i = 1; i < 50; i++) assert.ok(short.rates[i]! > short.rates[i - 1]!, `step ${i}: ${short.rates[i]}`);
  assert.ok(short.rates[49]! > 0.15, `rate after 50 steps ${short.rates[49]}`);
  const plain = descend(createOptimizer(tf, { name: 'adam', learningRate: 0.01 }), [5], f, 50);
  assert.ok(Math.abs(short.thetas[49]![0]!) < 1 && plain.thetas[49]![0]! > 4.4, `θ after 50 steps: ${short.thetas[49]![0]} with adam-hd, ${plain.thetas[49]![0]} with adam`);

  const long = descend(adamHd(4, 0.1), [5], f, 3);
  assert.ok(long.thetas[0]![0]! > 0 && long.thetas[1]![0]! < 0, `θ ${long.thetas.join(', ')}: the second step overshoots`);
  assert.ok(long.rates[1]! > 4 && long.rates[2]! < long.rates[1]!, `rates ${long.rates.join(', ')}`);
});

const mlp = { layers: [{ dense: { units: 16, activation: 'relu' as const } }, { dense: { units: 3, activation: 'softmax' as const } }] };
const small = blobs({ n: 240, f: 6, k: 3, seed: 3 });
const withoutTime = (h: EpochLog[]) => h.map(({ durationMs, ...rest }) => rest);

test('through model.fit on wasm: deterministic, adapted rate logged per epoch, no leaks', async () => {
  for (const optimizer of [
    { name: 'sgd-hd' as const, learningRate: 0.01, hypergradientLr: 0.001 },
    { name: 'adam-hd' as const, learningRate: 0.003, hypergradientLr: 1e-5 },
  ]) {
    const options: TrainOptions = { tf, modelSpec: mlp, training: { epochs: 6, batchSize: 16, optimizer }, dataset: small, seed: 4, params: {} };
    const baseline = tf.memory().numTensors;
    const a = await trainModel(options);
    const b = await trainModel(options);
    try {
      assert.deepEqual(withoutTime(a.history), withoutTime(b.history), `${optimizer.name}: same seed, same run`);
      const lrs = a.history.map((h) => h.lr);
      assert.equal(new Set(lrs).size, lrs.length, `${optimizer.name}: the rate changes every epoch: ${lrs.join(', ')}`);
      assert.equal(lrs[lrs.length - 1], (a.model.optimizer as unknown as HypergradientOptimizer).learningRate, 'the log shows the optimizer\'s rate');
      // Starting low on an easy problem, the rate grows, and training works.
      assert.ok(lrs[lrs.length - 1]! > optimizer.learningRate, `${optimizer.name}: ${lrs.join(', ')}`);
      assert.ok(a.final['val_accuracy']! > 0.9, `${optimizer.name}: val_accuracy ${a.final['val_accuracy']}`);
    } finally {
      a.model.dispose();
      b.model.dispose();
    }
    assert.equal(tf.memory().numTensors, baseline, `${optimizer.name}: tensors after disposing both models`);
  }
});

test('a least-squares fit (a quadratic with Hessian 4I) through trainModel: the logged rate climbs towards 1/4', async () => {
  // X = √2·[[1,1],[1,−1],[−1,1],[−1,−1]] has XᵀX = 8I, so mean squared error over these 4 rows has
  // Hessian (2/4)XᵀX = 4I: the best rate of full-batch gradient descent is 1/4. As on any
  // noise-free quadratic, the rate stops moving once the fit has converged (the gradients vanish),
  // so how close it gets depends on β times the starting distance (measured: β = 0.001, 0.0012,
  // 0.0015 end at 0.199, 0.217, 0.238 here).
  const r2 = Math.SQRT2;
  const x = Float32Array.from([r2, r2, r2, -r2, -r2, r2, -r2, -r2]);
  const w = [3, -2];
  const y = Float32Array.from([0, 1, 2, 3].map((i) => x[2 * i]! * w[0]! + x[2 * i + 1]! * w[1]!));
  const ds: Dataset = {
    task: 'regression',
    featureNames: ['a', 'b'],
    labelName: 'y',
    numFeatures: 2,
    numClasses: 1,
    xTrain: x,
    yTrain: y,
    xVal: x.slice(),
    yVal: y.slice(),
    nTrain: 4,
    nVal: 4,
    scaler: { kind: 'none', offset: [0, 0], scale: [1, 1] },
  };
  const r = await trainModel({
    tf,
    dataset: ds,
    seed: 1,
    params: {},
    modelSpec: { layers: [{ dense: { units: 1, useBias: false } }] },
    training: { epochs: 12, batchSize: 4, loss: 'meanSquaredError', optimizer: { name: 'sgd-hd', learningRate: 0.02, hypergradientLr: 0.0015 } },
  });
  r.model.dispose();
  const lrs = r.history.map((h) => h.lr);
  near(lrs[lrs.length - 1]!, 0.25, 0.025, `rates per epoch ${lrs.map((v) => v.toFixed(4)).join(', ')}`);
  // It only climbs (up to float32 noise once the gradients are ~0).
  for (let i = 1; i < lrs.length; i++) assert.ok(lrs[i]! >= lrs[i - 1]! - 1e-6, `epoch ${i + 1}: ${lrs[i]} after ${lrs[i - 1]}`);
  assert.ok(r.final['val_loss']! < 1e-6, `val_loss ${r.final['val_loss']}`);
});

test('a model compiled with sgd-hd saves with its optimizer and loads back', async () => {
  const r = await trainModel({ tf, modelSpec: mlp, training: { epochs: 2, batchSize: 32, optimizer: { name: 'sgd-hd', learningRate: 0.01 } }, dataset: small, seed: 2, params: {} });
  let saved: { modelJson: ModelJson; weights: ArrayBuffer } | undefined;
  await r.model.save(
    tf.io.withSaveHandler(async (art) => {
      saved = {
        modelJson: { format: 'layers-model', generatedBy: '', convertedBy: null, modelTopology: art.modelTopology as object, weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs! }], trainingConfig: art.trainingConfig! },
        weights: art.weightData as ArrayBuffer,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer: true },
  );
  const adapted = (r.model.optimizer as unknown as HypergradientOptimizer).learningRate;
  r.model.dispose();
  const loaded = await loadModel(tf, saved!);
  try {
    assert.equal(loaded.optimizer.getClassName(), 'SGDHD');
    assert.equal((loaded.optimizer as unknown as HypergradientOptimizer).learningRate, adapted);
    assert.equal((loaded.optimizer as unknown as HypergradientOptimizer).hypergradientLr, 0.001);
    assert.equal(loaded.optimizer.iterations, 2 * Math.ceil(small.nTrain / 32));
  } finally {
    loaded.dispose();
  }
});
