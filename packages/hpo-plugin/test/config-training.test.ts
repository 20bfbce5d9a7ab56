/**
 * The training section's optimizers, schedules and early stopping in tune.yaml: they load, their
 * hyperparameters are searchable with ${}, and every mistake is one located line. Positions refer to
 * the reference example (fixtures/config/tune.yaml) with line 16 (the optimizer) expanded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultParams, type Params } from '@nx-hpo/optimizers';
import { resolveTrial } from '../src/config';
import { EXAMPLE, SHOWN, assertError, load, withLine, withLines } from './config-helpers';

const F = SHOWN;
const OPTIMIZER = '  optimizer: { name: ${optimizer}, learningRate: ${lr} }';
/** The example with `lines` after the optimizer (line 16), so they start at line 17. */
const withTraining = (...lines: string[]): string => withLine(16, [OPTIMIZER, ...lines].join('\n'));

test('every new key loads; its hyperparameters are searchable and come out typed', () => {
  const text = withLines({
    14: '  epochs: ${epochs}',
    16: [
      '  optimizer: { name: momentum, learningRate: ${lr}, momentum: ${momentum}, nesterov: ${nesterov} }',
      '  schedule:',
      '    name: ${schedule}',
      '    warmup: { epochs: ${warm} }',
      '  earlyStopping: { metric: val_accuracy, patience: ${patience}, restoreBest: false }',
    ].join('\n'),
    23: [
      '  optimizer:  { type: categorical, choices: [adam, sgd, rmsprop] }',
      '  epochs:     { type: int, low: 5, high: 20 }',
      '  momentum:   { type: float, low: 0.5, high: 0.99 }',
      '  nesterov:   { type: categorical, choices: [true, false] }',
      '  schedule:   { type: categorical, choices: [constant, cosine, reduceOnPlateau] }',
      '  warm:       { type: int, low: 1, high: 3 }',
      '  patience:   { type: int, low: 2, high: 8 }',
    ].join('\n'),
  });
  const config = load(text);
  assert.deepEqual(config.refs, ['lr', 'units', 'activation', 'dropout', 'batchSize', 'epochs', 'momentum', 'nesterov', 'schedule', 'warm', 'patience']);
  const params: Params = { ...defaultParams(config.space), epochs: 12, momentum: 0.8, nesterov: true, schedule: 'cosine', warm: 2, patience: 3 };
  const { training } = resolveTrial(config, params);
  assert.deepEqual(training.optimizer, { name: 'momentum', learningRate: params['lr'], momentum: 0.8, nesterov: true });
  assert.equal(training.epochs, 12);
  // Schema defaults fill in what the file leaves out (startFactor, minDelta); name-dependent ones
  // are left to the trainer so that no key appears that another schedule would reject.
  assert.deepEqual(training.schedule, { name: 'cosine', warmup: { epochs: 2, startFactor: 0 } });
  assert.deepEqual(training.earlyStopping, { metric: 'val_accuracy', patience: 3, restoreBest: false, minDelta: 0 });
});

test('without the new keys the resolved training is what it always was (same trial keys)', () => {
  const config = load(EXAMPLE);
  const { training } = resolveTrial(config, defaultParams(config.space));
  assert.deepEqual(Object.keys(training).sort(), ['batchSize', 'epochs', 'optimizer']);
  assert.deepEqual(Object.keys(training.optimizer).sort(), ['learningRate', 'name']);
});

test('each optimizer takes its own options, searchable too', () => {
  for (const [line, expected] of [
    ['  optimizer: { name: adamax, learningRate: ${lr}, beta1: 0.8, beta2: 0.99, epsilon: 1.0e-8 }', { name: 'adamax', beta1: 0.8, beta2: 0.99, epsilon: 1e-8 }],
    ['  optimizer: { name: adadelta, learningRate: 1.0, rho: 0.9 }', { name: 'adadelta', learningRate: 1, rho: 0.9 }],
    ['  optimizer: { name: rmsprop, learningRate: ${lr}, decay: 0.8, centered: true }', { name: 'rmsprop', rho: 0.8, centered: true }],
    ['  optimizer: { name: sgd-hd, learningRate: ${lr}, hypergradientLr: ${lr} }', { name: 'sgd-hd', hypergradientLr: Math.sqrt(1e-5) }],
    ['  optimizer: { name: adam-hd, learningRate: 0.001, hypergradientLr: 1.0e-7, beta2: 0.99 }', { name: 'adam-hd', hypergradientLr: 1e-7, beta2: 0.99 }],
  ] as const) {
    const config = load(withLine(16, line));
    const { training } = resolveTrial(config, defaultParams(config.space));
    for (const [k, v] of Object.entries(expected)) assert.equal((training.optimizer as unknown as Record<string, unknown>)[k], v, `${line}: ${k}`);
  }
});

test('unknown and misplaced keys name the schedule or optimizer and list what it takes', () => {
  assertError(
    withTraining('  schedule: { name: step, every: 3, gama: 0.5 }'),
    `${F}:17:37: training.schedule.gama: 'gama' is not a valid option of the step schedule (did you mean 'gamma'?); allowed: name, every, gamma, warmup`,
  );
  assertError(
    withTraining('  earlyStopping: { paitence: 3 }'),
    `${F}:17:20: training.earlyStopping.paitence: unknown key 'paitence' (did you mean 'patience'?); allowed: metric, direction, patience, minDelta, restoreBest`,
  );
  assertError(
    withLine(16, '  optimizer: { name: adadelta, learningRate: ${lr}, beta1: 0.9 }'),
    `${F}:16:53: training.optimizer.beta1: 'beta1' is not a valid option of the adadelta optimizer; allowed: name, learningRate, rho, epsilon`,
  );
  assertError(
    withTraining('  schedule: { name: cosin }'),
    `${F}:17:21: training.schedule.name: 'cosin' is not a valid schedule (did you mean 'cosine'?); allowed: constant, step, exponential, inverseTime, cosine, reduceOnPlateau`,
  );
  assertError(
    withTraining('  schedule: { name: reduceOnPlateau, metric: val_acc }'),
    `${F}:17:46: training.schedule.metric: 'val_acc' is not a valid metric; allowed: val_accuracy, val_loss, accuracy, loss, val_mae, mae`,
  );
  // A key the searched schedule does not take is reported at the choice that brings it in.
  assertError(
    withLines({ 16: OPTIMIZER + '\n  schedule: { name: ${sched}, every: 3 }', 23: '  optimizer:  { type: categorical, choices: [adam, sgd, rmsprop] }\n  sched: { type: categorical, choices: [step, cosine] }' }),
    `${F}:25:47: space.sched.choices[1]: 'every' is not a valid option of the cosine schedule; allowed: name, period, periodMult, minFactor, per, warmup (at training.schedule.every, with \${sched} = 'cosine')`,
  );
});

test('what a schedule needs, and values out of range', () => {
  assertError(withTraining('  schedule: { name: step }'), `${F}:17:3: training.schedule: a step schedule needs 'every': the epochs between decays, e.g. { name: step, every: 10, gamma: 0.5 }`);
  assertError(withTraining('  schedule:', '    name: exponential', '    per: batch'), `${F}:17:3: training.schedule: an exponential schedule needs 'gamma'`);
  assertError(withTraining('  schedule: { name: inverseTime }'), `${F}:17:3: training.schedule: an inverseTime schedule needs 'decay'`);
  assertError(withTraining('  schedule: { name: cosine, periodMult: 2 }'), `${F}:17:3: training.schedule: 'periodMult' lengthens the cycles of a cosine schedule with restarts: give 'period' too`);
  assertError(withTraining('  schedule: { name: exponential, gamma: 1.5 }'), `${F}:17:41: training.schedule.gamma: must be at most 1, got 1.5`);
  assertError(withTraining('  schedule: { name: constant, warmup: { epochs: 0 } }'), `${F}:17:49: training.schedule.warmup.epochs: must be at least 1, got 0`);
  assertError(withTraining('  schedule: { name: cosine, per: step }'), `${F}:17:34: training.schedule.per: 'step' is not a valid per; allowed: epoch, batch`);
  assertError(withTraining('  earlyStopping: { patience: -1 }'), `${F}:17:30: training.earlyStopping.patience: must be at least 0, got -1`);
  assertError(withLine(16, '  optimizer: { name: momentum, learningRate: ${lr}, momentum: 1 }'), `${F}:16:63: training.optimizer.momentum: must be less than 1, got 1`);
});

test('rules between two keys are reported at one and name the other with its line', () => {
  // A warm-up as long as training.
  assertError(
    withTraining('  schedule:', '    name: cosine', '    warmup: { epochs: 15 }'),
    `${F}:19:23: training.schedule.warmup.epochs: the warm-up (15 epochs) must end before training does: training.epochs is 15 at line 14`,
  );
  // …or longer than the shortest training the space allows: at the bound.
  assertError(
    withLines({
      14: '  epochs: ${epochs}',
      16: OPTIMIZER + '\n  schedule: { name: constant, warmup: { epochs: 10 } }',
      23: '  optimizer:  { type: categorical, choices: [adam, sgd, rmsprop] }\n  epochs: { type: int, low: 5, high: 30 }',
    }),
    `${F}:25:29: space.epochs.low: the warm-up (10 epochs) must end before training does: training.epochs is 5 at line 14 (at training.schedule.warmup.epochs, with \${epochs} = 5)`,
  );
  // A schedule with an optimizer that adapts its own rate, written or searched.
  assertError(
    withLine(16, '  optimizer: { name: sgd-hd, learningRate: ${lr} }\n  schedule: { name: exponential, gamma: 0.9 }'),
    `${F}:17:3: training.schedule: sgd-hd adapts the learning rate itself, so it takes no schedule (training.optimizer.name is 'sgd-hd' at line 16); remove the schedule or use sgd`,
  );
  assertError(
    withLines({ 16: OPTIMIZER + '\n  schedule: { name: exponential, gamma: 0.9 }', 23: '  optimizer:  { type: categorical, choices: [adam, adam-hd] }' }),
    `${F}:24:52: space.optimizer.choices[1]: adam-hd adapts the learning rate itself, so it takes no schedule (training.optimizer.name is 'adam-hd' at line 16); remove the schedule or use adam (at training.schedule, with \${optimizer} = 'adam-hd')`,
  );
  // A watched metric the task does not report, written or searched.
  const regression = { 5: '  task: regression', 6: '  validation: { split: 0.2 }', 12: '    - dense: { units: 1 }', 24: 'objective: { metric: val_loss }' };
  assertError(
    withLines({ ...regression, 16: OPTIMIZER + '\n  earlyStopping: { metric: val_accuracy }' }),
    `${F}:17:28: training.earlyStopping.metric: 'val_accuracy' is not a regression metric (data.task is 'regression' at line 5); allowed for regression: val_loss, loss, val_mae, mae`,
  );
  assertError(
    withLines({ ...regression, 16: OPTIMIZER + '\n  schedule: { name: reduceOnPlateau, metric: accuracy }' }),
    `${F}:17:46: training.schedule.metric: 'accuracy' is not a regression metric (data.task is 'regression' at line 5)`,
  );
  assertError(
    withLines({
      ...regression,
      16: OPTIMIZER + '\n  earlyStopping: { metric: ${m} }',
      23: '  optimizer:  { type: categorical, choices: [adam, sgd, rmsprop] }\n  m: { type: categorical, choices: [val_loss, accuracy] }',
    }),
    `${F}:25:47: space.m.choices[1]: 'accuracy' is not a regression metric (data.task is 'regression' at line 5); allowed for regression: val_loss, loss, val_mae, mae (at training.earlyStopping.metric, with \${m} = 'accuracy')`,
  );
  // data.task left to its default is named as such.
  const minimal = 'data: { path: data/digits.csv.gz }\nmodel: { layers: [ { dense: { units: 10 } } ] }\nspace: { x: { type: float, low: 0, high: 1 } }\nobjective: { metric: val_loss }\n';
  assertError(minimal + 'training: { earlyStopping: { metric: mae } }\n', `${F}:5:38: training.earlyStopping.metric: 'mae' is not a classification metric (data.task is 'classification' by default)`);
});
