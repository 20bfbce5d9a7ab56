/**
 * Every user mistake the config layer reports gives one line `file:line:col: path: message`
 * pointing at the offending key or value. Positions refer to the reference example
 * (fixtures/config/tune.yaml, the issue's tune.yaml verbatim) with one or two lines changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTuneConfig } from '../src/config';
import { UserError } from '../src/errors';
import { EXAMPLE, SHOWN, assertError, errorOf, load, withLine, withLines } from './config-helpers';

const F = SHOWN;

test('space: low not below high, at the low value (SpaceError path mapped under space.)', () => {
  assertError(
    withLine(18, '  lr:         { type: float, low: 0.5, high: 0.1 }'),
    `${F}:18:35: space.lr.low: 'low' (0.5) must be below 'high' (0.1)`,
  );
});

test('space: a log range with low <= 0', () => {
  assertError(withLine(18, '  lr:         { type: float, low: 0.0, high: 0.1, log: true }'), `${F}:18:35: space.lr.low: a log range needs 'low' > 0 (got 0)`);
  assertError(withLine(18, '  lr:         { type: float, low: -1, high: 0.1, log: true }'), `${F}:18:35: space.lr.low: a log range needs 'low' > 0 (got -1)`);
});

test('unknown keys list the allowed ones and suggest the closest', () => {
  assertError(
    withLine(15, '  batchsize: ${batchSize}'),
    `${F}:15:3: training.batchsize: unknown key 'batchsize' (did you mean 'batchSize'?); allowed: epochs, batchSize, optimizer, loss, seed`,
  );
  assertError(EXAMPLE + 'serch: {}\n', `${F}:26:1: serch: unknown key 'serch' (did you mean 'search'?); allowed: data, model, training, space, objective, search,`);
  assertError(
    withLine(12, '    - dens: { units: 10, activation: softmax }'),
    `${F}:12:7: model.layers[2].dens: 'dens' is not a valid layer type (did you mean 'dense'?); allowed: dense, dropout, batchNormalization,`,
  );
  assertError(
    withLine(20, '  activation: { type: categorical, choises: [relu, tanh] }'),
    `${F}:20:36: space.activation.choises: 'choises' is not a valid key of a categorical parameter (did you mean 'choices'?); allowed: type, choices, default`,
  );
  assertError(
    withLine(20, '  activation: { type: categorical, choices: [relu], low: 1 }'),
    `${F}:20:53: space.activation.low: 'low' is not a valid key of a categorical parameter; allowed: type, choices, default`,
  );
  // No suggestion when nothing is close.
  const line = assertError(withLine(14, '  zzzzzz: 15'), `${F}:14:3: training.zzzzzz: unknown key 'zzzzzz'; allowed:`);
  assert.ok(!line.includes('did you mean'));
});

test('unknown ${refs} list the space parameters', () => {
  assertError(
    withLine(10, '    - dense: { units: ${unit}, activation: ${activation} }'),
    `${F}:10:23: model.layers[0].dense.units: unknown parameter '\${unit}' (did you mean 'units'?); the space defines: lr, units, activation, dropout, batchSize, optimizer`,
  );
  assertError(withLine(16, '  optimizer: { name: ${optimizer}, learningRate: "x${nope}" }'), `${F}:16:50: training.optimizer.learningRate: unknown parameter '\${nope}'`);
});

test('bad enum values list the allowed ones', () => {
  assertError(withLine(7, '  scale: minmaxx'), `${F}:7:10: data.scale: 'minmaxx' is not a valid scaling (did you mean 'minmax'?); allowed: none, minmax, standard`);
  assertError(withLine(5, '  task: clasification'), `${F}:5:9: data.task: 'clasification' is not a valid task (did you mean 'classification'?); allowed: classification, regression`);
  assertError(withLine(25, 'search: { algorithm: bayes }'), `${F}:25:22: search.algorithm: 'bayes' is not a valid algorithm; allowed: random, grid, bayesian, tpe, qlearning, auto`);
  assertError(withLine(12, '    - dense: { units: 10, activation: softmaks }'), `${F}:12:39: model.layers[2].dense.activation: 'softmaks' is not a valid activation (did you mean 'softmax'?); allowed: relu,`);
});

test('wrong types', () => {
  assertError(withLine(14, '  epochs: ten'), `${F}:14:11: training.epochs: must be an integer, got 'ten'`);
  assertError(withLine(14, '  epochs: 1.5'), `${F}:14:11: training.epochs: must be an integer, got 1.5`);
  assertError(withLine(14, '  epochs: 0'), `${F}:14:11: training.epochs: must be at least 1, got 0`);
  assertError(withLine(3, '  header: yes'), `${F}:3:11: data.header: must be true or false, got 'yes'`);
  assertError(withLine(16, '  optimizer: adam'), `${F}:16:14: training.optimizer: must be a mapping, got 'adam'`);
  assertError(withLine(6, '  validation: { split: 1.5, stratify: true, seed: 0 }'), `${F}:6:24: data.validation.split: must be less than 1, got 1.5`);
  assertError('hello\n', `${F}:1:1: must be a mapping, got 'hello'`);
});

test('missing keys and the model forms', () => {
  assertError(withLine(24, undefined), `${F}:1:1: missing required key 'objective'`);
  assertError(withLine(2, undefined), `${F}:1:1: data: missing required key 'path'`);
  // An unknown key inside is the more specific problem, and comes first.
  assertError(withLine(2, '  paht: data/digits.csv.gz'), `${F}:2:3: data.paht: unknown key 'paht' (did you mean 'path'?)`);
  assertError(withLines({ 8: 'model: 5', 9: '#', 10: '#', 11: '#', 12: '#' }), `${F}:8:8: model: must be a mapping, got 5`);
  assertError(withLine(9, '  module: ./model.ts\n  layers:'), `${F}:8:1: model: give either 'layers' (a list of layers) or 'module' (a file that builds the model), not both`);
  assertError(
    withLines({ 9: '  options: { a: 1 }', 10: '', 11: '', 12: '' }),
    `${F}:8:1: model: give either 'layers' (a list of layers) or 'module'`,
  );
  assertError(withLine(12, '    - { dense: { units: 10 }, dropout: { rate: 0.1 } }'), `${F}:12:7: model.layers[2]: each layer is a mapping with exactly one key, its type`);
  assertError(withLines({ 9: '  module: ./nope.ts', 10: '', 11: '', 12: '' }), `${F}:9:11: model.module: model module not found: `);
});

test('YAML syntax errors carry their position', () => {
  assertError(withLine(4, '  header: true'), `${F}:4:3: invalid YAML: Map keys must be unique`);
  assertError(withLine(5, ' task: classification'), `${F}:5:1: invalid YAML: All mapping items must start at the same column`);
  assertError(withLine(14, '\tepochs: 15'), `${F}:14:1: invalid YAML: Tabs are not allowed as indentation`);
  assertError(withLine(6, '  validation: { split: 0.2, stratify: true, seed: 0'), `${F}:7:3: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }`);
});

test('a data file that does not exist, at data.path', () => {
  assertError(withLine(2, '  path: data/missing.csv'), `${F}:2:9: data.path: data file not found: ${join(F, '..', 'data', 'missing.csv')}`);
  assertError(withLine(2, '  path: data'), `${F}:2:9: data.path: data file is not a file: `);
});

test('grid search with a float without step/values, at that parameter', () => {
  const grid = "space.lr: grid search needs 'step' or 'values' for a float parameter";
  assertError(withLine(25, 'search: { algorithm: grid, trials: 20 }'), `${F}:18:3: ${grid}`);
  assert.ok(errorOf(EXAMPLE, { algorithm: 'grid' }).startsWith(`${F}:18:3: ${grid}`));
  // With step/values everywhere it loads, and the float without them is reported next.
  assertError(
    withLines({ 18: '  lr:         { type: float, low: 1.0e-4, high: 1.0e-1, log: true, values: [0.001, 0.01] }', 25: 'search: { algorithm: grid }' }),
    `${F}:21:3: space.dropout: grid search needs`,
  );
});

test('a categorical choice that does not fit where it is used, at the choice', () => {
  assertError(
    withLine(20, '  activation: { type: categorical, choices: [relu, tanh, relux] }'),
    `${F}:20:58: space.activation.choices[2]: 'relux' is not a valid activation (did you mean 'relu'?); allowed: relu,`,
    '(at model.layers[0].dense.activation, with ${activation} = \'relux\')',
  );
  // Also when it is the first choice, i.e. the value the templates are first checked with.
  assertError(withLine(20, '  activation: { type: categorical, choices: [relux, tanh] }'), `${F}:20:46: space.activation.choices[0]: 'relux' is not a valid activation`);
  assertError(
    withLine(23, '  optimizer:  { type: categorical, choices: [adam, sgdd, rmsprop] }'),
    `${F}:23:52: space.optimizer.choices[1]: 'sgdd' is not a valid optimizer (did you mean 'sgd'?); allowed: sgd, momentum, adam, adamax, rmsprop, adagrad, adadelta, sgd-hd, adam-hd`,
  );
  assertError(withLine(22, '  batchSize:  { type: categorical, choices: [32, 64, big] }'), `${F}:22:54: space.batchSize.choices[2]: must be an integer, got 'big' (at training.batchSize, with \${batchSize} = 'big')`);
  // An option one of the optimizer choices does not take.
  assertError(
    withLine(16, '  optimizer: { name: ${optimizer}, learningRate: ${lr}, beta1: 0.9 }'),
    `${F}:23:52: space.optimizer.choices[1]: 'beta1' is not a valid option of the sgd optimizer; allowed: name, learningRate (at training.optimizer.beta1, with \${optimizer} = 'sgd')`,
  );
});

test('numeric parameters in typed places: type at the use, range ends at the bound', () => {
  assertError(withLine(10, '    - dense: { units: ${lr}, activation: ${activation} }'), `${F}:10:23: model.layers[0].dense.units: must be an integer, got 0.0031622776601683794 (from \${lr}, a float parameter)`);
  assertError(withLine(11, '    - dropout: { rate: ${units} }'), `${F}:11:24: model.layers[1].dropout.rate: must be less than 1, got 64 (from \${units}, an int parameter)`);
  assertError(withLine(21, '  dropout:    { type: float, low: 0.0, high: 1.0 }'), `${F}:21:46: space.dropout.high: must be less than 1, got 1 (at model.layers[1].dropout.rate, with \${dropout} = 1)`);
  // A float whose ends and default are whole numbers is still not an integer in between.
  assertError(
    withLines({ 10: '    - dense: { units: ${w}, activation: ${activation} }', 24: '  w: { type: float, low: 2, high: 4 }\nobjective: { metric: val_accuracy, direction: maximize }' }),
    `${F}:10:23: model.layers[0].dense.units: must be an integer, got 2.6`,
  );
});

test('placeholders: syntax, and only under model and training', () => {
  assertError(withLine(2, '  path: data/${units}.csv'), `${F}:2:9: data.path: placeholders are only substituted under model and training`);
  assertError(withLine(15, '  batchSize: "${batchSize"'), `${F}:15:14: training.batchSize: '\${' is not closed by '}'`);
  assertError(withLine(15, '  batchSize: "${}"'), `${F}:15:14: training.batchSize: empty placeholder`);
});

test('cross-checks: metric vs task, stratify, label name without header', () => {
  assertError(
    withLines({ 5: '  task: regression', 6: '  validation: { split: 0.2 }', 12: '    - dense: { units: 1 }' }),
    `${F}:24:22: objective.metric: 'val_accuracy' is not a regression metric; allowed for regression: val_loss, loss, val_mae, mae`,
  );
  assertError(withLines({ 5: '  task: regression', 12: '    - dense: { units: 1 }' }), `${F}:6:39: data.validation.stratify: only classification can stratify`);
  assertError(withLine(4, '  label: digit'), `${F}:4:10: data.label: a label given by column name ('digit') needs header: true`);
  assertError(withLine(16, '  optimizer: { name: rmsprop, learningRate: ${lr}, rho: 0.9, decay: 0.9 }'), `${F}:16:3: training.optimizer: give 'rho' or its other name 'decay', not both`);
});

test("algorithm options are checked by the algorithm, at the option", () => {
  assertError(withLine(25, 'search: { algorithm: qlearning, qlearning: { epsilom: 0.1 } }'), `${F}:25:55: search.qlearning.epsilom: unknown qlearning option 'epsilom'`);
  assertError(withLine(25, 'search: { algorithm: qlearning, qlearning: { epsilon: 7 } }'), `${F}:25:55: search.qlearning.epsilon: qlearning option 'epsilon' must be`);
  // Options of another algorithm are kept for when it is chosen, not checked now.
  assert.equal(load(withLine(25, 'search: { algorithm: random, qlearning: { epsilom: 0.1 } }')).search.algorithm, 'random');
});

test('command-line overrides', () => {
  assert.equal(errorOf(EXAMPLE, { algorithm: 'bayesain' }), "--algorithm: 'bayesain' is not a valid algorithm (did you mean 'bayesian'?); allowed: random, grid, bayesian, tpe, qlearning, auto");
  assert.equal(errorOf(EXAMPLE, { trials: 0 }), '--trials: must be a whole number of at least 1 (got 0)');
  assert.equal(errorOf(EXAMPLE, { parallelism: 1.5 }), '--parallelism: must be a whole number of at least 1 (got 1.5)');
});

test('the file itself: missing, empty, named relative to cwd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpo-config-'));
  assert.throws(
    () => loadTuneConfig(join(dir, 'nope.yaml')),
    (e: unknown) => e instanceof UserError && e.format() === `${join(dir, 'nope.yaml')}: config file not found`,
  );
  writeFileSync(join(dir, 'empty.yaml'), '# nothing yet\n');
  assert.throws(() => loadTuneConfig(join(dir, 'empty.yaml')), (e: unknown) => e instanceof UserError && e.format().startsWith(`${join(dir, 'empty.yaml')}:1:1: the config is empty`));
  // From inside the directory the file is named as the user typed it.
  writeFileSync(join(dir, 'tune.yaml'), withLine(18, '  lr:         { type: float, low: 0.5, high: 0.1 }'));
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    assert.throws(
      () => loadTuneConfig('tune.yaml'),
      (e: unknown) => e instanceof UserError && e.format() === "tune.yaml:18:35: space.lr.low: 'low' (0.5) must be below 'high' (0.1)",
    );
  } finally {
    process.chdir(cwd);
  }
});
