import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { selectBackend, type Tf } from '../src/training/backend';
import { trainModel, resolveLoss, type EpochLog, type TrainOptions } from '../src/training/train';
import type { LayerSpec, TrainingSpec } from '../src/training/spec';
import { prepareDataset } from '../src/data/dataset';
import { UserError } from '../src/errors';
import { blobs, linear } from './training-fixtures';

let tf: Tf;
before(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const mlp = (hidden: number, out: number, outActivation = 'softmax'): { layers: LayerSpec[] } => ({
  layers: [
    { dense: { units: hidden, activation: 'relu' } },
    { dropout: { rate: 0.2 } },
    { dense: { units: out, activation: outActivation } } as LayerSpec,
  ],
});
const training = (over: Partial<TrainingSpec> = {}): TrainingSpec => ({
  epochs: 4,
  batchSize: 16,
  optimizer: { name: 'adam', learningRate: 0.01 },
  ...over,
});
const small = blobs({ n: 240, f: 6, k: 3, seed: 3 });

function options(over: Partial<TrainOptions> = {}): TrainOptions {
  return { tf, modelSpec: mlp(16, 3), training: training(), dataset: small, seed: 11, params: {}, ...over };
}
const withoutTime = (h: EpochLog[]) => h.map(({ durationMs, ...rest }) => (assert.ok(durationMs >= 0), rest));

test('the same seed gives identical losses and weights; another seed does not', async () => {
  const a = await trainModel(options());
  const b = await trainModel(options());
  const c = await trainModel(options({ seed: 12 }));
  try {
    assert.equal(a.history.length, 4);
    assert.deepEqual(withoutTime(a.history), withoutTime(b.history));
    assert.deepEqual(
      a.model.getWeights().map((w) => Array.from(w.dataSync())),
      b.model.getWeights().map((w) => Array.from(w.dataSync())),
    );
    assert.notEqual(a.history[3]!.loss, c.history[3]!.loss);
    // Learning happened and is reported under our names.
    const last = a.history[3]!;
    assert.ok(last.loss < a.history[0]!.loss);
    assert.ok(last.val_accuracy! > 0.9, `val_accuracy ${last.val_accuracy}`);
    assert.deepEqual(Object.keys(a.final).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    assert.equal(a.final['val_loss'], last.val_loss);
    assert.equal(last.lr, 0.01);
    assert.deepEqual(
      a.history.map((h) => h.epoch),
      [1, 2, 3, 4],
    );
    // Dropout seeds go back to the layer's own after training (what gets saved).
    assert.equal(a.model.layers[1]!.getConfig()['seed'], b.model.layers[1]!.getConfig()['seed']);
  } finally {
    [a, b, c].forEach((r) => r.model.dispose());
  }
});

test('no tensors leak across epochs or trials; the model owns its optimizer', async () => {
  const baseline = tf.memory().numTensors;
  const counts: number[] = [];
  for (let trial = 0; trial < 2; trial++) {
    const r = await trainModel(options({ seed: trial, onEpoch: () => void counts.push(tf.memory().numTensors) }));
    r.model.dispose();
    assert.equal(tf.memory().numTensors, baseline, `after trial ${trial}`);
  }
  // Constant within a trial (after the optimizer's slots appear in epoch 1).
  assert.deepEqual(counts.slice(0, 4), counts.slice(4));
  assert.equal(new Set(counts).size, 1, `tensor counts per epoch: ${counts.join(', ')}`);
});

test('a diverging run throws "loss became … at epoch n" and frees its tensors', async () => {
  const baseline = tf.memory().numTensors;
  const reg = linear({ n: 200, f: 4, seed: 1 });
  await assert.rejects(
    trainModel(
      options({
        dataset: reg,
        modelSpec: { layers: [{ dense: { units: 32, activation: 'relu' } }, { dense: { units: 1 } }] },
        training: training({ optimizer: { name: 'sgd', learningRate: 1e9 } }),
      }),
    ),
    /^Error: (val_)?loss became (NaN|Infinity|-Infinity) at epoch 1$/,
  );
  assert.equal(tf.memory().numTensors, baseline);
});

test("onEpoch returning 'stop' ends training; an abort signal rejects and frees everything", async () => {
  const stopped = await trainModel(options({ onEpoch: (log) => (log.epoch === 2 ? 'stop' : undefined) }));
  assert.equal(stopped.history.length, 2);
  assert.equal(stopped.final['loss'], stopped.history[1]!.loss);
  stopped.model.dispose();

  const baseline = tf.memory().numTensors;
  const controller = new AbortController();
  await assert.rejects(trainModel(options({ signal: controller.signal, onEpoch: () => controller.abort() })), { name: 'AbortError' });
  assert.equal(tf.memory().numTensors, baseline);
});

test('regression reports mae; loss names are checked against the task', async () => {
  const reg = linear({ n: 300, f: 3, seed: 2 });
  const r = await trainModel(
    options({ dataset: reg, modelSpec: { layers: [{ dense: { units: 1 } }] }, training: training({ epochs: 30, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.05 } }) }),
  );
  try {
    assert.deepEqual(Object.keys(r.final).sort(), ['loss', 'mae', 'val_loss', 'val_mae']);
    assert.ok(r.final['val_mae']! < 0.1, `val_mae ${r.final['val_mae']}`);
  } finally {
    r.model.dispose();
  }
  assert.equal(resolveLoss('regression', 'mse').name, 'meanSquaredError');
  assert.equal(resolveLoss('regression', 'mean_absolute_error').name, 'meanAbsoluteError');
  assert.equal(resolveLoss('classification', undefined).name, 'sparseCategoricalCrossentropy');
  assert.throws(
    () => resolveLoss('classification', 'meanSquaredError'),
    (e: unknown) => e instanceof UserError && e.location.path === 'training.loss' && /does not fit task classification: use one of squaredHinge, hinge, categoricalHinge, categoricalCrossentropy, sparseCategoricalCrossentropy/.test(e.message),
  );
});

test('one-hot losses: from the config, or compiled by a module model', async () => {
  const r = await trainModel(options({ training: training({ loss: 'categoricalCrossentropy' }) }));
  assert.ok(r.final['val_accuracy']! > 0.9);
  r.model.dispose();
  const m = await trainModel(options({ modelSpec: { module: join(__dirname, 'fixtures', 'training-model-compiled.cjs') } }));
  try {
    assert.equal(m.history[0]!.lr, 0.5, "the module's own optimizer is kept");
    assert.ok(m.final['val_accuracy']! > 0.9);
  } finally {
    m.model.dispose();
  }
});

test('conv2d models train on wasm', async () => {
  const img = blobs({ n: 120, f: 36, k: 2, seed: 5, spread: 1 });
  const spec = {
    layers: [
      { reshape: { targetShape: [6, 6, 1] } },
      { conv2d: { filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' } },
      { maxPooling2d: { poolSize: 2 } },
      { conv2d: { filters: 2, kernelSize: 2, strides: 1 } },
      { flatten: {} },
      { batchNormalization: {} },
      { dense: { units: 2, activation: 'softmax' } },
    ] as LayerSpec[],
  };
  const a = await trainModel(options({ dataset: img, modelSpec: spec, training: training({ epochs: 3 }) }));
  const b = await trainModel(options({ dataset: img, modelSpec: spec, training: training({ epochs: 3 }) }));
  try {
    assert.deepEqual(withoutTime(a.history), withoutTime(b.history));
    assert.ok(a.history[2]!.loss < a.history[0]!.loss);
  } finally {
    a.model.dispose();
    b.model.dispose();
  }
});

test('with no validation rows (fit on everything) the val_ metrics are left out', async () => {
  const all = { ...small, xTrain: Float32Array.from([...small.xTrain, ...small.xVal]), yTrain: Float32Array.from([...small.yTrain, ...small.yVal]) };
  const full = { ...all, nTrain: small.nTrain + small.nVal, xVal: new Float32Array(0), yVal: new Float32Array(0), nVal: 0 };
  const r = await trainModel(options({ dataset: full, training: training({ epochs: 2 }) }));
  r.model.dispose();
  assert.deepEqual(Object.keys(r.final).sort(), ['accuracy', 'loss']);
  assert.ok(Number.isNaN(r.history[1]!.val_loss));
});

test('epochs and batch size are checked', async () => {
  await assert.rejects(trainModel(options({ training: training({ epochs: 0 }) })), (e: unknown) => e instanceof UserError && e.location.path === 'training.epochs');
  await assert.rejects(trainModel(options({ training: training({ batchSize: 2.5 }) })), (e: unknown) => e instanceof UserError && e.location.path === 'training.batchSize');
});

test('digits (the example config): ≥ 0.95 validation accuracy in 15 epochs on wasm', async (t) => {
  const dataset = prepareDataset({
    path: resolve('examples/digits-mlp/data/digits.csv.gz'),
    header: false,
    label: -1,
    task: 'classification',
    validation: { split: 0.2, stratify: true, seed: 0 },
    scale: 'minmax',
  });
  const started = Date.now();
  const r = await trainModel({
    tf,
    dataset,
    seed: 42,
    params: {},
    modelSpec: {
      layers: [{ dense: { units: 128, activation: 'relu' } }, { dropout: { rate: 0.1 } }, { dense: { units: 10, activation: 'softmax' } }],
    },
    training: { epochs: 15, batchSize: 32, optimizer: { name: 'adam', learningRate: 3e-3 } },
  });
  const ms = Date.now() - started;
  r.model.dispose();
  assert.ok(r.final['val_accuracy']! >= 0.95, `val_accuracy ${r.final['val_accuracy']}`);
  t.diagnostic(`digits: val_accuracy ${r.final['val_accuracy']!.toFixed(4)} in ${ms} ms (15 epochs, wasm)`);
});
