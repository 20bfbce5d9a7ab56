import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AlgorithmError, createSampler } from '../src/algorithms';
import { Rng } from '../src/rng';
import { isInSpace, paramsKey, toUnit } from '../src/space';
import { createStudy } from '../src/study';
import { createTpeSampler, type TpeOptions } from '../src/samplers/tpe';
import { createRandomSampler } from '../src/samplers/random';
import type { Direction, ParamSpec, Params, Sampler, Space, Trial } from '../src/types';
import { continuousSpace, space as anySpace } from './arbitraries';

/** Asks for one point with the study's rule for randomness, without a Study in between. */
function suggest(sampler: Sampler, space: Space, trials: readonly Trial[], seed = 0, direction: Direction = 'minimize'): Params {
  return sampler.suggest({ space, direction, trials, trialId: trials.length, rng: Rng.derive(seed, trials.length) });
}

function complete(id: number, params: Params, value: number): Trial {
  return { id, params, state: 'complete', value, intermediate: [] };
}

/** A sequential search: returns the trials. */
function run(sampler: Sampler, space: Space, n: number, f: (p: Params) => number, seed = 0, direction: Direction = 'minimize'): Trial[] {
  const trials: Trial[] = [];
  for (let i = 0; i < n; i++) {
    const params = suggest(sampler, space, trials, seed, direction);
    trials.push(complete(i, params, f(params)));
  }
  return trials;
}

const MIXED: Space = {
  lr: { type: 'float', low: 1e-5, high: 1, log: true },
  units: { type: 'int', low: 8, high: 512 },
  layers: { type: 'int', low: 1, high: 6 },
  activation: { type: 'categorical', choices: ['relu', 'tanh', 'sigmoid', 'elu'] },
  dropout: { type: 'float', low: 0, high: 0.7 },
  width: { type: 'int', low: 16, high: 256, log: true },
  momentum: { type: 'float', low: 0, high: 0.9, step: 0.1 },
  batch: { type: 'int', low: 16, high: 128, values: [16, 32, 64, 128] },
};

/** A smooth mixed objective with its optimum inside the space. */
function mixedObjective(p: Params): number {
  const a = { relu: 0, tanh: 0.35, sigmoid: 0.9, elu: 0.1 }[p.activation as string] ?? 1;
  return (
    (Math.log10(p.lr as number) + 2.5) ** 2 +
    (((p.units as number) - 96) / 64) ** 2 +
    0.15 * Math.abs((p.layers as number) - 3) +
    a +
    2 * ((p.dropout as number) - 0.2) ** 2 +
    (Math.log2(p.width as number) - 6) ** 2 / 4 +
    ((p.momentum as number) - 0.9) ** 2 +
    (p.batch === 32 ? 0 : 0.1)
  );
}

describe('tpe sampler', () => {
  it('keeps every suggestion inside generated spaces, through startup, the model, failures, prunes and pending trials', () => {
    fc.assert(
      fc.property(
        anySpace,
        fc.array(fc.constantFrom('complete', 'complete', 'complete', 'failed', 'pruned', 'pending'), { minLength: 5, maxLength: 25 }),
        fc.boolean(),
        fc.constantFrom<'neighbour' | 'scott'>('neighbour', 'scott'),
        fc.constantFrom<Direction>('minimize', 'maximize'),
        fc.integer({ min: 0, max: 1000 }),
        (space, outcomes, multivariate, bandwidth, direction, seed) => {
          const sampler = createTpeSampler({ multivariate, bandwidth, nStartupTrials: 3 });
          const trials: Trial[] = [];
          outcomes.forEach((outcome, id) => {
            const params = suggest(sampler, space, trials, seed, direction);
            assert.ok(isInSpace(space, params), `outside the space: ${JSON.stringify(params)} in ${JSON.stringify(space)}`);
            // A value that depends on the point, so that the model has something to learn.
            const value = Object.values(space).reduce(
              (s, spec, i) => s + (i + 1) * toUnit(spec as ParamSpec, params[Object.keys(space)[i] as string]!),
              0,
            );
            if (outcome === 'complete') trials.push(complete(id, params, value));
            else if (outcome === 'failed') trials.push({ id, params, state: 'failed', error: 'boom', intermediate: [] });
            else if (outcome === 'pruned') trials.push({ id, params, state: 'pruned', value, intermediate: [[1, value]] });
            else trials.push({ id, params, state: 'running', intermediate: [] });
          });
        },
      ),
      { numRuns: 120 },
    );
  });

  it('is deterministic for a seed and differs between seeds', () => {
    for (const multivariate of [false, true]) {
      const a = run(createTpeSampler({ multivariate }), MIXED, 25, mixedObjective, 7);
      const b = run(createTpeSampler({ multivariate }), MIXED, 25, mixedObjective, 7);
      const c = run(createTpeSampler({ multivariate }), MIXED, 25, mixedObjective, 8);
      assert.deepEqual(a.map((t) => t.params), b.map((t) => t.params));
      assert.notDeepEqual(a.slice(10).map((t) => t.params), c.slice(10).map((t) => t.params));
    }
  });

  it('gives the same suggestions through the Study and its JSON round trip', () => {
    const study = createStudy({ space: MIXED, algorithm: 'tpe', seed: 3, options: { multivariate: true } });
    for (let i = 0; i < 14; i++) {
      const t = study.ask();
      study.tell(t.id, mixedObjective(t.params));
    }
    const resumed = createStudy.fromJSON(JSON.parse(JSON.stringify(study.toJSON())));
    assert.deepEqual(resumed.ask().params, study.ask().params);
  });

  it('makes parallel asks differ, lying about pending trials', () => {
    fc.assert(
      fc.property(continuousSpace, fc.integer({ min: 0, max: 1000 }), fc.boolean(), (space, seed, multivariate) => {
        const sampler = createTpeSampler({ multivariate });
        const names = Object.keys(space);
        const trials = run(sampler, space, 12, (p) => toUnit(space[names[0] as string] as ParamSpec, p[names[0] as string]!), seed);
        const keys = new Set<string>();
        for (let k = 0; k < 6; k++) {
          const params = suggest(sampler, space, trials, seed);
          keys.add(paramsKey(params, space));
          trials.push({ id: trials.length, params, state: 'running', intermediate: [] });
        }
        assert.equal(keys.size, 6);
      }),
      { numRuns: 40 },
    );
  });

  it('steers parallel asks away from pending points with the constant liar', () => {
    // One continuous parameter, many good trials near 0.5: the first pending asks land there,
    // and lying about them pushes later asks away more than telling nothing does.
    const space: Space = { x: { type: 'float', low: 0, high: 1 } };
    const spread = (constantLiar: boolean): number => {
      let total = 0;
      for (let seed = 0; seed < 20; seed++) {
        const sampler = createTpeSampler({ constantLiar });
        const trials = run(sampler, space, 30, (p) => Math.abs((p.x as number) - 0.5), seed);
        const xs: number[] = [];
        for (let k = 0; k < 8; k++) {
          const params = suggest(sampler, space, trials, seed);
          xs.push(params.x as number);
          trials.push({ id: trials.length, params, state: 'running', intermediate: [] });
        }
        const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
        total += Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
      }
      return total / 20;
    };
    const lying = spread(true);
    const honest = spread(false);
    assert.ok(lying > honest, `spread with the liar ${lying} should exceed ${honest}`);
  });

  it('tolerates failed trials: ignores them, and stays random while nothing has finished', () => {
    const sampler = createTpeSampler({ nStartupTrials: 5 });
    const trials: Trial[] = [];
    for (let i = 0; i < 30; i++) {
      const params = suggest(sampler, MIXED, trials, 1);
      assert.ok(isInSpace(MIXED, params));
      trials.push({ id: i, params, state: 'failed', error: 'out of memory', intermediate: [] });
    }
    // Failures mixed with successes: failures change nothing about what the model is fitted on.
    const ok = run(createTpeSampler(), MIXED, 20, mixedObjective, 2);
    const withFailures: Trial[] = [];
    for (const t of ok) {
      withFailures.push({ ...t, id: withFailures.length });
      withFailures.push({ id: withFailures.length, params: t.params, state: 'failed', intermediate: [] });
    }
    // Same finished trials (ids differ, so compare the fitted model through many draws).
    const a = createTpeSampler();
    const b = createTpeSampler();
    const ctx = (trials: Trial[], k: number) => ({ space: MIXED, direction: 'minimize' as const, trials, trialId: 99, rng: new Rng(k) });
    for (let k = 0; k < 5; k++) assert.deepEqual(a.suggest(ctx(ok, k)), b.suggest(ctx(withFailures, k)));
  });

  it('ignores old trials whose values no longer fit a changed space', () => {
    const narrow: Space = { x: { type: 'float', low: 0, high: 1 }, c: { type: 'categorical', choices: ['a', 'b'] } };
    const trials: Trial[] = [];
    for (let i = 0; i < 12; i++) trials.push(complete(i, { x: 5 + i, c: 'z' }, i));
    for (let i = 12; i < 24; i++) trials.push(complete(i, { x: (i - 12) / 12, c: 'a' }, i));
    const params = suggest(createTpeSampler(), narrow, trials);
    assert.ok(isInSpace(narrow, params));
  });

  for (const direction of ['minimize', 'maximize'] as const) {
    it(`concentrates near the optimum after the startup trials (${direction})`, () => {
      // f has its best at x = 0.3 (minimum or maximum depending on the direction).
      const space: Space = { x: { type: 'float', low: 0, high: 1 }, k: { type: 'int', low: 0, high: 20 } };
      const f = (p: Params) => (direction === 'minimize' ? 1 : -1) * (((p.x as number) - 0.3) ** 2 + (((p.k as number) - 14) / 20) ** 2);
      for (const multivariate of [false, true]) {
        let nearTpe = 0;
        let nearRandom = 0;
        for (let seed = 0; seed < 10; seed++) {
          const tpe = run(createTpeSampler({ multivariate }), space, 40, f, seed, direction).slice(20);
          const rnd = run(createRandomSampler(), space, 40, f, seed, direction).slice(20);
          nearTpe += tpe.filter((t) => Math.abs((t.params.x as number) - 0.3) < 0.1 && Math.abs((t.params.k as number) - 14) <= 2).length;
          nearRandom += rnd.filter((t) => Math.abs((t.params.x as number) - 0.3) < 0.1 && Math.abs((t.params.k as number) - 14) <= 2).length;
        }
        assert.ok(nearTpe > 3 * nearRandom, `multivariate=${multivariate}: ${nearTpe} TPE points near the optimum vs ${nearRandom} random`);
      }
    });
  }

  it('beats random search on a mixed space', () => {
    const bestOf = (trials: Trial[]) => Math.min(...trials.map((t) => t.value as number));
    let wins = 0;
    for (let seed = 0; seed < 10; seed++) {
      if (bestOf(run(createTpeSampler(), MIXED, 50, mixedObjective, seed)) < bestOf(run(createRandomSampler(), MIXED, 50, mixedObjective, seed))) wins++;
    }
    assert.ok(wins >= 8, `TPE won ${wins} of 10`);
  });

  // The cost of ask() is measured by `npm run bench:optimizers` (BENCHMARKS.md), not asserted here.

  it('is registered as tpe and checks options from a config', () => {
    assert.equal(createSampler('tpe').name, 'tpe');
    assert.equal(createSampler('tpe', { multivariate: false, bandwidth: 'scott', nStartupTrials: 4, gamma: 0.2 }).name, 'tpe');
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ nStartupTrials: -1 }, 'nStartupTrials'],
      [{ nEiCandidates: 0 }, 'nEiCandidates'],
      [{ nEiCandidates: 2.5 }, 'nEiCandidates'],
      [{ multivariate: 'yes' }, 'multivariate'],
      [{ bandwidth: 'wide' }, 'bandwidth'],
      [{ gamma: 1.5 }, 'gamma'],
      [{ gamma: 'sqrt' }, 'gamma'],
      [{ priorWeight: -1 }, 'priorWeight'],
      [{ constantLiar: 1 }, 'constantLiar'],
      [{ nStartup: 5 }, 'nStartup'],
    ];
    for (const [options, key] of bad) {
      assert.throws(
        () => createSampler('tpe', options),
        (e: unknown) => e instanceof AlgorithmError && e.path.join('.') === `options.${key}`,
        JSON.stringify(options),
      );
    }
    // A gamma function is fine when the sampler is built in code.
    const custom: TpeOptions = { gamma: (n) => Math.max(1, Math.floor(n / 4)) };
    assert.equal(createTpeSampler(custom).name, 'tpe');
  });
});
