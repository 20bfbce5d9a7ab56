import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { selectBackend, type Tf } from '../src/training/backend';
import { buildModel, type BuildContext } from '../src/training/model';
import { createOptimizer } from '../src/training/optimizer';
import type { LayerSpec, OptimizerSpec } from '../src/training/spec';
import type { LayersModel } from '../src/training/tf';
import { UserError } from '../src/errors';

let tf: Tf;
before(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const fixtures = join(__dirname, 'fixtures');
const ctx = (over: Partial<BuildContext> = {}): BuildContext => ({ inputShape: [64], numClasses: 10, task: 'classification', seed: 7, params: {}, ...over });

function weightsOf(model: LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

async function userError(p: Promise<unknown>, check: (e: UserError) => void): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    check(e);
    return true;
  });
}

test('every layer type builds, the first one takes the input shape', async () => {
  const layers: LayerSpec[] = [
    { reshape: { targetShape: [8, 8, 1] } },
    { conv2d: { filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' } },
    { conv2d: { filters: 4, kernelSize: [2, 2], strides: 2 } },
    { maxPooling2d: { poolSize: 2, strides: [1, 1] } },
    { flatten: {} },
    { dense: { units: 16, kernelRegularizer: { l2: 1e-4 }, useBias: false } },
    { batchNormalization: {} },
    { activation: { activation: 'elu' } },
    { dropout: { rate: 0.2 } },
    { dense: { units: 10, activation: 'softmax' } },
  ];
  const model = await buildModel(tf, { layers }, ctx());
  try {
    assert.deepEqual(
      model.layers.map((l) => l.getClassName()),
      ['Reshape', 'Conv2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'BatchNormalization', 'Activation', 'Dropout', 'Dense'],
    );
    assert.deepEqual(model.inputs[0]!.shape, [null, 64]);
    assert.deepEqual(model.outputs[0]!.shape, [null, 10]);
    assert.deepEqual(model.layers[2]!.outputShape, [null, 4, 4, 4]);
    assert.deepEqual(model.layers[3]!.outputShape, [null, 3, 3, 4]);
    const dense = model.layers[5]!.getConfig();
    assert.equal(dense['useBias'], false);
    assert.ok(dense['kernelRegularizer']);
    assert.equal(model.layers[8]!.getConfig()['rate'], 0.2);
  } finally {
    model.dispose();
  }
});

test('the same seed gives the same initial weights, another seed other weights', async () => {
  const spec = {
    layers: [
      { reshape: { targetShape: [8, 8, 1] } },
      { conv2d: { filters: 2, kernelSize: 3 } },
      { flatten: {} },
      { dense: { units: 12, activation: 'relu' } },
      { dense: { units: 10, activation: 'softmax' } },
    ] as LayerSpec[],
  };
  const a = await buildModel(tf, spec, ctx({ seed: 1 }));
  const b = await buildModel(tf, spec, ctx({ seed: 1 }));
  const c = await buildModel(tf, spec, ctx({ seed: 2 }));
  try {
    assert.deepEqual(weightsOf(a), weightsOf(b));
    assert.notDeepEqual(weightsOf(a)[0], weightsOf(c)[0]);
    // Layers of the same shape in one model do not share a seed.
    const twin = await buildModel(tf, { layers: [{ dense: { units: 64 } }, { dense: { units: 64 } }, { dense: { units: 10, activation: 'softmax' } }] }, ctx());
    assert.notDeepEqual(weightsOf(twin)[0], weightsOf(twin)[2]);
    twin.dispose();
  } finally {
    [a, b, c].forEach((m) => m.dispose());
  }
});

test('output width must match the classes, and classification must end in softmax', async () => {
  await userError(buildModel(tf, { layers: [{ dense: { units: 8, activation: 'softmax' } }] }, ctx()), (e) => {
    assert.equal(e.location.path, 'model.layers.0');
    assert.equal(e.message, 'the last layer has 8 units but the data has 10 classes: use units: 10 with activation: softmax');
  });
  await userError(buildModel(tf, { layers: [{ dense: { units: 4 } }, { dense: { units: 10 } }] }, ctx()), (e) => {
    assert.equal(e.location.path, 'model.layers.1');
    assert.match(e.message, /activation: softmax/);
  });
  // A trailing activation layer counts.
  const ok = await buildModel(tf, { layers: [{ dense: { units: 10 } }, { activation: { activation: 'softmax' } }] }, ctx());
  ok.dispose();
  await userError(buildModel(tf, { layers: [{ dense: { units: 3 } }] }, ctx({ task: 'regression', numClasses: 1 })), (e) =>
    assert.equal(e.message, 'the last layer has 3 units but regression predicts one value: use units: 1'),
  );
  await userError(buildModel(tf, { layers: [{ reshape: { targetShape: [8, 8] } }, { dense: { units: 1 } }] }, ctx({ task: 'regression', numClasses: 1 })), (e) =>
    assert.match(e.message, /output has shape \[null, 8, 1\]; it must be \[batch, 1\] \(add a flatten layer\?\)/),
  );
});

test('bad layer specs are UserErrors at the layer', async () => {
  await userError(buildModel(tf, { layers: [{ lstm: { units: 3 } } as unknown as LayerSpec] }, ctx()), (e) => {
    assert.equal(e.location.path, 'model.layers.0');
    assert.match(e.message, /^unknown layer type 'lstm': use one of dense, dropout/);
  });
  await userError(buildModel(tf, { layers: [{ dense: { units: 10, activation: 'softmaxx' } } as unknown as LayerSpec] }, ctx()), (e) => {
    assert.equal(e.location.path, 'model.layers.0.dense.activation');
    assert.match(e.message, /^unknown activation 'softmaxx'/);
  });
  await userError(buildModel(tf, { layers: [{ reshape: { targetShape: [7, 7] } }, { flatten: {} }, { dense: { units: 10, activation: 'softmax' } }] }, ctx()), (e) => {
    assert.equal(e.location.path, 'model.layers.0.reshape.targetShape');
    assert.equal(e.message, 'cannot reshape [64] (64 values) to [7, 7]');
  });
  // Errors tfjs raises while building are wrapped with the layer's position.
  await userError(buildModel(tf, { layers: [{ reshape: { targetShape: [8, 8, 1] } }, { conv2d: { filters: 2, kernelSize: 9 } }] }, ctx()), (e) => {
    assert.equal(e.location.path, 'model.layers.1');
    assert.equal(e.message, "conv2d: its output shape [0, 0, 2] is empty: the input is smaller than the kernel or pool");
  });
  const inferred = await buildModel(tf, { layers: [{ reshape: { targetShape: [-1, 8] } }, { flatten: {} }, { dense: { units: 10, activation: 'softmax' } }] }, ctx());
  inferred.dispose();
  await userError(buildModel(tf, { layers: [] }, ctx()), (e) => assert.equal(e.location.path, 'model.layers'));
  // Keras spellings are accepted.
  const m = await buildModel(tf, { layers: [{ dense: { units: 10, activation: 'hard_sigmoid' } } as unknown as LayerSpec, { activation: { activation: 'softmax' } }] }, ctx());
  assert.equal(m.layers[0]!.getConfig()['activation'], 'hardSigmoid');
  m.dispose();
});

test('module models: .js, .mjs (default export) and .ts all build with params and options', async () => {
  for (const file of ['training-model.js', 'training-model.mjs', 'training-model.ts']) {
    const model = await buildModel(tf, { module: join(fixtures, file), options: { units: 5 } }, ctx({ params: { units: 6 } }));
    try {
      assert.deepEqual(model.outputs[0]!.shape, [null, 10], file);
      assert.deepEqual(model.layers.at(-2)?.outputShape ?? model.layers[0]!.outputShape, [null, 6], file);
    } finally {
      model.dispose();
    }
  }
  const fromOptions = await buildModel(tf, { module: join(fixtures, 'training-model.ts'), options: { units: 5 } }, ctx());
  assert.deepEqual(fromOptions.layers[0]!.outputShape, [null, 5]);
  fromOptions.dispose();
});

test('module model errors are UserErrors at model.module', async () => {
  const at = (file: string) => ({ module: join(fixtures, file) });
  await userError(buildModel(tf, at('missing.js'), ctx()), (e) => {
    assert.equal(e.location.path, 'model.module');
    assert.match(e.message, /cannot load model module .*missing\.js: file not found/);
  });
  await userError(buildModel(tf, at('training-model-nobuild.js'), ctx()), (e) => assert.match(e.message, /must export a function build\(params/));
  await userError(buildModel(tf, at('training-model-throws.js'), ctx()), (e) => assert.match(e.message, /build\(\) in .* failed: units must be even/));
  await userError(buildModel(tf, at('training-model-notmodel.js'), ctx()), (e) => assert.match(e.message, /must return a tf\.LayersModel .*got Object/));
  await userError(buildModel(tf, at('training-model-fixed.js'), ctx()), (e) =>
    assert.match(e.message, /returned a model taking inputs of shape \[3\], but the data rows have shape \[64\]/),
  );
  await userError(buildModel(tf, at('training-model-fixed.js'), ctx({ inputShape: [3] })), (e) => {
    assert.equal(e.location.path, 'model.module');
    assert.equal(e.message, 'the last layer has 2 units but the data has 10 classes: use units: 10 with activation: softmax');
  });
});

test('optimizers get their documented defaults', () => {
  const make = (spec: OptimizerSpec) => {
    const o = createOptimizer(tf, spec);
    const c = o.getConfig();
    o.dispose();
    return { name: o.getClassName(), ...c };
  };
  assert.deepEqual(make({ name: 'sgd', learningRate: 0.1 }), { name: 'SGD', learningRate: 0.1 });
  assert.deepEqual(make({ name: 'momentum', learningRate: 0.1 }), { name: 'Momentum', learningRate: 0.1, momentum: 0.9, useNesterov: false });
  assert.deepEqual(make({ name: 'momentum', learningRate: 0.1, momentum: 0.5, nesterov: true }), {
    name: 'Momentum',
    learningRate: 0.1,
    momentum: 0.5,
    useNesterov: true,
  });
  assert.deepEqual(make({ name: 'adam', learningRate: 0.01 }), { name: 'Adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  assert.deepEqual(make({ name: 'rmsprop', learningRate: 0.01 }), {
    name: 'RMSProp',
    learningRate: 0.01,
    decay: 0.9,
    momentum: 0,
    epsilon: 1e-7,
    centered: false,
  });
  assert.deepEqual(make({ name: 'adagrad', learningRate: 0.01 }), { name: 'Adagrad', learningRate: 0.01, initialAccumulatorValue: 0.1 });
  assert.throws(
    () => createOptimizer(tf, { name: 'adam', learningRate: 0 }),
    (e: unknown) => e instanceof UserError && e.location.path === 'training.optimizer.learningRate' && /must be a number in \(0, ∞\), got 0/.test(e.message),
  );
  assert.throws(() => createOptimizer(tf, { name: 'adam', learningRate: 0.1, beta1: 1 }), /beta1 must be a number in \[0, 1\)/);
  assert.throws(
    () => createOptimizer(tf, { name: 'lion' as 'adam', learningRate: 0.1 }),
    (e: unknown) => e instanceof UserError && e.location.path === 'training.optimizer.name' && /sgd, momentum, adam, adamax, rmsprop, adagrad, adadelta, sgd-hd, adam-hd$/.test(e.message),
  );
});
