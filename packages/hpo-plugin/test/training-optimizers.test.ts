/**
 * The optimizer table: every optimizer builds with the defaults the schema documents, checks its
 * ranges, and takes a new learning rate between steps (what schedules rely on).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend, type Tf } from '../src/training/backend';
import { OPTIMIZERS, createOptimizer, learningRateOf, setLearningRate } from '../src/training/optimizer';
import type { OptimizerName, OptimizerSpec } from '../src/training/spec';
import type { Optimizer } from '../src/training/tf';
import { UserError } from '../src/errors';

let tf: Tf;
before(async () => {
  tf = (await selectBackend('wasm')).tf;
});

const NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];

test('the table covers every optimizer name the schema allows', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, '..', 'schema', 'tune.schema.json'), 'utf8'));
  const allowed = schema.definitions.optimizerName.anyOf[1].enum as string[];
  assert.deepEqual([...NAMES].sort(), [...allowed].sort());
  assert.deepEqual(allowed, ['sgd', 'momentum', 'adam', 'adamax', 'rmsprop', 'adagrad', 'adadelta', 'sgd-hd', 'adam-hd']);
});

/** One step of minimising Σ (w − c)² from w = 1 with the optimizer; returns w − 1 (the update). */
function firstUpdate(optimizer: Optimizer): number[] {
  const w = tf.variable(tf.tensor1d([1, 1, 1]));
  const c = tf.tensor1d([0.5, -2, 3]);
  try {
    optimizer.minimize(() => tf.sum(tf.square(tf.sub(w, c))) as never);
    return Array.from(w.dataSync()).map((v) => v - 1);
  } finally {
    w.dispose();
    c.dispose();
    optimizer.dispose();
  }
}

test('setLearningRate takes effect at the next step for every optimizer (lr 0 leaves weights unchanged; 2× lr doubles the first update)', () => {
  for (const name of NAMES) {
    const make = (): Optimizer => createOptimizer(tf, { name, learningRate: 0.01 });
    const base = firstUpdate(make());
    assert.ok(base.every((d) => d !== 0), `${name}: the first step moves every weight`);

    const zero = make();
    setLearningRate(zero, 0);
    assert.equal(learningRateOf(zero), 0, name);
    assert.deepEqual(firstUpdate(zero), [0, 0, 0], `${name} with lr 0`);

    const doubled = make();
    setLearningRate(doubled, 0.02);
    // Every optimizer's first update is proportional to the rate (no state yet to mix in).
    firstUpdate(doubled).forEach((d, i) => assert.ok(Math.abs(d / base[i]! - 2) < 1e-4, `${name}: ${d} vs 2 × ${base[i]}`));
  }
});

test('setting the same or a new rate on SGD does not leak its scalar', () => {
  const sgd = createOptimizer(tf, { name: 'sgd', learningRate: 0.1 });
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) setLearningRate(sgd, 0.1 / (i + 1));
  assert.equal(tf.memory().numTensors, before);
  assert.equal(learningRateOf(sgd), 0.02);
  sgd.dispose();
});

/** "momentum: … (default 0.9); rmsprop: … (default 0)." → { momentum: '0.9', rmsprop: '0' } */
function documentedDefaults(description: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of description.split(/;\s*/)) {
    const m = /^([a-z, -]+): .*\(default ([^)]+)\)/.exec(part);
    if (!m) continue;
    for (const name of m[1]!.split(/,\s*/)) out.set(name.trim(), m[2]!);
  }
  return out;
}

/** Where tfjs keeps each option in getConfig(), per optimizer. */
const CONFIG_KEY: Record<string, string | Partial<Record<OptimizerName, string>>> = {
  momentum: 'momentum',
  nesterov: 'useNesterov',
  beta1: 'beta1',
  beta2: 'beta2',
  epsilon: 'epsilon',
  rho: { rmsprop: 'decay', adadelta: 'rho' },
  centered: 'centered',
  initialAccumulatorValue: 'initialAccumulatorValue',
  hypergradientLr: 'hypergradientLr',
};

test('each optimizer is built with the defaults its schema descriptions document', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, '..', 'schema', 'tune.schema.json'), 'utf8'));
  const options = schema.properties.training.properties.optimizer.properties as Record<string, { description?: string }>;
  let checked = 0;
  for (const name of NAMES) {
    const opt = createOptimizer(tf, { name, learningRate: 0.01 });
    const config = opt.getConfig();
    opt.dispose();
    for (const [key, prop] of Object.entries(options)) {
      const documented = documentedDefaults(prop.description ?? '').get(name);
      const where = CONFIG_KEY[key];
      if (documented === undefined || where === undefined) continue;
      const configKey = typeof where === 'string' ? where : where[name]!;
      const actual = config[configKey];
      const expected = documented === 'true' || documented === 'false' ? documented === 'true' : Number(documented);
      assert.equal(actual, expected, `${name}.${key}: documented ${documented}, built with ${String(actual)}`);
      checked++;
    }
  }
  // momentum ×2, adam ×3, adamax ×3, rmsprop ×4, adagrad, adadelta ×2, sgd-hd, adam-hd ×4
  assert.equal(checked, 20);
});

test('out-of-range options are UserErrors at the option', () => {
  const pathOf = (spec: OptimizerSpec): string | undefined => {
    try {
      createOptimizer(tf, spec).dispose();
      return undefined;
    } catch (e) {
      assert.ok(e instanceof UserError, String(e));
      return e.location.path;
    }
  };
  assert.equal(pathOf({ name: 'adadelta', learningRate: 1, rho: 1 }), 'training.optimizer.rho');
  assert.equal(pathOf({ name: 'adamax', learningRate: 0.1, beta2: -0.1 }), 'training.optimizer.beta2');
  assert.equal(pathOf({ name: 'sgd-hd', learningRate: 0.1, hypergradientLr: -1 }), 'training.optimizer.hypergradientLr');
  assert.equal(pathOf({ name: 'adam-hd', learningRate: 0.1, hypergradientLr: 0 }), undefined);
  assert.equal(pathOf({ name: 'rmsprop', learningRate: 0.1, centered: true }), undefined);
  assert.equal(pathOf({ name: 'nadam' as OptimizerName, learningRate: 0.1 }), 'training.optimizer.name');
});
