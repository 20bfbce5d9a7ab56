/**
 * Schedules inside trainModel: the rate each epoch logs is the one the schedule gives for the
 * epoch's last batch, the optimizer really trains with it, and without a schedule (or with
 * `constant`) nothing changes.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { selectBackend, type Tf } from '../src/training/backend';
import { trainModel, type EpochLog, type TrainOptions } from '../src/training/train';
import { observePlateau, scheduleLr, startPlateau } from '../src/training/schedule';
import type { LayerSpec, OptimizerName, TrainingSpec } from '../src/training/spec';
import { UserError } from '../src/errors';
import { blobs } from './training-fixtures';

let tf: Tf;
before(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const small = blobs({ n: 240, f: 6, k: 3, seed: 3 }); // 180 training rows
const mlp = { layers: [{ dense: { units: 16, activation: 'relu' } }, { dropout: { rate: 0.2 } }, { dense: { units: 3, activation: 'softmax' } }] as LayerSpec[] };
const training = (over: Partial<TrainingSpec> = {}): TrainingSpec => ({ epochs: 5, batchSize: 16, optimizer: { name: 'sgd', learningRate: 0.05 }, ...over });
const options = (over: Partial<TrainOptions> = {}): TrainOptions => ({ tf, modelSpec: mlp, training: training(), dataset: small, seed: 7, params: {}, ...over });
const withoutTime = (h: EpochLog[]) => h.map(({ durationMs, ...rest }) => rest);
const STEPS_PER_EPOCH = Math.ceil(small.nTrain / 16); // 12

async function run(over: Partial<TrainOptions>): Promise<EpochLog[]> {
  const r = await trainModel(options(over));
  r.model.dispose();
  return r.history;
}

test('a constant schedule trains exactly as no schedule (sgd sets a tensor, adam a field)', async () => {
  for (const name of ['sgd', 'adam'] as const) {
    const optimizer = { name, learningRate: 0.01 };
    const plain = await run({ training: training({ optimizer }) });
    const constant = await run({ training: training({ optimizer, schedule: { name: 'constant' } }) });
    assert.deepEqual(withoutTime(constant), withoutTime(plain), name);
  }
});

test('step decay: the logged rate halves every 2 epochs and the optimizer trains with it', async () => {
  for (const name of ['sgd', 'adam'] as const) {
    const stepped = await run({ training: training({ optimizer: { name, learningRate: 0.04 }, schedule: { name: 'step', every: 2, gamma: 0.5 } }) });
    assert.deepEqual(stepped.map((h) => h.lr), [0.04, 0.04, 0.02, 0.02, 0.01], name);
    const plain = await run({ training: training({ optimizer: { name, learningRate: 0.04 } }) });
    // The first two epochs are the same run; from the third on, the smaller rate shows.
    assert.deepEqual(withoutTime(stepped).slice(0, 2), withoutTime(plain).slice(0, 2).map((h) => ({ ...h })), name);
    assert.notEqual(stepped[2]!.loss, plain[2]!.loss, name);
  }
});

test('a rate of almost 0 from epoch 2 on freezes the weights, for every optimizer', async () => {
  // gamma 1e-30: epoch 1 trains at 0.05, later epochs at 5e-32, which leaves float32 weights as
  // they are, so every later epoch validates the same model.
  const names: OptimizerName[] = ['sgd', 'momentum', 'adam', 'adamax', 'rmsprop', 'adagrad', 'adadelta'];
  for (const name of names) {
    const h = await run({ training: training({ epochs: 3, optimizer: { name, learningRate: 0.05 }, schedule: { name: 'step', every: 1, gamma: 1e-30 } }) });
    assert.equal(h[1]!.lr, 0.05 * 1e-30, name);
    assert.equal(h[1]!.val_loss, h[0]!.val_loss, `${name}: epoch 2 changed the model`);
    assert.equal(h[2]!.val_loss, h[0]!.val_loss, `${name}: epoch 3 changed the model`);
  }
});

test('per-batch cosine with warm-up: each epoch logs the rate of its last batch', async () => {
  const schedule = { name: 'cosine' as const, warmup: { epochs: 1 }, minFactor: 0.1 };
  const h = await run({ training: training({ epochs: 4, optimizer: { name: 'adam', learningRate: 0.01 }, schedule }) });
  const expected = scheduleLr(schedule, 0.01, { epochs: 4, stepsPerEpoch: STEPS_PER_EPOCH });
  h.forEach((log) => assert.equal(log.lr, expected(log.epoch * STEPS_PER_EPOCH - 1), `epoch ${log.epoch}`));
  assert.equal(h[0]!.lr, 0.01, 'the warm-up ends at learningRate');
  assert.ok(h[3]!.lr < h[2]!.lr && h[2]!.lr < h[1]!.lr && h[3]!.lr > 0.001, h.map((l) => l.lr).join(', '));
});

test('reduceOnPlateau: the rate follows the validation metric epoch by epoch', async () => {
  const schedule = { name: 'reduceOnPlateau' as const, metric: 'val_accuracy' as const, patience: 1, factor: 0.5, minDelta: 0 };
  const h = await run({ training: training({ epochs: 8, optimizer: { name: 'sgd', learningRate: 0.05 }, schedule }) });
  // Replaying the pure function over the logged metric gives the logged rates.
  let state = startPlateau(0.05);
  for (const log of h) {
    assert.equal(log.lr, state.lr, `epoch ${log.epoch}`);
    state = observePlateau(state, log.val_accuracy!, { direction: 'maximize', factor: 0.5, patience: 1, minDelta: 0, cooldown: 0, minLr: 0 });
  }
  assert.ok(new Set(h.map((l) => l.lr)).size > 1, `some reduction happened: ${h.map((l) => `${l.val_accuracy}@${l.lr}`).join(', ')}`);
});

test("a module's own compiled optimizer is scheduled from its own rate", async () => {
  const h = await run({
    modelSpec: { module: join(__dirname, 'fixtures', 'training-model-compiled.cjs') },
    training: training({ epochs: 3, schedule: { name: 'exponential', gamma: 0.5 } }),
  });
  assert.deepEqual(h.map((l) => l.lr), [0.5, 0.25, 0.125]);
});

test('deterministic and leak-free with a per-batch schedule on SGD (a new rate tensor every batch)', async () => {
  const schedule = { name: 'exponential' as const, gamma: 0.7, per: 'batch' as const };
  const baseline = tf.memory().numTensors;
  const counts: number[] = [];
  const a = await run({ training: training({ schedule }), onEpoch: () => void counts.push(tf.memory().numTensors) });
  const b = await run({ training: training({ schedule }) });
  assert.deepEqual(withoutTime(a), withoutTime(b));
  assert.equal(tf.memory().numTensors, baseline);
  assert.equal(new Set(counts).size, 1, `tensors per epoch: ${counts.join(', ')}`);
});

test('schedules are checked when training starts, at the offending key', async () => {
  await assert.rejects(
    trainModel(options({ training: training({ optimizer: { name: 'sgd-hd', learningRate: 0.01 }, schedule: { name: 'constant' } }) })),
    (e: unknown) => e instanceof UserError && e.location.path === 'training.schedule' && /sgd-hd adapts the learning rate itself/.test(e.message),
  );
  await assert.rejects(
    trainModel(options({ training: training({ schedule: { name: 'cosine', warmup: { epochs: 5 } } }) })),
    (e: unknown) => e instanceof UserError && e.location.path === 'training.schedule.warmup.epochs',
  );
  const baseline = tf.memory().numTensors;
  await assert.rejects(trainModel(options({ training: training({ schedule: { name: 'step' } as TrainingSpec['schedule'] }) })), UserError);
  assert.equal(tf.memory().numTensors, baseline);
});
