import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { selectBackend } from '../src/training/backend';
import { loadModel, type ModelArtifacts } from '../src/training/save';
import { trainModel } from '../src/training/train';
import { blobs } from './training-fixtures';

interface WorkerResult {
  backend?: string;
  losses?: number[];
  numTensors?: number;
  artifacts?: ModelArtifacts;
  error?: string;
}

/** Runs the TypeScript worker body through tsx's require, as a piscina worker would run dist JS. */
function runWorker(seed: number): Promise<WorkerResult> {
  const body = join(__dirname, 'fixtures', 'training-worker.ts');
  const code = `require('tsx/cjs/api').require(${JSON.stringify(body)}, ${JSON.stringify(__filename)});`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { seed } });
    w.once('message', (m: WorkerResult) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (c) => (c !== 0 && c !== 1 ? reject(new Error(`worker exited with ${c}`)) : undefined));
  });
}

test('training in worker threads: wasm backend, same losses as the main thread, transferable model', async () => {
  const [a, b] = await Promise.all([runWorker(5), runWorker(5)]);
  for (const r of [a, b]) {
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.backend, 'wasm');
    assert.equal(r.numTensors, 0);
    assert.equal(r.losses!.length, 3);
  }
  assert.deepEqual(a.losses, b.losses);

  // The same run in this thread gives the same losses, and the worker's model loads here.
  const { tf } = await selectBackend('wasm');
  const ds = blobs({ n: 120, f: 4, k: 2, seed: 1 });
  const here = await trainModel({
    tf,
    dataset: ds,
    seed: 5,
    params: {},
    modelSpec: { layers: [{ dense: { units: 8, activation: 'relu' } }, { dropout: { rate: 0.1 } }, { dense: { units: 2, activation: 'softmax' } }] },
    training: { epochs: 3, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } },
  });
  assert.deepEqual(
    here.history.map((h) => h.loss),
    a.losses,
  );
  const loaded = await loadModel(tf, a.artifacts!);
  const x = tf.tensor2d(ds.xVal, [ds.nVal, ds.numFeatures]);
  const p1 = here.model.predict(x) as ReturnType<typeof tf.tensor2d>;
  const p2 = loaded.predict(x) as ReturnType<typeof tf.tensor2d>;
  assert.deepEqual(Array.from(p2.dataSync()), Array.from(p1.dataSync()));
  tf.dispose([x, p1, p2]);
  loaded.dispose();
  here.model.dispose();
});
