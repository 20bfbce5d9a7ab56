/** Properties of the random and grid samplers, exercised through the Study as a user would. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gridSize, gridValues, isInSpace, paramsKey } from '../src/space';
import { createStudy, StudyExhaustedError } from '../src/study';
import { nthFreeIndex } from '../src/samplers/grid';
import type { Params, Space } from '../src/types';
import * as arb from './arbitraries';

function askN(space: Space, algorithm: string, seed: number, n: number): Params[] {
  const study = createStudy({ space, algorithm, seed });
  const out: Params[] = [];
  for (let i = 0; i < n; i++) {
    const t = study.ask();
    out.push(t.params);
    // Tell some, fail some, leave some running: the samplers must cope with every state.
    if (i % 3 === 0) study.tell(t.id, i);
    else if (i % 3 === 1) study.tell(t.id, { state: 'failed', error: 'boom' });
  }
  return out;
}

describe('random sampler', () => {
  test('every suggestion lies in its space', () => {
    fc.assert(
      fc.property(arb.space, fc.integer(), (space, seed) => {
        for (const p of askN(space, 'random', seed, 8)) {
          assert.ok(isInSpace(space, p), JSON.stringify({ space, p }));
          for (const [name, spec] of Object.entries(space)) {
            const v = p[name];
            if (spec.type === 'int') assert.ok(Number.isInteger(v));
            if (spec.type !== 'categorical') assert.ok((v as number) >= spec.low && (v as number) <= spec.high);
            if (spec.type === 'categorical') assert.ok(spec.choices.includes(v as never));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  test('is deterministic for a seed, and different seeds differ', () => {
    fc.assert(
      fc.property(arb.continuousSpace, fc.integer(), (space, seed) => {
        assert.deepEqual(askN(space, 'random', seed, 6), askN(space, 'random', seed, 6));
        assert.notDeepEqual(askN(space, 'random', seed, 6), askN(space, 'random', seed + 1, 6));
      }),
      { numRuns: 50 },
    );
  });

  test('several asks before any tell give distinct points on continuous spaces', () => {
    fc.assert(
      fc.property(arb.continuousSpace, fc.integer(), (space, seed) => {
        const study = createStudy({ space, algorithm: 'random', seed });
        const keys = new Set(Array.from({ length: 20 }, () => paramsKey(study.ask().params, space)));
        assert.equal(keys.size, 20);
      }),
      { numRuns: 50 },
    );
  });

  test('avoids repeating points of a small discrete space while fresh ones remain', () => {
    const space: Space = { a: { type: 'categorical', choices: ['x', 'y', 'z'] }, b: { type: 'int', low: 0, high: 2 } };
    for (let seed = 0; seed < 20; seed++) {
      const study = createStudy({ space, algorithm: 'random', seed });
      const keys = new Set(Array.from({ length: 9 }, () => paramsKey(study.ask().params, space)));
      assert.equal(keys.size, 9, `seed ${seed}`);
    }
  });

  test('is uniform: log ranges per decade, ints and listed values per value', () => {
    const space: Space = {
      lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
      n: { type: 'int', low: 1, high: 4 },
      v: { type: 'float', low: 0, high: 1, values: [0, 0.01, 0.02, 1] },
    };
    const study = createStudy({ space, algorithm: 'random', seed: 7 });
    const N = 6000;
    const decades = [0, 0, 0];
    const ints = [0, 0, 0, 0];
    const listed = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const { id, params } = study.ask();
      study.tell(id, 0);
      decades[Math.min(2, Math.floor(Math.log10(params.lr as number) + 4))]! += 1;
      ints[(params.n as number) - 1]! += 1;
      listed.set(params.v as number, (listed.get(params.v as number) ?? 0) + 1);
    }
    // Binomial standard deviations are about 36 (thirds) and 34 (quarters); allow 5 of them.
    for (const c of decades) assert.ok(Math.abs(c - N / 3) < 180, `decades ${decades}`);
    for (const c of ints) assert.ok(Math.abs(c - N / 4) < 170, `ints ${ints}`);
    for (const c of listed.values()) assert.ok(Math.abs(c - N / 4) < 170, `values ${[...listed]}`);
  });
});

describe('grid sampler', () => {
  test('nthFreeIndex skips taken indices', () => {
    assert.equal(nthFreeIndex([], 3), 3);
    assert.equal(nthFreeIndex([0, 1, 2], 0), 3);
    assert.equal(nthFreeIndex([1, 3], 0), 0);
    assert.equal(nthFreeIndex([1, 3], 1), 2);
    assert.equal(nthFreeIndex([1, 3], 2), 4);
  });

  test('enumerates each grid point exactly once, in any trial state, then stops', () => {
    fc.assert(
      fc.property(arb.gridSpace, fc.integer(), (space, seed) => {
        const size = gridSize(space);
        const study = createStudy({ space, algorithm: 'grid', seed });
        assert.equal(study.remaining, size);
        const keys = new Set<string>();
        for (let i = 0; i < size; i++) {
          const t = study.ask();
          assert.ok(isInSpace(space, t.params));
          keys.add(paramsKey(t.params, space));
          if (i % 4 === 1) study.tell(t.id, { state: 'failed' });
          else if (i % 4 === 2) study.tell(t.id, 1);
          else if (i % 4 === 3) study.tell(t.id, { state: 'pruned', value: 2 });
        }
        assert.equal(keys.size, size);
        assert.equal(study.remaining, 0);
        assert.throws(() => study.ask(), StudyExhaustedError);
      }),
      { numRuns: 150 },
    );
  });

  test('is deterministic for a seed and not lexicographic', () => {
    const space: Space = { a: { type: 'int', low: 0, high: 9 }, b: { type: 'int', low: 0, high: 9 } };
    assert.deepEqual(askN(space, 'grid', 3, 30), askN(space, 'grid', 3, 30));
    assert.notDeepEqual(askN(space, 'grid', 3, 30), askN(space, 'grid', 4, 30));
    // With 10 of 100 points, a seeded random order reaches many values of the first parameter;
    // lexicographic order would stay at a = 0.
    const firstA = new Set(askN(space, 'grid', 3, 10).map((p) => p.a));
    assert.ok(firstA.size >= 4, `first ten points use a ∈ {${[...firstA]}}`);
  });

  test('a small budget spreads over the grid: each value of each parameter is equally likely first', () => {
    const space: Space = { a: { type: 'categorical', choices: ['p', 'q', 'r', 's'] }, b: { type: 'int', low: 0, high: 4 } };
    const firstA = new Map<unknown, number>();
    for (let seed = 0; seed < 800; seed++) {
      const a = createStudy({ space, algorithm: 'grid', seed }).ask().params.a;
      firstA.set(a, (firstA.get(a) ?? 0) + 1);
    }
    assert.deepEqual([...firstA.keys()].sort(), gridValues(space.a!).sort());
    for (const c of firstA.values()) assert.ok(Math.abs(c - 200) < 65, `first points ${[...firstA]}`);
  });

  test('a float without step or values is refused when the study is created', () => {
    assert.throws(
      () => createStudy({ space: { x: { type: 'float', low: 0, high: 1 } }, algorithm: 'grid' }),
      /grid search needs 'step' or 'values' for a float parameter/,
    );
  });
});
