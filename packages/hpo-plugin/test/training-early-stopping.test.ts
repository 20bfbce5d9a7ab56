/**
 * Early stopping inside trainModel: where it stops and why is in the epoch logs, the best epoch's
 * weights come back (restoreBest), and it frees what it keeps.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, type Tf } from '../src/training/backend';
import { trainModel, type EpochLog, type TrainOptions } from '../src/training/train';
import { EARLY_STOPPING_START, earlyStoppingOptions, observeEpoch } from '../src/training/early-stopping';
import type { EarlyStoppingSpec, LayerSpec, TrainingSpec } from '../src/training/spec';
import type { LayersModel } from '../src/training/tf';
import { UserError } from '../src/errors';
import { blobs } from './training-fixtures';

let tf: Tf;
before(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const small = blobs({ n: 240, f: 6, k: 3, seed: 3 });
const mlp = { layers: [{ dense: { units: 16, activation: 'relu' } }, { dropout: { rate: 0.2 } }, { dense: { units: 3, activation: 'softmax' } }] as LayerSpec[] };
const training = (over: Partial<TrainingSpec> = {}): TrainingSpec => ({ epochs: 8, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 }, ...over });
const options = (over: Partial<TrainOptions> = {}): TrainOptions => ({ tf, modelSpec: mlp, training: training(), dataset: small, seed: 9, params: {}, ...over });
const weightsOf = (m: LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));
const withoutTime = (h: EpochLog[]) => h.map(({ durationMs, ...rest }) => rest);

test('stops after `patience` epochs without improvement; the logs say where and which epoch is kept', async () => {
  // minDelta 10: no epoch after the first improves val_loss by that much.
  const r = await trainModel(options({ training: training({ earlyStopping: { patience: 2, minDelta: 10 } }) }));
  const once = await trainModel(options({ training: training({ epochs: 1 }) }));
  try {
    assert.deepEqual(r.history.map((h) => h.epoch), [1, 2, 3]);
    assert.deepEqual(r.history.map((h) => h.bestEpoch), [1, 1, 1]);
    assert.deepEqual(r.history.map((h) => h.earlyStopped), [undefined, undefined, 1]);
    // restoreBest (the default): epoch 1's weights and metrics.
    assert.deepEqual(weightsOf(r.model), weightsOf(once.model));
    assert.deepEqual(r.final, once.final);
    assert.equal(r.final['val_loss'], r.history[0]!.val_loss);
    assert.ok(!('bestEpoch' in r.final) && !('earlyStopped' in r.final));
  } finally {
    r.model.dispose();
    once.model.dispose();
  }
});

test('restoreBest: false keeps the last epoch trained', async () => {
  const r = await trainModel(options({ training: training({ earlyStopping: { patience: 2, minDelta: 10, restoreBest: false } }) }));
  const three = await trainModel(options({ training: training({ epochs: 3 }) }));
  try {
    assert.equal(r.history.length, 3);
    assert.deepEqual(weightsOf(r.model), weightsOf(three.model));
    assert.deepEqual(r.final, three.final);
    assert.deepEqual(withoutTime(r.history).map(({ bestEpoch, earlyStopped, ...rest }) => rest), withoutTime(three.history));
  } finally {
    r.model.dispose();
    three.model.dispose();
  }
});

test('the trainer follows the bookkeeping on a real metric, maximised or minimised', async () => {
  for (const spec of [{ metric: 'val_accuracy', patience: 1 }, { metric: 'loss', patience: 0, minDelta: 0.05 }] as EarlyStoppingSpec[]) {
    const r = await trainModel(options({ training: training({ epochs: 12, optimizer: { name: 'sgd', learningRate: 0.3 }, earlyStopping: spec }) }));
    const o = earlyStoppingOptions(spec);
    let state = EARLY_STOPPING_START;
    let stoppedAt = 0;
    for (const log of r.history) {
      const step = observeEpoch(state, log.epoch, (log as unknown as Record<string, number>)[o.metric]!, o);
      state = step.state;
      assert.equal(log.bestEpoch, state.bestEpoch, `${o.metric} epoch ${log.epoch}`);
      if (step.stop) stoppedAt = log.epoch;
    }
    const last = r.history[r.history.length - 1]!;
    assert.equal(stoppedAt === 0 ? 12 : stoppedAt, last.epoch, `${o.metric}: stopped where the bookkeeping says`);
    assert.equal(last.earlyStopped, stoppedAt === 0 ? undefined : 1);
    assert.equal(r.final[o.metric], (r.history[state.bestEpoch - 1] as unknown as Record<string, number>)[o.metric]);
    r.model.dispose();
  }
});

test('deterministic, and no tensors leak (the kept weights are freed, on success and on failure)', async () => {
  const spec = training({ earlyStopping: { metric: 'val_accuracy', patience: 3 } });
  const baseline = tf.memory().numTensors;
  const counts: number[] = [];
  const a = await trainModel(options({ training: spec, onEpoch: () => void counts.push(tf.memory().numTensors) }));
  const b = await trainModel(options({ training: spec }));
  assert.deepEqual(withoutTime(a.history), withoutTime(b.history));
  assert.deepEqual(weightsOf(a.model), weightsOf(b.model));
  a.model.dispose();
  b.model.dispose();
  assert.equal(tf.memory().numTensors, baseline);
  assert.equal(new Set(counts).size, 1, `tensors per epoch: ${counts.join(', ')}`);
  // Aborted mid-run with weights kept.
  const controller = new AbortController();
  await assert.rejects(trainModel(options({ training: spec, signal: controller.signal, onEpoch: (l) => (l.epoch === 2 ? controller.abort() : undefined) })), { name: 'AbortError' });
  assert.equal(tf.memory().numTensors, baseline);
});

test('a criterion met on the last epoch cuts nothing short: no earlyStopped mark', async () => {
  const r = await trainModel(options({ training: training({ epochs: 3, earlyStopping: { patience: 2, minDelta: 10 } }) }));
  r.model.dispose();
  assert.equal(r.history.length, 3);
  assert.deepEqual(r.history.map((h) => h.earlyStopped), [undefined, undefined, undefined]);
  assert.equal(r.final['val_loss'], r.history[0]!.val_loss, 'the best epoch is still restored');
});

test('a pruner stopping the trial still gets the best epoch back', async () => {
  const r = await trainModel(options({ training: training({ earlyStopping: { patience: 5, minDelta: 10 } }), onEpoch: (l) => (l.epoch === 3 ? 'stop' : undefined) }));
  try {
    assert.equal(r.history.length, 3);
    assert.equal(r.history[2]!.earlyStopped, undefined);
    assert.equal(r.final['val_loss'], r.history[0]!.val_loss);
  } finally {
    r.model.dispose();
  }
});

test('without validation rows a val_ metric cannot be watched: every epoch trains', async () => {
  const all = {
    ...small,
    xTrain: Float32Array.from([...small.xTrain, ...small.xVal]),
    yTrain: Float32Array.from([...small.yTrain, ...small.yVal]),
    nTrain: small.nTrain + small.nVal,
    xVal: new Float32Array(0),
    yVal: new Float32Array(0),
    nVal: 0,
  };
  const r = await trainModel(options({ dataset: all, training: training({ epochs: 4, earlyStopping: { patience: 0, minDelta: 10 } }) }));
  r.model.dispose();
  assert.equal(r.history.length, 4);
  assert.ok(r.history.every((h) => h.bestEpoch === undefined));
  // A metric that is not reported at all is the user's mistake.
  await assert.rejects(
    trainModel(options({ training: training({ earlyStopping: { metric: 'val_mae' } }) })),
    (e: unknown) => e instanceof UserError && e.location.path === 'training.earlyStopping.metric' && /reports no 'val_mae'/.test(e.message),
  );
});
