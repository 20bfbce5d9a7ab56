/** The `bayesian` sampler through the Study API, as a user drives it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlgorithmError, createSampler } from '../src/algorithms';
import { isInSpace, paramsKey, toUnit } from '../src/space';
import { createStudy, studyFromJSON, type Study } from '../src/study';
import { GpEncoding } from '../src/samplers/gp/encode';
import { hyperparameterPrefix } from '../src/samplers/gp';
import { Rng } from '../src/rng';
import type { Params, Space } from '../src/types';
import * as arb from './arbitraries';

const mixed: Space = {
  lr: { type: 'float', low: 1e-5, high: 1, log: true },
  units: { type: 'int', low: 8, high: 512, log: true },
  layers: { type: 'int', low: 1, high: 6 },
  activation: { type: 'categorical', choices: ['relu', 'tanh', 'sigmoid'] },
  dropout: { type: 'float', low: 0, high: 0.7, step: 0.05 },
  batch: { type: 'int', low: 16, high: 256, values: [16, 256, 64] },
};

function mixedLoss(p: Params): number {
  const act = { relu: 0, tanh: 0.3, sigmoid: 0.8 }[p.activation as string] ?? 1;
  return (Math.log10(p.lr as number) + 2.5) ** 2 + ((p.units as number) - 96) ** 2 / 4096 + act + 0.2 * Math.abs((p.layers as number) - 3) + (p.dropout as number) + (p.batch === 64 ? 0 : 0.1);
}

const quad2: Space = { x: { type: 'float', low: -5, high: 5 }, y: { type: 'float', low: -5, high: 5 } };
const quadLoss = (p: Params): number => ((p.x as number) - 1.3) ** 2 + ((p.y as number) + 0.7) ** 2;

function run(study: Study, f: (p: Params) => number, trials: number): Params[] {
  const out: Params[] = [];
  for (let i = 0; i < trials; i++) {
    const t = study.ask();
    out.push(t.params);
    study.tell(t.id, f(t.params));
  }
  return out;
}

test('encoding: ints, steps and listed values round inside the cube; categoricals are one-hot; decode inverts encode', () => {
  const enc = new GpEncoding(mixed);
  assert.equal(enc.dims, 8);
  assert.deepEqual(enc.continuousDims, [0]);
  const rng = new Rng(1);
  for (let i = 0; i < 200; i++) {
    const x = Float64Array.from({ length: enc.dims }, () => rng.next() * 1.4 - 0.2);
    const projected = enc.project(Float64Array.from(x));
    assert.deepEqual(Array.from(enc.project(Float64Array.from(projected))), Array.from(projected), 'project is idempotent');
    const params = enc.decode(projected);
    assert.ok(isInSpace(mixed, params), JSON.stringify(params));
    const again = enc.encode(params)!;
    for (let d = 0; d < enc.dims; d++) assert.ok(Math.abs(again[d]! - projected[d]!) < 1e-9);
    // Discrete coordinates sit exactly at the unit position of a value.
    assert.equal(projected[2], toUnit(mixed.layers!, params.layers!));
    const hot = Array.from(projected.subarray(3, 6));
    assert.deepEqual([...hot].sort(), [0, 0, 1]);
  }
  assert.equal(enc.encode({ ...{ lr: 0.1, units: 10, layers: 2, activation: 'gelu', dropout: 0, batch: 16 } }), undefined);
});

test('every suggestion lies in its space, whatever the space and trial outcomes', () => {
  fc.assert(
    fc.property(arb.space, fc.integer({ min: 0, max: 1000 }), (space, seed) => {
      const study = createStudy({ space, algorithm: 'bayesian', seed, options: { initialTrials: 2 } });
      for (let i = 0; i < 7; i++) {
        const t = study.ask();
        assert.ok(isInSpace(space, t.params), JSON.stringify({ space, params: t.params }));
        if (i % 4 === 3) study.tell(t.id, { state: 'failed', error: 'x' });
        else if (i % 4 !== 2) study.tell(t.id, (i * 7919) % 13);
      }
    }),
    { numRuns: 25 },
  );
});

test('deterministic: the same seed and values give the same suggestions, also across toJSON/fromJSON', () => {
  const a = run(createStudy({ space: mixed, algorithm: 'bayesian', seed: 9 }), mixedLoss, 14);
  const b = run(createStudy({ space: mixed, algorithm: 'bayesian', seed: 9 }), mixedLoss, 14);
  assert.deepEqual(a, b);
  const c = run(createStudy({ space: mixed, algorithm: 'bayesian', seed: 10 }), mixedLoss, 3);
  assert.notDeepEqual(a.slice(0, 3), c);

  const original = createStudy({ space: mixed, algorithm: 'bayesian', seed: 9 });
  run(original, mixedLoss, 11);
  const resumed = studyFromJSON(JSON.parse(JSON.stringify(original.toJSON())));
  assert.deepEqual(run(resumed, mixedLoss, 3), a.slice(11, 14));
  // Mid-design too (the Sobol shift is the sampler's saved state).
  const early = createStudy({ space: mixed, algorithm: 'bayesian', seed: 9 });
  run(early, mixedLoss, 3);
  assert.deepEqual(run(studyFromJSON(early.toJSON()), mixedLoss, 3), a.slice(3, 6));
});

test('the initial design is space-filling: 8 Sobol points put one point in each eighth of every axis', () => {
  const space: Space = { a: { type: 'float', low: 0, high: 1 }, b: { type: 'float', low: 0, high: 1 }, c: { type: 'float', low: 0, high: 1 } };
  const study = createStudy({ space, algorithm: 'bayesian', seed: 4, options: { initialTrials: 8 } });
  const pts = run(study, (p) => (p.a as number) + (p.b as number), 8);
  for (const name of ['a', 'b', 'c']) {
    assert.equal(new Set(pts.map((p) => Math.floor((p[name] as number) * 8))).size, 8, name);
  }
});

test('finds the minimum of a 2-D quadratic far better than its initial design, on most seeds', () => {
  const SEEDS = 5;
  const found: string[] = [];
  for (let seed = 0; seed < SEEDS; seed++) {
    const study = createStudy({ space: quad2, algorithm: 'bayesian', seed });
    run(study, quadLoss, 25);
    const design = Math.min(...study.trials.slice(0, 5).map((t) => t.value!));
    if (study.best!.value < 1e-3 && study.best!.value < design / 100) found.push(`seed ${seed}`);
  }
  assert.ok(found.length >= 4, `found on ${found.length} of ${SEEDS} seeds (${found.join(', ')})`);
});

test('maximize: the direction is respected, on most seeds', () => {
  const SEEDS = 5;
  let found = 0;
  for (let seed = 0; seed < SEEDS; seed++) {
    const study = createStudy({ space: quad2, algorithm: 'bayesian', seed, direction: 'maximize' });
    run(study, (p) => -quadLoss(p), 20);
    if (study.best!.value > -1e-2) found++;
  }
  assert.ok(found >= 4, `near the maximum on ${found} of ${SEEDS} seeds`);
});

test('pending trials: asks before any tell give distinct, spread-out points (kriging believer)', () => {
  const study = createStudy({ space: quad2, algorithm: 'bayesian', seed: 3 });
  run(study, quadLoss, 12);
  const a = study.ask();
  const b = study.ask();
  const c = study.ask();
  const dist = (p: Params, q: Params): number => Math.hypot((p.x as number) - (q.x as number), (p.y as number) - (q.y as number));
  assert.ok(dist(a.params, b.params) > 1e-3, JSON.stringify([a.params, b.params]));
  assert.ok(dist(a.params, c.params) > 1e-3 && dist(b.params, c.params) > 1e-3);
});

test('failed trials are tolerated and never re-suggested; all-failed and constant objectives still work', () => {
  const study = createStudy({ space: mixed, algorithm: 'bayesian', seed: 5, options: { initialTrials: 4 } });
  const failed = new Set<string>();
  for (let i = 0; i < 16; i++) {
    const t = study.ask();
    const key = paramsKey(t.params, mixed);
    assert.ok(!failed.has(key));
    if ((t.params.layers as number) >= 5 || i % 5 === 0) {
      study.tell(t.id, { state: 'failed', error: 'diverged' });
      failed.add(key);
    } else {
      study.tell(t.id, mixedLoss(t.params));
    }
  }
  const allFail = createStudy({ space: quad2, algorithm: 'bayesian', seed: 6 });
  for (let i = 0; i < 8; i++) {
    const t = allFail.ask();
    assert.ok(isInSpace(quad2, t.params));
    allFail.tell(t.id, NaN);
  }
  const flat = createStudy({ space: quad2, algorithm: 'bayesian', seed: 7, options: { initialTrials: 3 } });
  const seen = run(flat, () => 42, 10);
  assert.ok(seen.every((p) => isInSpace(quad2, p) && Number.isFinite(p.x as number)));
  assert.equal(new Set(seen.map((p) => paramsKey(p, quad2))).size, seen.length);
});

test('a small discrete space is covered without repeats until it is exhausted', () => {
  const space: Space = { k: { type: 'int', low: 1, high: 4 }, c: { type: 'categorical', choices: ['a', 'b'] } };
  const study = createStudy({ space, algorithm: 'bayesian', seed: 8, options: { initialTrials: 3 } });
  const pts = run(study, (p) => (p.k as number) + (p.c === 'a' ? 0 : 0.5), 8);
  assert.equal(new Set(pts.map((p) => paramsKey(p, space))).size, 8);
  const extra = study.ask();
  assert.ok(isInSpace(space, extra.params));
});

test('options are validated with a path', () => {
  assert.throws(() => createSampler('bayesian', { initalTrials: 3 }), (e: unknown) => e instanceof AlgorithmError && e.path.join('.') === 'options.initalTrials');
  assert.throws(() => createSampler('bayesian', { initialTrials: 0 }), AlgorithmError);
  assert.throws(() => createSampler('bayesian', { outputWarping: 'cube' }), AlgorithmError);
  assert.equal(createSampler('bayesian', { initialTrials: 4, outputWarping: 'log' }).name, 'bayesian');
});

test('hyperparameters are refitted at every ask early on, every ⌊n/10⌋ asks later', () => {
  assert.equal(hyperparameterPrefix(25, 40), 25);
  assert.equal(hyperparameterPrefix(40, 40), 40);
  assert.equal(hyperparameterPrefix(47, 40), 44);
  assert.equal(hyperparameterPrefix(105, 40), 100);
  assert.equal(hyperparameterPrefix(109, 40), 100);
  assert.equal(hyperparameterPrefix(110, 40), 110);
});
