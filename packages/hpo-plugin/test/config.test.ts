import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Ajv from 'ajv';
import { ALGORITHMS, defaultParams, validateSpace } from '@nx-hpo/optimizers';
import { serialization } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { loadTuneConfig, parseParamOverrides, resolveTrial, tuneSchema, userErrorAt } from '../src/config';
import type { LayersModelSpec, ModuleModelSpec } from '../src/config';
import { UserError } from '../src/errors';
import { EXAMPLE, EXAMPLE_FILE, FIXTURES, SHOWN, load, withLine, withLines } from './config-helpers';

const MINIMAL = `data: { path: data/digits.csv.gz }
model:
  layers:
    - dense: { units: \${units} }
    - flatten:
    - dense: { units: 3, activation: softmax }
space:
  units: { type: int, low: 4, high: 8 }
objective: { metric: val_accuracy }
`;

test('the reference example loads verbatim (placeholders in flow maps included)', () => {
  const config = loadTuneConfig(EXAMPLE_FILE);
  assert.equal(config.file, EXAMPLE_FILE);
  assert.equal(config.dir, FIXTURES);
  assert.deepEqual(config.data, {
    path: join(FIXTURES, 'data', 'digits.csv.gz'),
    header: false,
    label: -1,
    task: 'classification',
    validation: { split: 0.2, stratify: true, seed: 0 },
    scale: 'minmax',
  });
  assert.deepEqual(config.model, {
    layers: [
      { dense: { units: '${units}', activation: '${activation}' } },
      { dropout: { rate: '${dropout}' } },
      { dense: { units: 10, activation: 'softmax' } },
    ],
  });
  assert.deepEqual(config.training, { epochs: 15, batchSize: '${batchSize}', optimizer: { name: '${optimizer}', learningRate: '${lr}' } });
  assert.deepEqual(config.space, validateSpace({
    lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
    units: { type: 'int', low: 16, high: 256, log: true },
    activation: { type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
    dropout: { type: 'float', low: 0, high: 0.5 },
    batchSize: { type: 'categorical', choices: [32, 64, 128] },
    optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
  }));
  assert.deepEqual(config.objective, { metric: 'val_accuracy', direction: 'maximize' });
  assert.deepEqual(config.search, { algorithm: 'random', trials: 20, parallelism: 2, seed: 42, options: {} });
  assert.deepEqual(config.refs, ['lr', 'units', 'activation', 'dropout', 'batchSize', 'optimizer']);
  assert.equal(config.output, undefined);
});

test('substitution keeps types', () => {
  const config = loadTuneConfig(EXAMPLE_FILE);
  const { model, training } = resolveTrial(config, { lr: 0.01, units: 64, activation: 'tanh', dropout: 0.25, batchSize: 128, optimizer: 'sgd' });
  assert.deepEqual(model, {
    layers: [{ dense: { units: 64, activation: 'tanh' } }, { dropout: { rate: 0.25 } }, { dense: { units: 10, activation: 'softmax' } }],
  });
  assert.deepEqual(training, { epochs: 15, batchSize: 128, optimizer: { name: 'sgd', learningRate: 0.01 } });
  const dense = (model as LayersModelSpec).layers[0] as { dense: { units: unknown } };
  assert.equal(typeof dense.dense.units, 'number');
  assert.equal(typeof training.batchSize, 'number');
  // The template is not modified by resolving.
  assert.equal((config.training as { batchSize: unknown }).batchSize, '${batchSize}');
  assert.throws(() => resolveTrial(config, { lr: 0.01 }), /no value for 'units', 'activation'/);
});

test('defaults: data, training, search, objective direction from the metric', () => {
  const config = load(MINIMAL);
  assert.deepEqual(config.data, {
    path: join(FIXTURES, 'data', 'digits.csv.gz'),
    header: false,
    label: -1,
    task: 'classification',
    validation: { split: 0.2, stratify: true, seed: 0 },
    scale: 'none',
  });
  assert.deepEqual(config.training, { epochs: 10, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.001 } });
  // search.algorithm omitted: auto, the default.
  assert.deepEqual(config.search, { algorithm: 'auto', trials: 20, seed: 0, options: {} });
  assert.deepEqual(config.objective, { metric: 'val_accuracy', direction: 'maximize' });
  // `- flatten:` (no options) reads as an empty mapping.
  assert.deepEqual((config.model as LayersModelSpec).layers[1], { flatten: {} });

  const regression = load(MINIMAL.replace('{ path: data/digits.csv.gz }', '{ path: data/digits.csv.gz, task: regression }').replace('{ units: 3, activation: softmax }', '{ units: 1 }').replace('val_accuracy', 'val_mae'));
  assert.equal(regression.data.validation.stratify, false);
  assert.deepEqual(regression.objective, { metric: 'val_mae', direction: 'minimize' });
  assert.equal(load(MINIMAL.replace('val_accuracy', 'val_loss')).objective.direction, 'minimize');
  assert.equal(load(MINIMAL.replace('{ metric: val_accuracy }', '{ metric: accuracy, direction: minimize }')).objective.direction, 'minimize');
  // A given optimizer without learningRate still gets the default one.
  const sgd = load(MINIMAL + 'training: { optimizer: { name: sgd } }\n');
  assert.deepEqual(sgd.training.optimizer, { name: 'sgd', learningRate: 0.001 });
});

test('command-line overrides replace search settings; options follow the chosen algorithm', () => {
  const text = withLine(25, 'search: { algorithm: random, trials: 20, seed: 42, qlearning: { epsilon: 0.2, bins: 4 } }');
  assert.deepEqual(load(text).search.options, {});
  const config = load(text, { algorithm: 'qlearning', trials: 5, parallelism: 3, seed: 7 });
  assert.deepEqual(config.search, { algorithm: 'qlearning', trials: 5, parallelism: 3, seed: 7, options: { epsilon: 0.2, bins: 4 } });
});

test('interpolation, escapes, booleans and nested values in a module model', () => {
  const text = `data: { path: data/digits.csv.gz }
model:
  module: ./model.ts
  options:
    tag: "u\${units}-\${act}"
    n: \${ units }
    flag: \${flag}
    literal: "$\${units} costs $$5"
    nested: [\${units}, { x: \${lr} }]
space:
  units: { type: int, low: 4, high: 8 }
  act: { type: categorical, choices: [relu, tanh] }
  flag: { type: categorical, choices: [true, false] }
  lr: { type: float, low: 0.001, high: 0.1, log: true }
  unused: { type: int, low: 1, high: 2 }
objective: { metric: val_loss }
`;
  const config = load(text);
  assert.deepEqual(config.model, {
    module: join(FIXTURES, 'model.ts'),
    options: { tag: 'u${units}-${act}', n: '${ units }', flag: '${flag}', literal: '$${units} costs $$5', nested: ['${units}', { x: '${lr}' }] },
  });
  assert.deepEqual(config.refs, ['units', 'act', 'flag', 'lr']);
  const { model } = resolveTrial(config, { units: 6, act: 'tanh', flag: false, lr: 0.01, unused: 1 });
  assert.deepEqual((model as ModuleModelSpec).options, { tag: 'u6-tanh', n: 6, flag: false, literal: '${units} costs $$5', nested: [6, { x: 0.01 }] });
});

test("rmsprop's decay arrives as rho", () => {
  const config = load(withLine(16, '  optimizer: { name: rmsprop, learningRate: ${lr}, decay: 0.8 }'));
  assert.deepEqual(config.training.optimizer, { name: 'rmsprop', learningRate: '${lr}', rho: 0.8 });
});

test('locate and userErrorAt point into the file', () => {
  const config = load(EXAMPLE);
  assert.deepEqual(config.locate(['model', 'layers', 0, 'dense', 'units']), { file: SHOWN, line: 10, col: 23, path: 'model.layers[0].dense.units' });
  assert.deepEqual(config.locate(['data', 'label']), { file: SHOWN, line: 4, col: 10, path: 'data.label' });
  // Collections point at their key; missing keys at the nearest parent that exists.
  assert.deepEqual(config.locate(['space', 'lr']), { file: SHOWN, line: 18, col: 3, path: 'space.lr' });
  assert.deepEqual(config.locate(['data', 'validation', 'nope']), { file: SHOWN, line: 6, col: 3, path: 'data.validation.nope' });
  // A path of which nothing is in the file (e.g. filled in by a default) has no position.
  assert.deepEqual(config.locate(['store']), { file: SHOWN, path: 'store' });
  const err = userErrorAt(config, ['data', 'label'], "column -1 is not numeric");
  assert.ok(err instanceof UserError);
  assert.equal(err.format(), `${SHOWN}:4:10: data.label: column -1 is not numeric`);
});

test('parseParamOverrides: JSON, name=value pairs, objects; coerced and checked', () => {
  const { space } = load(EXAMPLE);
  assert.deepEqual(parseParamOverrides('{"lr":0.01,"units":64}', space), { lr: 0.01, units: 64 });
  assert.deepEqual(parseParamOverrides('lr=0.01,units=64', space), { lr: 0.01, units: 64 });
  assert.deepEqual(parseParamOverrides('lr=0.01 units=64  activation=tanh', space), { lr: 0.01, units: 64, activation: 'tanh' });
  assert.deepEqual(parseParamOverrides('batchSize=64', space), { batchSize: 64 });
  assert.deepEqual(parseParamOverrides({ optimizer: 'sgd' }, space), { optimizer: 'sgd' });
  assert.deepEqual(parseParamOverrides(undefined, space), {});
  assert.deepEqual(parseParamOverrides('', space), {});
  const spaceWithBool = load(withLine(23, '  optimizer:  { type: categorical, choices: [true, false] }\n  opt: { type: categorical, choices: [adam] }').replace('name: ${optimizer}', 'name: ${opt}')).space;
  assert.deepEqual(parseParamOverrides('optimizer=false', spaceWithBool), { optimizer: false });

  const fails = (input: string | Record<string, unknown>, line: string): void => {
    assert.throws(() => parseParamOverrides(input, space), (e: unknown) => e instanceof UserError && e.format().startsWith(line));
  };
  fails('unitz=3', "params.unitz: unknown parameter 'unitz'");
  fails('units=3', 'params.units: must be within 16..256 (got 3)');
  fails('units=abc', 'params.units: must be a number');
  fails('activation=relux', 'params.activation: must be one of');
  fails('lr', 'params: expected name=value');
  fails('lr=0.01,lr=0.02', "params.lr: 'lr' is given twice");
  fails('{"lr":', 'params: not valid JSON');
  fails('[1]', 'params: expected name=value');
  fails('{"lr": 0.01}x', 'params: not valid JSON');
});

test('the schema agrees with the code it describes', () => {
  const schema = tuneSchema() as {
    properties: { search: { properties: { algorithm: { enum: string[] } } } };
    definitions: { activation: { anyOf: [unknown, { enum: string[] }] } };
  };
  assert.deepEqual(schema.properties.search.properties.algorithm.enum, [...ALGORITHMS]);
  // Every activation the schema offers is one tfjs-layers can build by name.
  const registered = Object.keys(serialization.SerializationMap.getMap().classNameMap);
  for (const name of schema.definitions.activation.anyOf[1].enum) assert.ok(registered.includes(name), `tfjs-layers has no activation '${name}'`);
});

test('the schema lets typed scalars under model/training be placeholders (for editors), nothing else', () => {
  // A plain validator, as an editor would use the file.
  const validate = new Ajv({ strict: false }).compile(tuneSchema());
  const doc = (units: unknown) => ({
    data: { path: 'data.csv' },
    model: { layers: [{ dense: { units } }] },
    space: { u: { type: 'int', low: 1, high: 2 } },
    objective: { metric: 'loss' },
  });
  assert.equal(validate(doc('${u}')), true);
  assert.equal(validate(doc(8)), true);
  assert.equal(validate(doc('x${u}')), false);
  assert.equal(validate(doc('eight')), false);
});

test('placeholder-typed positions accept every value of the space', () => {
  // Every probe (choices, range ends) must pass for the example; the defaults resolve to a valid spec.
  const config = load(EXAMPLE);
  const { training } = resolveTrial(config, defaultParams(config.space));
  assert.deepEqual(training, { epochs: 15, batchSize: 32, optimizer: { name: 'adam', learningRate: Math.sqrt(1e-4 * 1e-1) } });
  // A numeric categorical fits a number position.
  assert.doesNotThrow(() => load(withLines({ 11: '    - dropout: { rate: ${dropout} }', 21: '  dropout:    { type: categorical, choices: [0.1, 0.2] }' })));
});
