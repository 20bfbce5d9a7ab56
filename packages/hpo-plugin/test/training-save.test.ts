import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, type Tf } from '../src/training/backend';
import { loadModel, serializeModel, writeModel } from '../src/training/save';
import { trainModel } from '../src/training/train';
import type { LayerSpec } from '../src/training/spec';
import { blobs } from './training-fixtures';

let tf: Tf;
before(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const layers: LayerSpec[] = [
  { reshape: { targetShape: [2, 4, 1] } },
  { conv2d: { filters: 2, kernelSize: 2, padding: 'same', activation: 'relu' } },
  { flatten: {} },
  { dense: { units: 12, activation: 'tanh', kernelRegularizer: { l2: 1e-3 } } },
  { batchNormalization: {} },
  { dropout: { rate: 0.3 } },
  { dense: { units: 3, activation: 'softmax' } },
];

test('serialize → write → load gives a model with the same predictions', async () => {
  const ds = blobs({ n: 160, f: 8, k: 3, seed: 9 });
  const { model } = await trainModel({
    tf,
    dataset: ds,
    seed: 4,
    params: {},
    modelSpec: { layers },
    training: { epochs: 2, batchSize: 16, optimizer: { name: 'rmsprop', learningRate: 0.01 } },
  });
  const x = tf.tensor2d(ds.xVal, [ds.nVal, ds.numFeatures]);
  const before = model.predict(x) as ReturnType<Tf['tensor2d']>;
  const artifacts = await serializeModel(model);
  model.dispose();

  // Plain data plus one buffer: survives a structured clone with the buffer transferred.
  assert.ok(artifacts.weights instanceof ArrayBuffer);
  const { modelJson, weights } = structuredClone(artifacts, { transfer: [artifacts.weights] });
  assert.equal(artifacts.weights.byteLength, 0, 'the buffer was transferred');
  assert.equal(modelJson.format, 'layers-model');
  assert.deepEqual(modelJson.weightsManifest[0]!.paths, ['weights.bin']);

  const dir = join(mkdtempSync(join(tmpdir(), 'hpo-save-')), 'best-model');
  writeModel(dir, { modelJson, weights });
  const onDisk = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  assert.deepEqual(onDisk.weightsManifest[0].paths, ['weights.bin']);
  assert.equal(statSync(join(dir, 'weights.bin')).size, weights.byteLength);
  const total = onDisk.weightsManifest[0].weights.reduce((n: number, w: { shape: number[] }) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(total, weights.byteLength);

  const loaded = await loadModel(tf, dir);
  const after = loaded.predict(x) as ReturnType<Tf['tensor2d']>;
  assert.deepEqual(Array.from(after.dataSync()), Array.from(before.dataSync()));
  assert.deepEqual(
    loaded.layers.map((l) => l.getClassName()),
    ['Reshape', 'Conv2D', 'Flatten', 'Dense', 'BatchNormalization', 'Dropout', 'Dense'],
  );
  tf.dispose([x, before, after]);
  loaded.dispose();
});
