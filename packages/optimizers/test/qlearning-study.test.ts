import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlgorithmError, createSampler } from '../src/algorithms';
import { createStudy, type Study } from '../src/study';
import type { Params, Space } from '../src/types';

const space: Space = {
  lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
  units: { type: 'int', low: 16, high: 256, log: true },
  activation: { type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
  dropout: { type: 'float', low: 0, high: 0.5 },
  batchSize: { type: 'categorical', choices: [32, 64, 128] },
};

/** A made-up validation accuracy, best near lr 3e-3, 128 units, relu, dropout 0.1, batch 64. */
function accuracy(p: Params): number {
  const act = { relu: 0, tanh: 0.04, elu: 0.02 }[p.activation as string] as number;
  return (
    0.98 -
    0.05 * (Math.log10(p.lr as number) - Math.log10(3e-3)) ** 2 -
    0.04 * Math.log2((p.units as number) / 128) ** 2 -
    act -
    0.3 * ((p.dropout as number) - 0.1) ** 2 -
    (p.batchSize === 64 ? 0 : 0.01)
  );
}

function step(study: Study): void {
  const t = study.ask();
  // Every fifth trial crashes, as real training runs sometimes do.
  if (t.id % 5 === 4) study.tell(t.id, { state: 'failed', error: 'out of memory' });
  else study.tell(t.id, accuracy(t.params));
}

test('qlearning is registered and runs through the Study, maximising', () => {
  assert.equal(createSampler('qlearning').name, 'qlearning');
  const study = createStudy({ space, algorithm: 'qlearning', direction: 'maximize', seed: 42 });
  for (let i = 0; i < 40; i++) step(study);
  const best = study.best;
  assert.ok(best !== undefined && best.value > 0.95, `best ${JSON.stringify(best)}`);
  assert.equal(best.params.activation, 'relu');

  const random = createStudy({ space, algorithm: 'random', direction: 'maximize', seed: 42 });
  for (let i = 0; i < 40; i++) step(random);
  assert.ok(best.value > (random.best?.value ?? -Infinity));
});

test('a study resumed from JSON (with a pending trial) makes the same suggestions as one never stopped', () => {
  const options = { epsilon: 0.2, bins: 6 };
  const whole = createStudy({ space, algorithm: 'qlearning', direction: 'maximize', seed: 7, options });
  for (let i = 0; i < 35; i++) step(whole);

  const first = createStudy({ space, algorithm: 'qlearning', direction: 'maximize', seed: 7, options });
  for (let i = 0; i < 17; i++) step(first);
  const pending = first.ask();
  const json = JSON.parse(JSON.stringify(first.toJSON()));
  assert.ok(json.samplerState !== undefined, 'the Q-table and walker are saved with the study');

  const resumed = createStudy.fromJSON(json);
  resumed.tell(pending.id, accuracy(pending.params));
  while (resumed.trials.length < 35) step(resumed);
  assert.deepEqual(
    resumed.trials.map((t) => t.params),
    whole.trials.map((t) => t.params),
  );
});

test('bad qlearning options reach the user as AlgorithmError with a path', () => {
  assert.throws(
    () => createStudy({ space, algorithm: 'qlearning', options: { epsilon: -0.1 } }),
    (e: unknown) => e instanceof AlgorithmError && e.path.join('.') === 'options.epsilon',
  );
  assert.throws(
    () => createStudy({ space, algorithm: 'qlearning', options: { temperature: 1 } }),
    (e: unknown) => e instanceof AlgorithmError && /unknown qlearning option 'temperature'/.test(e.message),
  );
});
