import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Params, ParamSpec } from '../src/types';
import {
  BENCHMARK_FUNCTIONS,
  ackleyValue,
  benchmarkFunction,
  braninValue,
  hartmann6Value,
  mixedMlpValue,
  rosenbrockValue,
  styblinskiTangValue,
} from '../bench/functions';
import { gridSpaceFor } from '../bench/optimizers';

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);
}

test('the six functions are the ones of the benchmark brief, with the stated dimensions', () => {
  const dims = Object.fromEntries(BENCHMARK_FUNCTIONS.map((f) => [f.name, Object.keys(f.space).length]));
  assert.deepEqual(dims, { branin: 2, hartmann6: 6, rosenbrock4: 4, ackley5: 5, styblinski_tang8: 8, mixed_mlp: 5 });
});

test('each function attains its known optimum at its known minimiser, which lies in the space', () => {
  for (const f of BENCHMARK_FUNCTIONS) {
    close(f.evaluate(f.argmin), f.optimum, 1e-4, f.name);
    for (const [name, spec] of Object.entries(f.space)) {
      const v = f.argmin[name];
      if (spec.type === 'categorical') assert.ok(spec.choices.includes(v as string), `${f.name}.${name}`);
      else assert.ok((v as number) >= spec.low && (v as number) <= spec.high, `${f.name}.${name} = ${v}`);
    }
  }
});

test('branin has its three global minima and known values elsewhere', () => {
  close(braninValue(-Math.PI, 12.275), 0.397887, 1e-5, 'branin(-pi, 12.275)');
  close(braninValue(Math.PI, 2.275), 0.397887, 1e-5, 'branin(pi, 2.275)');
  close(braninValue(9.42478, 2.475), 0.397887, 1e-5, 'branin(9.42478, 2.475)');
  // (0 - 6)^2 + 10 (1 - 1/(8 pi)) cos 0 + 10
  close(braninValue(0, 0), 56 - 10 / (8 * Math.PI), 1e-9, 'branin(0, 0)');
});

test('known values away from the optima', () => {
  close(rosenbrockValue([0, 0, 0, 0]), 3, 1e-12, 'rosenbrock(0)');
  close(rosenbrockValue([2, 1, 1, 1]), 100 * 9 + 1, 1e-12, 'rosenbrock(2,1,1,1)');
  close(ackleyValue([1, 1, 1, 1, 1]), 20 * (1 - Math.exp(-0.2)), 1e-12, 'ackley(1,…,1)');
  close(styblinskiTangValue(new Array(8).fill(0)), 0, 1e-12, 'styblinski_tang(0)');
  close(styblinskiTangValue(new Array(8).fill(1)), 8 * (1 - 16 + 5) / 2, 1e-12, 'styblinski_tang(1)');
  // Hartmann6's well-known second local minimum (value -3.20316 in the literature).
  close(hartmann6Value([0.40465, 0.88244, 0.8461, 0.57399, 0.13893, 0.0385]), -3.20316, 1e-4, 'hartmann6 local min');
  const worst: Params = { lr: 1e-5, units: 512, layers: 6, activation: 'sigmoid', dropout: 0.7 };
  close(mixedMlpValue(worst), 6.25 + 42.25 + 0.9 + 0.45 + 2 * 0.25, 1e-12, 'mixed_mlp corner');
});

function paramArbitrary(spec: ParamSpec): fc.Arbitrary<number | string | boolean> {
  if (spec.type === 'categorical') return fc.constantFrom(...spec.choices);
  if (spec.type === 'int') return fc.integer({ min: spec.low, max: spec.high });
  return fc.double({ min: spec.low, max: spec.high, noNaN: true });
}

test('no point of a space scores below the known optimum', () => {
  for (const f of BENCHMARK_FUNCTIONS) {
    const record = fc.record(Object.fromEntries(Object.entries(f.space).map(([k, s]) => [k, paramArbitrary(s)])));
    fc.assert(
      fc.property(record, (p) => f.evaluate(p as Params) >= f.optimum - 1e-4),
      { numRuns: 300 },
    );
  }
});

test('lookup by name and a clear error for unknown names', () => {
  assert.equal(benchmarkFunction('ackley5').name, 'ackley5');
  assert.throws(() => benchmarkFunction('sphere'), /unknown benchmark function 'sphere'/);
  assert.throws(() => benchmarkFunction('branin').evaluate({ x0: 1 }), /'x1' must be a finite number/);
});

test('the benchmark gives grid search cell-centre values inside the original space', () => {
  for (const f of BENCHMARK_FUNCTIONS) {
    const grid = gridSpaceFor(f.space, 50);
    let size = 1;
    for (const [name, spec] of Object.entries(grid)) {
      const original = f.space[name]!;
      if (spec.type === 'categorical') {
        assert.deepEqual(spec, original);
        size *= spec.choices.length;
        continue;
      }
      assert.ok(spec.values !== undefined && spec.values.length >= 2, `${f.name}.${name}`);
      for (const v of spec.values) {
        assert.ok(original.type !== 'categorical' && v > original.low && v < original.high, `${f.name}.${name} = ${v}`);
      }
      size *= spec.values.length;
    }
    assert.ok(size >= 50, `${f.name}: a grid of ${size} points cannot hold 50 trials`);
  }
  // Branin: 8 × 8 centres of [-5, 10] and [0, 15].
  const branin = gridSpaceFor(benchmarkFunction('branin').space, 50);
  assert.deepEqual((branin.x0 as { values: number[] }).values, [-4.0625, -2.1875, -0.3125, 1.5625, 3.4375, 5.3125, 7.1875, 9.0625]);
  // mixed_mlp keeps lr's log scale: geometric centres.
  const lr = (gridSpaceFor(benchmarkFunction('mixed_mlp').space, 50).lr as { values: number[] }).values;
  close(lr[1]! / lr[0]!, 1e5 ** (1 / lr.length), 1e-6, 'lr ratio');
});
