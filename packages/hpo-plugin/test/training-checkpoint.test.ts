import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, type Tf } from '../src/training/backend';
import { trainModel, type EpochLog, type TrainOptions, type TrainResult } from '../src/training/train';
import { deserializeCheckpoint, serializeCheckpoint, type TrainingCheckpoint } from '../src/training/checkpoint';
import type { LayerSpec, TrainingSpec } from '../src/training/spec';
import { blobs } from './training-fixtures';

let tf: Tf;
before(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const modelSpec: { layers: LayerSpec[] } = {
  layers: [
    { dense: { units: 12, activation: 'relu' } },
    { dropout: { rate: 0.25 } },
    { dense: { units: 3, activation: 'softmax' } } as LayerSpec,
  ],
};
const data = blobs({ n: 200, f: 5, k: 3, seed: 7, spread: 1.2 });

function options(training: Partial<TrainingSpec>, over: Partial<TrainOptions> = {}): TrainOptions {
  return {
    tf,
    modelSpec,
    training: { epochs: 6, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 }, ...training },
    dataset: data,
    seed: 5,
    params: {},
    ...over,
  };
}

const curve = (h: EpochLog[]) => h.map(({ durationMs: _, ...rest }) => rest);
const weightsOf = (r: TrainResult) => r.model.getWeights().map((w) => Array.from(w.dataSync()));

/** Through the disk format: JSON text and a copied buffer, as a store would keep them. */
function roundTrip(cp: TrainingCheckpoint): TrainingCheckpoint {
  const { json, data: bytes } = serializeCheckpoint(cp);
  return deserializeCheckpoint({ json: JSON.parse(JSON.stringify(json)) as Record<string, unknown>, data: bytes.slice(0) });
}

/** Trains `stopAt` epochs (stopped by onEpoch), checkpoints, and resumes to training.epochs. */
async function stopAndResume(o: TrainOptions, stopAt: number): Promise<{ first: TrainResult; resumed: TrainResult }> {
  const first = await trainModel({ ...o, checkpoint: true, onEpoch: (log) => (log.epoch === stopAt ? 'stop' : undefined) });
  first.model.dispose();
  assert.ok(first.checkpoint);
  const resumed = await trainModel({ ...o, resumeFrom: roundTrip(first.checkpoint) });
  return { first, resumed };
}

const CASES: Array<[string, Partial<TrainingSpec>]> = [
  ['adam', {}],
  ['sgd with momentum', { optimizer: { name: 'momentum', learningRate: 0.05, momentum: 0.9 } }],
  ['sgd with cosine + warm-up', { optimizer: { name: 'sgd', learningRate: 0.2 }, schedule: { name: 'cosine', warmup: { epochs: 1 } } }],
  ['sgd-hd', { optimizer: { name: 'sgd-hd', learningRate: 0.05, hypergradientLr: 0.001 } }],
  ['adam-hd', { optimizer: { name: 'adam-hd', learningRate: 0.01, hypergradientLr: 1e-5 } }],
  ['adamax', { optimizer: { name: 'adamax', learningRate: 0.02 } }],
  ['rmsprop (centered, momentum)', { optimizer: { name: 'rmsprop', learningRate: 0.005, momentum: 0.5, centered: true } }],
  ['adagrad', { optimizer: { name: 'adagrad', learningRate: 0.1 } }],
  ['adadelta', { optimizer: { name: 'adadelta', learningRate: 1 } }],
  [
    'reduceOnPlateau + early stopping (restoreBest)',
    {
      optimizer: { name: 'sgd', learningRate: 0.3 },
      schedule: { name: 'reduceOnPlateau', metric: 'loss', patience: 1, factor: 0.5, minDelta: 0.05 },
      earlyStopping: { metric: 'val_loss', patience: 10, restoreBest: true },
    },
  ],
];

for (const [name, training] of CASES) {
  test(`${name}: stopped at epoch 3, checkpointed, serialised and resumed, it trains the same 6 epochs bit for bit`, async () => {
    const before = tf.memory().numTensors;
    const o = options(training);
    const straight = await trainModel(o);
    // tfjs 4.22's Momentum.dispose() forgets SGD's learning-rate scalar: one tensor per optimizer
    // that is no checkpoint's doing; resuming must leak no more per run than a plain training does.
    const straightWeights = weightsOf(straight);
    straight.model.dispose();
    const plainLeak = tf.memory().numTensors - before;
    const { first, resumed } = await stopAndResume(o, 3);
    try {
      assert.equal(first.checkpoint!.epoch, 3);
      assert.equal(first.history.length, 3);
      assert.equal(straight.history.length, 6);
      assert.deepEqual(curve(resumed.history), curve(straight.history));
      assert.deepEqual(resumed.final, straight.final);
      assert.deepEqual(weightsOf(resumed), straightWeights);
      // The run learned something after the resume (the comparison is not between two idle runs).
      assert.notEqual(straight.history[5]!.loss, straight.history[2]!.loss);
      if (training.earlyStopping) assert.ok(first.checkpoint!.earlyStopping?.best, 'restoreBest keeps the best weights in the checkpoint');
    } finally {
      resumed.model.dispose();
    }
    assert.equal(tf.memory().numTensors - before, 3 * plainLeak, 'tensors leaked');
    assert.equal(plainLeak, training.optimizer?.name === 'momentum' ? 1 : 0);
  });
}

test('resuming from every epoch of a run gives the same curve; a checkpoint of a checkpoint too', async () => {
  const o = options({ optimizer: { name: 'sgd-hd', learningRate: 0.05, hypergradientLr: 0.001 }, epochs: 5 });
  const straight = await trainModel(o);
  const expected = curve(straight.history);
  straight.model.dispose();
  for (const stopAt of [1, 4, 5]) {
    const { resumed } = await stopAndResume(o, stopAt);
    resumed.model.dispose();
    assert.deepEqual(curve(resumed.history), expected, `stopped at ${stopAt}`);
  }
  // 2 epochs, resume to 3 (a budget of 3), checkpoint again, resume to 5.
  const a = await trainModel({ ...o, checkpoint: true, onEpoch: (l) => (l.epoch === 2 ? 'stop' : undefined) });
  a.model.dispose();
  const b = await trainModel({ ...o, training: { ...o.training, epochs: 3 }, checkpoint: true, resumeFrom: roundTrip(a.checkpoint!) });
  b.model.dispose();
  assert.equal(b.checkpoint!.epoch, 3);
  const c = await trainModel({ ...o, resumeFrom: roundTrip(b.checkpoint!) });
  c.model.dispose();
  assert.deepEqual(curve(c.history), expected);
});

test('a larger epoch budget continues a shorter run exactly; a checkpoint at the budget trains nothing more', async () => {
  const o = options({});
  const straight = await trainModel(o);
  straight.model.dispose();
  const short = await trainModel({ ...o, training: { ...o.training, epochs: 3 }, checkpoint: true });
  short.model.dispose();
  const same = await trainModel({ ...o, training: { ...o.training, epochs: 3 }, resumeFrom: roundTrip(short.checkpoint!) });
  assert.deepEqual(curve(same.history), curve(short.history));
  same.model.dispose();
  const longer = await trainModel({ ...o, resumeFrom: roundTrip(short.checkpoint!) });
  longer.model.dispose();
  assert.deepEqual(curve(longer.history), curve(straight.history));
});

test('a run that early stopping ended resumes to the same result without training further', async () => {
  const o = options({ optimizer: { name: 'adam', learningRate: 0.05 }, epochs: 12, earlyStopping: { metric: 'loss', patience: 1, minDelta: 0.05 } });
  const straight = await trainModel({ ...o, checkpoint: true });
  try {
    assert.ok(straight.history.length < 12, `early stopping should end this run (${straight.history.length} epochs)`);
    assert.equal(straight.checkpoint!.stoppedEarly, true);
    let epochs = 0;
    const resumed = await trainModel({ ...o, resumeFrom: roundTrip(straight.checkpoint!), onEpoch: () => void epochs++ });
    assert.equal(epochs, 0);
    assert.deepEqual(curve(resumed.history), curve(straight.history));
    assert.deepEqual(resumed.final, straight.final);
    assert.deepEqual(weightsOf(resumed), weightsOf(straight));
    resumed.model.dispose();
  } finally {
    straight.model.dispose();
  }
});

test('training on everything (NaN val_loss) survives serialisation and resumes exactly', async () => {
  const all = { ...data, nVal: 0, xVal: new Float32Array(0), yVal: new Float32Array(0) };
  const o = options({ optimizer: { name: 'momentum', learningRate: 0.05 } }, { dataset: all });
  const straight = await trainModel(o);
  straight.model.dispose();
  assert.ok(Number.isNaN(straight.history[0]!.val_loss));
  const { first, resumed } = await stopAndResume(o, 2);
  resumed.model.dispose();
  const text = JSON.stringify(serializeCheckpoint(first.checkpoint!).json);
  assert.ok(!text.includes('null'), 'NaN must not become null');
  assert.deepEqual(curve(resumed.history), curve(straight.history));
});

test('a checkpoint is refused by a training it does not fit', async () => {
  const o = options({ optimizer: { name: 'sgd', learningRate: 0.2 }, schedule: { name: 'cosine' }, epochs: 4 });
  const first = await trainModel({ ...o, checkpoint: true, onEpoch: (l) => (l.epoch === 2 ? 'stop' : undefined) });
  first.model.dispose();
  const cp = first.checkpoint!;
  const before = tf.memory().numTensors;
  const refused: Array<[string, Partial<TrainOptions>, RegExp]> = [
    ['another seed', { seed: 6 }, /another seed/],
    ['another learning rate', { training: { ...o.training, optimizer: { name: 'sgd', learningRate: 0.1 } } }, /another training/],
    // A cosine without a period spans training.epochs: another budget changes every rate.
    ['another budget under cosine', { training: { ...o.training, epochs: 6 } }, /its epochs set the schedule/],
    ['another model', { modelSpec: { layers: [{ dense: { units: 3, activation: 'softmax' } } as LayerSpec] } }, /another model/],
    ['a budget below the checkpoint', { training: { ...o.training, epochs: 1, schedule: { name: 'cosine', period: 4 } } }, /another training/],
  ];
  for (const [what, over, message] of refused) {
    await assert.rejects(trainModel({ ...o, ...over, resumeFrom: cp }), message, what);
  }
  const periodic = options({ optimizer: { name: 'sgd', learningRate: 0.2 }, schedule: { name: 'cosine', period: 4 }, epochs: 4 });
  const p = await trainModel({ ...periodic, checkpoint: true, onEpoch: (l) => (l.epoch === 2 ? 'stop' : undefined) });
  p.model.dispose();
  await assert.rejects(trainModel({ ...periodic, training: { ...periodic.training, epochs: 1 }, resumeFrom: p.checkpoint! }), /past training.epochs/);
  assert.equal(tf.memory().numTensors, before, 'a refused resume leaked tensors');
});
