import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ALGORITHMS, AlgorithmError, createSampler } from '../src/algorithms';
import { minimize } from '../src/minimize';
import { isInSpace, paramsKey } from '../src/space';
import { createStudy, Study, StudyExhaustedError, StudyFormatError, studyFromJSON } from '../src/study';
import type { Params, Sampler, Space } from '../src/types';
import * as arb from './arbitraries';

const SPACE: Space = {
  lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
  units: { type: 'int', low: 16, high: 256, log: true },
  activation: { type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
};

/** A deterministic stand-in objective. */
function objective(p: Params): number {
  return Math.log10(p.lr as number) ** 2 + (p.units as number) / 100 + (p.activation === 'tanh' ? 0 : 1);
}

/**
 * A sampler with learned state: it counts the trials it has observed and the values told, and
 * mixes both into its suggestions, so a lost or wrongly restored state changes what it proposes.
 */
function countingSampler(): Sampler {
  let observed = 0;
  let sum = 0;
  return {
    name: 'counting',
    suggest(ctx) {
      const u = (ctx.rng.next() + observed * 0.137 + sum * 0.01) % 1;
      return { x: Math.min(1, Math.max(0, u)) };
    },
    observe(trial) {
      observed++;
      sum += trial.value ?? 0;
    },
    saveState: () => ({ observed, sum }),
    loadState(state) {
      ({ observed, sum } = state as { observed: number; sum: number });
    },
  };
}

describe('Study', () => {
  test('ask records running trials with ids in order; tell completes them', () => {
    const study = createStudy({ space: SPACE, algorithm: 'random', seed: 1 });
    const a = study.ask();
    const b = study.ask();
    assert.deepEqual([a.id, b.id], [0, 1]);
    assert.ok(isInSpace(SPACE, a.params));
    assert.deepEqual(Object.keys(a.params), Object.keys(SPACE));
    assert.deepEqual(study.trials.map((t) => t.state), ['running', 'running']);
    assert.equal(study.best, undefined);
    study.tell(b.id, 0.5);
    assert.equal(study.trials[1]!.state, 'complete');
    assert.equal(study.trials[1]!.value, 0.5);
    assert.deepEqual(study.best, { id: 1, params: b.params, value: 0.5 });
    // The asked params are a copy: changing them does not change the record.
    a.params.lr = 123;
    assert.notEqual(study.trials[0]!.params.lr, 123);
  });

  test('defaults: random search, minimize, seed 0', () => {
    const study = createStudy({ space: SPACE });
    assert.equal(study.algorithm, 'random');
    assert.equal(study.direction, 'minimize');
    assert.equal(study.seed, 0);
    assert.equal(study.remaining, undefined);
  });

  test('failed, pruned and non-finite trials are recorded and never best', () => {
    const study = createStudy({ space: SPACE, seed: 2 });
    const ids = Array.from({ length: 6 }, () => study.ask().id);
    study.tell(ids[0]!, NaN);
    study.tell(ids[1]!, -Infinity);
    study.tell(ids[2]!, { state: 'failed', error: 'out of memory' });
    study.report(ids[3]!, 1, 0.9);
    study.report(ids[3]!, 2, 0.7);
    study.tell(ids[3]!, { state: 'pruned' });
    study.tell(ids[4]!, 3);
    study.tell(ids[5]!, { state: 'complete', value: 2 });
    const [t0, t1, t2, t3] = study.trials;
    assert.deepEqual([t0!.state, t0!.error, t0!.value], ['failed', 'objective is not finite', undefined]);
    assert.deepEqual([t1!.state, t1!.error], ['failed', 'objective is not finite']);
    assert.deepEqual([t2!.state, t2!.error], ['failed', 'out of memory']);
    assert.deepEqual([t3!.state, t3!.value, t3!.intermediate], ['pruned', 0.7, [[1, 0.9], [2, 0.7]]]);
    assert.equal(study.best?.id, 5);
    // Asking goes on after failures.
    assert.ok(isInSpace(SPACE, study.ask().params));
  });

  test('best follows the direction; ties go to the lowest id', () => {
    for (const direction of ['minimize', 'maximize'] as const) {
      const study = createStudy({ space: SPACE, direction, seed: 3 });
      const values = [2, 1, 3, 1, 3];
      for (const v of values) study.tell(study.ask().id, v);
      assert.deepEqual(study.best?.id, direction === 'minimize' ? 1 : 2);
      assert.equal(study.best?.value, direction === 'minimize' ? 1 : 3);
    }
  });

  test('telling twice, an unknown id or a bad result throws', () => {
    const study = createStudy({ space: SPACE, seed: 4 });
    const { id } = study.ask();
    assert.throws(() => study.tell(7, 1), /unknown trial id 7/);
    assert.throws(() => study.tell(-1, 1), /unknown trial id/);
    assert.throws(() => study.tell(id, { state: 'running' } as never), TypeError);
    assert.throws(() => study.tell(id, { state: 'complete' } as never), TypeError);
    study.tell(id, 1);
    assert.throws(() => study.tell(id, 2), /already complete/);
    assert.throws(() => study.report(id, 1, 1), /already complete/);
    assert.equal(study.trials[0]!.value, 1);
  });

  test('report appends intermediate values with increasing steps; shouldPrune is false without a pruner', () => {
    const study = createStudy({ space: SPACE, seed: 5 });
    const { id } = study.ask();
    study.report(id, 0, 0.5);
    study.report(id, 3, 0.4);
    assert.throws(() => study.report(id, 3, 0.3), /does not come after step 3/);
    assert.throws(() => study.report(id, 4, NaN), /finite/);
    assert.deepEqual(study.trials[0]!.intermediate, [[0, 0.5], [3, 0.4]]);
    assert.equal(study.shouldPrune(id), false);
    assert.throws(() => study.shouldPrune(9), /unknown trial id/);
  });

  test('suggestions depend only on seed and told values, not on the history of randomness', () => {
    fc.assert(
      fc.property(arb.space, fc.integer(), fc.constantFrom('random', 'grid'), (space, seed, algorithm) => {
        let study: Study;
        try {
          study = createStudy({ space, algorithm, seed });
        } catch {
          return; // a float without a grid
        }
        const other = createStudy({ space, algorithm, seed });
        for (let i = 0; i < 6 && study.remaining !== 0; i++) {
          const a = study.ask();
          const b = other.ask();
          assert.deepEqual(a, b);
          study.tell(a.id, i);
          other.tell(b.id, i);
        }
      }),
      { numRuns: 100 },
    );
  });

  test('a sampler suggesting outside the space is a bug that throws', () => {
    const bad = (params: Params): Sampler => ({ name: 'bad', suggest: () => params });
    const space: Space = { n: { type: 'int', low: 0, high: 3 }, c: { type: 'categorical', choices: ['a'] } };
    const cases: Params[] = [{ n: 1.5, c: 'a' }, { n: 4, c: 'a' }, { n: 1, c: 'b' }, { n: 1 }, { n: 1, c: 'a', extra: 1 }];
    for (const params of cases) {
      const study = createStudy({ space, sampler: bad(params) });
      assert.throws(() => study.ask(), /sampler 'bad' suggested a point outside the space/);
      assert.equal(study.trials.length, 0);
    }
  });

  test('grid: remaining counts down and ask throws StudyExhaustedError at the end', () => {
    const study = createStudy({ space: { c: { type: 'categorical', choices: [1, 2, 3] } }, algorithm: 'grid' });
    assert.equal(study.remaining, 3);
    study.ask();
    study.ask();
    assert.equal(study.remaining, 1);
    study.ask();
    assert.equal(study.remaining, 0);
    assert.throws(() => study.ask(), StudyExhaustedError);
  });

  test('createSampler: registered algorithms, and errors that list the valid names', () => {
    assert.deepEqual([...ALGORITHMS], ['random', 'grid', 'bayesian', 'tpe', 'qlearning', 'auto']);
    assert.equal(createSampler('random').name, 'random');
    assert.equal(createSampler('grid').name, 'grid');
    assert.throws(
      () => createSampler('annealing'),
      (e: unknown) => e instanceof AlgorithmError && /random \| grid \| bayesian \| tpe \| qlearning \| auto/.test(e.message) && e.path[0] === 'algorithm',
    );
    assert.throws(
      () => createSampler('random', { nope: 1 }),
      (e: unknown) => e instanceof AlgorithmError && e.path.join('.') === 'options.nope',
    );
    assert.throws(() => createStudy({ space: SPACE, direction: 'up' as never }), /minimize or maximize/);
    assert.throws(() => createStudy({ space: SPACE, seed: 1.5 }), /whole number/);
  });
});

describe('toJSON / fromJSON', () => {
  /** Runs `n` asks with a mix of outcomes, leaving the last one running. */
  function drive(study: Study, n: number, from = 0): void {
    for (let i = from; i < from + n; i++) {
      const { id, params } = study.ask();
      if (i % 5 === 4) continue;
      if (i % 5 === 3) study.tell(id, { state: 'failed', error: 'boom' });
      else study.tell(id, typeof params.x === 'number' ? params.x : objective(params));
    }
  }

  function roundTrip(study: Study, sampler?: Sampler): Study {
    const text = JSON.stringify(study.toJSON());
    return sampler ? studyFromJSON(JSON.parse(text), { sampler }) : createStudy.fromJSON(JSON.parse(text));
  }

  test('resuming mid-search gives exactly the suggestions of an uninterrupted study', () => {
    fc.assert(
      fc.property(fc.constantFrom('random', 'grid'), fc.integer(), fc.integer({ min: 0, max: 12 }), (algorithm, seed, k) => {
        const space: Space =
          algorithm === 'grid' ? { ...SPACE, lr: { type: 'float', low: 1e-4, high: 1e-1, log: true, values: [1e-4, 1e-3, 1e-2, 1e-1] } } : SPACE;
        const uninterrupted = createStudy({ space, algorithm, seed });
        drive(uninterrupted, k + 8);
        const first = createStudy({ space, algorithm, seed });
        drive(first, k);
        const resumed = roundTrip(first);
        drive(resumed, 8, k);
        assert.deepEqual(resumed.toJSON(), uninterrupted.toJSON());
        assert.deepEqual(resumed.best, uninterrupted.best);
      }),
      { numRuns: 60 },
    );
  });

  test('a sampler with learned state resumes from saveState/loadState', () => {
    const space: Space = { x: { type: 'float', low: 0, high: 1 } };
    const uninterrupted = createStudy({ space, sampler: countingSampler(), seed: 9 });
    drive(uninterrupted, 15);
    const first = createStudy({ space, sampler: countingSampler(), seed: 9 });
    drive(first, 7);
    assert.deepEqual(first.toJSON().samplerState, { observed: 6, sum: first.trials.reduce((s, t) => s + (t.value ?? 0), 0) });
    const resumed = roundTrip(first, countingSampler());
    drive(resumed, 8, 7);
    assert.deepEqual(resumed.trials, uninterrupted.trials);
    // Without loadState, the study shows the sampler the finished trials again, which rebuilds
    // this (order-independent) state too.
    const json = first.toJSON();
    delete json.samplerState;
    const replayed = studyFromJSON(json, { sampler: { ...countingSampler(), loadState: undefined } });
    drive(replayed, 8, 7);
    assert.deepEqual(replayed.trials, uninterrupted.trials);
    // A sampler that learns nothing back proposes other points: the comparisons above can fail.
    const lost = studyFromJSON(json, { sampler: { ...countingSampler(), observe: undefined, loadState: undefined } });
    drive(lost, 8, 7);
    assert.notDeepEqual(lost.trials, uninterrupted.trials);
  });

  test('toJSON is plain JSON with the study settings and a copy of the trials', () => {
    const study = createStudy({ space: SPACE, algorithm: 'random', direction: 'maximize', seed: 11, options: {} });
    const { id } = study.ask();
    study.report(id, 1, 0.25);
    const json = study.toJSON();
    assert.equal(json.format, 'nx-hpo-study');
    assert.equal(json.version, 1);
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
    assert.deepEqual(
      { space: json.space, algorithm: json.algorithm, direction: json.direction, seed: json.seed, options: json.options },
      { space: SPACE, algorithm: 'random', direction: 'maximize', seed: 11, options: {} },
    );
    assert.deepEqual(json.trials, [{ id: 0, params: study.trials[0]!.params, state: 'running', intermediate: [[1, 0.25]], sampler: 'random' }]);
    study.tell(id, 1);
    assert.equal(json.trials[0]!.state, 'running');
    // A running trial can be told after resuming (e.g. marked failed after a crash).
    const resumed = studyFromJSON(JSON.stringify(json));
    resumed.tell(0, { state: 'failed', error: 'interrupted' });
    assert.equal(resumed.trials[0]!.state, 'failed');
  });

  test('fromJSON rejects malformed input with a located message', () => {
    const good = (() => {
      const s = createStudy({ space: SPACE, seed: 1 });
      s.tell(s.ask().id, 1);
      return s.toJSON();
    })();
    const bad = (patch: Record<string, unknown>, message: RegExp) =>
      assert.throws(
        () => studyFromJSON({ ...good, ...patch }),
        (e: unknown) => e instanceof StudyFormatError && message.test(e.message),
      );
    bad({ version: 2 }, /^version: this library reads study format version 1, the file has version 2$/);
    bad({ format: 'other' }, /^format: .*not a saved study/);
    bad({ direction: 'sideways' }, /^direction:/);
    bad({ seed: 'x' }, /^seed:/);
    bad({ space: {} }, /^space: the search space is empty/);
    bad({ trials: [{ ...good.trials[0], id: 3 }] }, /^trials\[0\]\.id: must be 0/);
    bad({ trials: [{ ...good.trials[0], state: 'done' }] }, /^trials\[0\]\.state:/);
    bad({ trials: [{ ...good.trials[0], params: { lr: 5 } }] }, /^trials\[0\]\.params:/);
    bad({ trials: [{ ...good.trials[0], value: undefined }] }, /^trials\[0\]\.value: a complete trial needs a value/);
    bad({ trials: [{ ...good.trials[0], intermediate: [[1]] }] }, /^trials\[0\]\.intermediate\[0\]/);
    assert.throws(() => studyFromJSON(42), StudyFormatError);
    assert.throws(() => studyFromJSON({ ...good, algorithm: 'nope' }), AlgorithmError);
  });
});

describe('minimize', () => {
  test('finds a good point, deterministically for a seed', async () => {
    const space: Space = { x: { type: 'float', low: -5, high: 5 }, y: { type: 'int', low: -3, high: 3 } };
    const f = (p: Params) => ((p.x as number) - 1) ** 2 + (p.y as number) ** 2;
    const a = await minimize(f, space, { trials: 200, seed: 1 });
    const b = await minimize(f, space, { trials: 200, seed: 1 });
    assert.equal(a.trials.length, 200);
    assert.deepEqual(a.best, b.best);
    assert.ok(a.best !== undefined && a.best.value < 0.5, `best ${JSON.stringify(a.best)}`);
    assert.deepEqual(a.study.best, a.best);
    const values = a.trials.map((t) => t.value as number);
    assert.equal(a.best.value, Math.min(...values));
  });

  test('maximize picks the highest value', async () => {
    const { best, trials } = await minimize((p) => p.c as number, { c: { type: 'categorical', choices: [1, 5, 3] } }, { trials: 3, algorithm: 'grid', direction: 'maximize' });
    assert.equal(trials.length, 3);
    assert.equal(best?.value, 5);
  });

  test('a throwing objective records a failed trial and the search continues', async () => {
    let calls = 0;
    const { trials, best } = await minimize(
      async (p) => {
        calls++;
        if (calls % 2 === 0) throw new Error(`diverged at ${String(p.units)}`);
        if (calls === 3) return 'oops' as unknown as number;
        return objective(p);
      },
      SPACE,
      { trials: 10, seed: 3 },
    );
    assert.equal(calls, 10);
    assert.equal(trials.filter((t) => t.state === 'failed').length, 6);
    assert.match(trials[1]!.error!, /^diverged at \d+$/);
    assert.match(trials[2]!.error!, /objective returned oops, not a number/);
    assert.ok(best !== undefined && trials[best.id]!.state === 'complete');
  });

  test('parallelism keeps that many evaluations in flight, with distinct points', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const seen = new Set<string>();
    const space: Space = { x: { type: 'float', low: 0, high: 1 } };
    const { trials } = await minimize(
      async (p) => {
        seen.add(paramsKey(p, space));
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 1 + ((p.x as number) * 5) | 0));
        inFlight--;
        return p.x as number;
      },
      space,
      { trials: 12, parallelism: 3, seed: 4 },
    );
    assert.equal(maxInFlight, 3);
    assert.equal(trials.length, 12);
    assert.equal(seen.size, 12);
    assert.ok(trials.every((t) => t.state === 'complete'));
  });

  test('grid stops when the grid is exhausted, before the budget', async () => {
    const { trials } = await minimize(() => 0, { n: { type: 'int', low: 1, high: 4 } }, { trials: 10, algorithm: 'grid', parallelism: 2 });
    assert.deepEqual(trials.map((t) => t.params.n).sort(), [1, 2, 3, 4]);
  });

  test('rejects a bad budget', async () => {
    await assert.rejects(minimize(() => 0, SPACE, { trials: -1 }), /trials/);
    await assert.rejects(minimize(() => 0, SPACE, { trials: 2, parallelism: 0 }), /parallelism/);
    const { trials } = await minimize(() => 0, SPACE, { trials: 0 });
    assert.equal(trials.length, 0);
  });
});
