/** PED-ANOVA parameter importance, on functions whose important parameter is known. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { density, pearsonDivergence, pedAnova, type ImportanceTrial } from '../src/report/importance';
import type { ParamAxis } from '../src/report/scale';
import { rng } from './report-fixtures';

const SPACE: ParamAxis[] = [
  { name: 'x', type: 'float', low: 0, high: 1 },
  { name: 'lr', type: 'float', low: 1e-5, high: 1, log: true },
  { name: 'noise', type: 'float', low: -5, high: 5 },
  { name: 'act', type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
];

/** n trials drawn uniformly from SPACE; f may use `eps`, evaluation noise unrelated to any parameter. */
function sample(n: number, seed: number, f: (p: Record<string, number | string>, eps: number) => number): ImportanceTrial[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const params = { x: r(), lr: 10 ** (-5 + 5 * r()), noise: -5 + 10 * r(), act: ['relu', 'tanh', 'elu'][Math.floor(r() * 3)] as string };
    return { params, value: f(params, r()) };
  });
}

const share = (res: ReturnType<typeof pedAnova>, name: string) => res.values.find((v) => v.name === name)?.importance ?? NaN;

describe('PED-ANOVA importance', () => {
  test('finds the one parameter that decides the objective (minimize)', () => {
    const trials = sample(300, 1, (p) => ((p.x as number) - 0.3) ** 2);
    const res = pedAnova(SPACE, trials, 'minimize');
    assert.equal(res.method, 'PED-ANOVA');
    assert.equal(res.values[0]?.name, 'x');
    assert.ok(share(res, 'x') > 0.8, JSON.stringify(res.values));
    assert.equal(res.trials, 300);
    assert.equal(res.top, 30);
  });

  test('reads a log parameter on its log scale (maximize)', () => {
    // Accuracy peaks at lr = 1e-3 in log space; x has a small effect, the rest none.
    const trials = sample(400, 2, (p) => -((Math.log10(p.lr as number) + 3) ** 2) - 0.05 * (p.x as number));
    const res = pedAnova(SPACE, trials, 'maximize');
    assert.equal(res.values[0]?.name, 'lr');
    assert.ok(share(res, 'lr') > 0.7, JSON.stringify(res.values));
    assert.ok(share(res, 'lr') > 3 * share(res, 'x'));
  });

  test('finds an important categorical parameter', () => {
    // Among the tanh trials, which ones rank best is down to evaluation noise alone.
    const trials = sample(300, 3, (p, eps) => (p.act === 'tanh' ? 0 : 1) + 0.5 * eps);
    const res = pedAnova(SPACE, trials, 'minimize');
    assert.equal(res.values[0]?.name, 'act');
    assert.ok(share(res, 'act') > 0.6, JSON.stringify(res.values));
  });

  test('ranks two parameters by how much they matter', () => {
    const trials = sample(600, 4, (p) => 10 * ((p.x as number) - 0.8) ** 2 + 0.4 * ((p.noise as number) / 5) ** 2);
    const res = pedAnova(SPACE, trials, 'minimize');
    assert.deepEqual(res.values.slice(0, 2).map((v) => v.name), ['x', 'noise']);
  });

  test('too few trials: nothing computed, and says why', () => {
    const res = pedAnova(SPACE, sample(3, 5, () => 1), 'minimize');
    assert.deepEqual(res.values, []);
    assert.match(res.reason ?? '', /at least 4 complete trials \(has 3\)/);
  });

  test('a constant objective and an unexplored parameter give no NaN', () => {
    const trials = sample(50, 6, () => 1).map((t) => ({ ...t, params: { ...t.params, x: 0.5 } }));
    const res = pedAnova(SPACE, trials, 'minimize');
    for (const v of res.values) assert.ok(Number.isFinite(v.importance));
    assert.ok(share(res, 'x') < 1e-9);
  });

  test('densities are distributions and the divergence of equal ones is 0', () => {
    const p = density(SPACE[0] as ParamAxis, [0.1, 0.5, 0.52], 50);
    assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) < 1e-12);
    assert.ok(p.every((v) => v > 0));
    assert.equal(pearsonDivergence(p, p), 0);
    const c = density(SPACE[3] as ParamAxis, [0, 0, 2], 3);
    assert.deepEqual(c.map((v) => Math.round(v * 1e6) / 1e6), [0.663333, 0.003333, 0.333333]);
  });

  test('property: shares are in [0, 1], sum to 1, and do not depend on trial order or the objective scale', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 8, max: 80 }), fc.constantFrom('minimize' as const, 'maximize' as const), (seed, n, dir) => {
        const trials = sample(n, seed, (p) => Math.sin(6 * (p.x as number)) + (p.act === 'elu' ? 0.5 : 0) + 0.1 * (p.noise as number));
        const res = pedAnova(SPACE, trials, dir);
        const total = res.values.reduce((s, v) => s + v.importance, 0);
        assert.ok(Math.abs(total - 1) < 1e-9 || total === 0);
        for (const v of res.values) assert.ok(v.importance >= 0 && v.importance <= 1);
        // Rank-based: a strictly increasing transform of the objective changes nothing.
        const squashed = pedAnova(SPACE, trials.map((t) => ({ ...t, value: Math.exp(t.value) * 3 + 1 })), dir);
        assert.deepEqual(squashed.values.map((v) => v.name), res.values.map((v) => v.name));
        const reversed = pedAnova(SPACE, [...trials].reverse(), dir);
        res.values.forEach((v, k) => assert.ok(Math.abs(v.importance - (reversed.values[k]?.importance ?? NaN)) < 1e-9 || v.name !== reversed.values[k]?.name));
      }),
      { numRuns: 40 },
    );
  });
});
