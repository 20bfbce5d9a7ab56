/**
 * The pruning rules on synthetic curves, with expectations worked out by hand in the comments.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlgorithmError } from '../src/algorithms';
import { createPruner } from '../src/pruners';
import { amongBest, ashaPromotable, ashaShouldPrune, rungSteps, rungValue, rungsOf, survivors, type Ladder } from '../src/pruners/asha';
import { bracketCycle, hyperbandBracketOf, hyperbandBrackets } from '../src/pruners/hyperband';
import { median, medianShouldPrune } from '../src/pruners/median';
import type { PruneContext, PrunerConfig } from '../src/pruners/pruner';
import type { Direction, Trial, TrialState } from '../src/types';

type Point = [number, number];

function trial(id: number, points: Point[], state: TrialState = 'running'): Trial {
  return { id, params: {}, state, intermediate: points.map(([s, v]) => [s, v]) };
}

/** The same trials with every value negated: what a maximised objective looks like. */
function negated(trials: readonly Trial[]): Trial[] {
  return trials.map((t) => ({ ...t, intermediate: t.intermediate.map(([s, v]) => [s, -v] as Point) }));
}

const ctx = (trials: readonly Trial[], direction: Direction = 'minimize', seed = 0): PruneContext => ({ trials, direction, seed });

describe('median pruner', () => {
  const others = [0.5, 0.6, 0.7, 0.8, 0.9].map((v, i) => trial(i, [[1, 1], [2, 0.95], [3, v]], i < 3 ? 'complete' : 'running'));
  const config = { warmupSteps: 0, minTrials: 5 };

  test('median: middle value, or the mean of the two middle ones', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([6, 1, 5, 2, 4, 3]), 3.5);
    assert.equal(median([7]), 7);
    assert.throws(() => median([]), RangeError);
  });

  test("prunes when the trial's best so far is worse than the others' median at the same step", () => {
    // Others at step 3: 0.5 0.6 0.7 0.8 0.9 → median 0.7 (minimize).
    const worse = trial(9, [[1, 0.9], [2, 0.8], [3, 0.75]]); // best so far 0.75 > 0.7
    const earlierBest = trial(9, [[1, 0.9], [2, 0.65], [3, 0.8]]); // best so far 0.65 < 0.7
    const tie = trial(9, [[1, 0.9], [2, 0.8], [3, 0.7]]); // 0.7 is not worse than 0.7
    assert.equal(medianShouldPrune(worse, [...others, worse], 'minimize', config), true);
    assert.equal(medianShouldPrune(earlierBest, [...others, earlierBest], 'minimize', config), false);
    assert.equal(medianShouldPrune(tie, [...others, tie], 'minimize', config), false);
  });

  test('only values at the very same step count; an even count uses the mean of the middle two', () => {
    // Six others at step 4: 1..6 → median 3.5. Values of other trials at step 3 do not count.
    const six = [1, 2, 3, 4, 5, 6].map((v, i) => trial(i, [[3, 0], [4, v]], 'complete'));
    assert.equal(medianShouldPrune(trial(9, [[4, 3.6]]), six, 'minimize', config), true);
    assert.equal(medianShouldPrune(trial(9, [[4, 3.5]]), six, 'minimize', config), false);
    // At step 3 all six reported 0: a trial at 0.1 there is worse.
    assert.equal(medianShouldPrune(trial(9, [[3, 0.1]]), six, 'minimize', config), true);
    // Nobody reported at step 5.
    assert.equal(medianShouldPrune(trial(9, [[5, 99]]), six, 'minimize', config), false);
  });

  test('needs minTrials other reports at the step; failed trials are ignored', () => {
    const worse = trial(9, [[3, 0.75]]);
    assert.equal(medianShouldPrune(worse, others.slice(0, 4), 'minimize', config), false);
    // With four others (0.5 0.6 0.7 0.8 → median 0.65) and minTrials 4, 0.75 is worse.
    assert.equal(medianShouldPrune(worse, others.slice(0, 4), 'minimize', { ...config, minTrials: 4 }), true);
    // A failed trial at 0 would move the median from 0.7 to 0.65 and prune 0.68; it must not count.
    const failed = trial(7, [[3, 0]], 'failed');
    const borderline = trial(9, [[3, 0.68]]);
    assert.equal(medianShouldPrune(borderline, [...others, failed], 'minimize', config), false);
    assert.equal(medianShouldPrune(borderline, [...others, { ...failed, state: 'pruned' }], 'minimize', config), true);
  });

  test('never prunes before warmupSteps or before any report', () => {
    const worse = trial(9, [[3, 5]]);
    assert.equal(medianShouldPrune(worse, others, 'minimize', { ...config, warmupSteps: 3 }), true);
    assert.equal(medianShouldPrune(worse, others, 'minimize', { ...config, warmupSteps: 3.5 }), false);
    assert.equal(medianShouldPrune(trial(9, []), others, 'minimize', config), false);
  });

  test('maximize: the best so far is the highest value', () => {
    // Negated: others −0.5 … −0.9 → median −0.7; best so far of (−0.9, −0.65, −0.8) is −0.65 > −0.7.
    const negOthers = negated(others);
    assert.equal(medianShouldPrune(trial(9, [[1, -0.9], [2, -0.8], [3, -0.75]]), negOthers, 'maximize', config), true);
    assert.equal(medianShouldPrune(trial(9, [[1, -0.9], [2, -0.65], [3, -0.8]]), negOthers, 'maximize', config), false);
    // The same curves read as minimisation are judged the other way round.
    assert.equal(medianShouldPrune(trial(9, [[3, -0.75]]), negOthers, 'minimize', config), false);
  });
});

describe('asha rungs', () => {
  test('rung steps r·η^k below R', () => {
    assert.deepEqual(rungSteps(1, 3, 27), [1, 3, 9]);
    assert.deepEqual(rungSteps(1, 3, 28), [1, 3, 9, 27]);
    assert.deepEqual(rungSteps(1, 3, 15), [1, 3, 9]);
    assert.deepEqual(rungSteps(2, 2, 16), [2, 4, 8]);
    assert.deepEqual(rungSteps(1, 4, 100), [1, 4, 16, 64]);
    assert.deepEqual(rungSteps(5, 3, 5), []);
  });

  test('survivors: max(1, ⌊n/η⌋); amongBest keeps ties', () => {
    assert.deepEqual([1, 2, 3, 5, 6, 8, 9].map((n) => survivors(n, 3)), [1, 1, 1, 1, 2, 2, 3]);
    assert.equal(amongBest(0.4, [0.5, 0.4, 0.6], 1, 'minimize'), true);
    assert.equal(amongBest(0.5, [0.5, 0.4, 0.6], 1, 'minimize'), false);
    assert.equal(amongBest(0.5, [0.5, 0.4, 0.6], 2, 'minimize'), true);
    assert.equal(amongBest(0.6, [0.5, 0.4, 0.6], 1, 'maximize'), true);
    assert.equal(amongBest(0.4, [0.4, 0.4, 0.6], 1, 'minimize'), true);
  });

  test("a trial's rung value is its first report at or after the rung", () => {
    const t = trial(0, [[1, 0.9], [2, 0.8], [10, 0.2]]);
    assert.equal(rungValue(t, 1), 0.9);
    assert.equal(rungValue(t, 3), 0.2);
    assert.equal(rungValue(t, 9), 0.2);
    assert.equal(rungValue(t, 11), undefined);
    const rungs = rungsOf([t, trial(1, [[3, 0.5]]), trial(2, [[9, 0.1]], 'failed')], [1, 3, 9]);
    assert.deepEqual(
      rungs.map((r) => r.entries),
      [[{ trialId: 0, value: 0.9 }, { trialId: 1, value: 0.5 }], [{ trialId: 0, value: 0.2 }, { trialId: 1, value: 0.5 }], [{ trialId: 0, value: 0.2 }]],
    );
  });
});

describe('asha decisions', () => {
  const ladder: Ladder = { rungs: [1, 3, 9], reductionFactor: 3, maxEpochs: 27 };

  /**
   * Trials arriving one by one at rung 0 (step 1), minimize, η = 3. Each decision is taken with the
   * trials before it:
   *   t0 0.50  1 at the rung, keep 1: best                           → goes on
   *   t1 0.60  keep 1 of 2 [0.50 0.60]                               → pruned
   *   t2 0.40  keep 1 of 3: best                                     → goes on
   *   t3 0.45  keep 1 of 4, threshold 0.40                           → pruned
   *   t4 0.55  keep 1 of 5                                           → pruned
   *   t5 0.42  keep 2 of 6 [0.40 0.42 0.45 0.50 0.55 0.60]           → goes on
   */
  const values = [0.5, 0.6, 0.4, 0.45, 0.55, 0.42];
  const expected = [false, true, false, true, true, false];

  function arrive(direction: Direction, sign: number): { trials: Trial[]; decisions: boolean[] } {
    const trials: Trial[] = [];
    const decisions: boolean[] = [];
    values.forEach((v, id) => {
      const t = trial(id, [[1, sign * v]]);
      trials.push(t);
      const prune = ashaShouldPrune(t, trials, direction, ladder);
      decisions.push(prune);
      if (prune) t.state = 'pruned';
    });
    return { trials, decisions };
  }

  test('rung 0: each arrival is in the best max(1, ⌊n/η⌋) or stops', () => {
    assert.deepEqual(arrive('minimize', 1).decisions, expected);
  });

  test('maximize with negated values decides the same', () => {
    assert.deepEqual(arrive('maximize', -1).decisions, expected);
  });

  test('higher rungs; a skipped rung is judged on the later value; a promotion is never taken back', () => {
    const { trials } = arrive('minimize', 1);
    const [t0, , t2, , , t5] = trials as [Trial, Trial, Trial, Trial, Trial, Trial];
    // t0 at step 2: no rung crossed. (Re-judged at rung 0 it would now be 4th of 6 and stop.)
    t0.intermediate.push([2, 0.35]);
    assert.equal(ashaShouldPrune(t0, trials, 'minimize', ladder), false);
    // t0 reaches rung 1 (step 3) first: alone there → goes on.
    t0.intermediate.push([3, 0.3]);
    assert.equal(ashaShouldPrune(t0, trials, 'minimize', ladder), false);
    // t2 at rung 1 with 0.35: keep 1 of [0.30 0.35] → pruned.
    t2.intermediate.push([3, 0.35]);
    assert.equal(ashaShouldPrune(t2, trials, 'minimize', ladder), true);
    t2.state = 'pruned';
    // t5 jumps from step 1 to 10: judged at rung 1 (0.2 vs 0.30, 0.35: best) and at rung 2 (alone).
    t5.intermediate.push([10, 0.2]);
    assert.equal(ashaShouldPrune(t5, trials, 'minimize', ladder), false);
    // Had it reported 0.32 instead, it would stop at rung 1 (keep 1 of [0.30 0.32 0.35]).
    t5.intermediate[1] = [10, 0.32];
    assert.equal(ashaShouldPrune(t5, trials, 'minimize', ladder), true);
  });

  test('failed trials are not competitors', () => {
    const { trials } = arrive('minimize', 1);
    // t5 (0.42) goes on with 6 at the rung; a failed 0.1 would make it 3rd of 7 with 2 kept.
    const failed = trial(6, [[1, 0.1]], 'failed');
    assert.equal(ashaShouldPrune(trials[5]!, [...trials, failed], 'minimize', ladder), false);
    assert.equal(ashaShouldPrune(trials[5]!, [...trials, { ...failed, state: 'complete' }], 'minimize', ladder), true);
  });

  test('never prunes at or beyond maxEpochs, nor without reports', () => {
    const { trials } = arrive('minimize', 1);
    const late = trial(9, [[1, 0.1], [27, 9]]);
    assert.equal(ashaShouldPrune(late, [...trials, late], 'minimize', ladder), false);
    assert.equal(ashaShouldPrune(trial(9, []), trials, 'minimize', ladder), false);
    // A step-0 report is below the first rung.
    assert.equal(ashaShouldPrune(trial(9, [[0, 9]]), trials, 'minimize', ladder), false);
  });

  test('promotable: stopped trials now in the best ⌊n/η⌋ of their rung', () => {
    const { trials } = arrive('minimize', 1);
    // Six at rung 0 keep 2: t2 (0.40) and t5 (0.42), both still running → nothing to resume.
    assert.deepEqual(ashaPromotable(trials, 'minimize', ladder), []);
    // Three more, all worse and stopped: nine at the rung keep 3 → t3 (0.45, stopped at step 1).
    for (const [id, v] of [[6, 0.7], [7, 0.8], [8, 0.9]] as const) trials.push(trial(id, [[1, v]], 'pruned'));
    assert.deepEqual(ashaPromotable(trials, 'minimize', ladder), [{ trialId: 3, rung: 0, value: 0.45, toEpochs: 3 }]);
    // Once t3 has reported at rung 1 it is no longer waiting at rung 0.
    trials[3]!.intermediate.push([3, 0.4]);
    assert.deepEqual(ashaPromotable(trials, 'minimize', ladder), []);
  });
});

describe('hyperband brackets', () => {
  test("weights and resources of the paper's table (R = 81, η = 3)", () => {
    const b = hyperbandBrackets(1, 3, 81);
    assert.deepEqual(b.map((x) => x.weight), [81, 34, 15, 8, 5]);
    assert.deepEqual(b.map((x) => x.minEpochs), [1, 3, 9, 27, 81]);
    assert.deepEqual(b.map((x) => x.rungs), [[1, 3, 9, 27], [3, 9, 27], [9, 27], [27], []]);
  });

  test('R not a power of η: the last bracket still has a rung below R', () => {
    const b = hyperbandBrackets(1, 3, 15);
    // s_max = 2 (9 ≤ 15 < 27); weights ⌈3·9/3⌉, ⌈3·3/2⌉, ⌈3·1/1⌉.
    assert.deepEqual(b.map((x) => x.weight), [9, 5, 3]);
    assert.deepEqual(b.map((x) => x.rungs), [[1, 3, 9], [3, 9], [9]]);
  });

  test('assignment: deterministic, exact proportions in every cycle, seeded order', () => {
    const weights = [9, 5, 3];
    for (const seed of [0, 1, 42]) {
      for (const cycle of [0, 1, 5]) {
        const ids = Array.from({ length: 17 }, (_, i) => cycle * 17 + i);
        const got = ids.map((id) => hyperbandBracketOf(id, seed, weights));
        assert.deepEqual(got, ids.map((id) => hyperbandBracketOf(id, seed, weights)));
        assert.deepEqual([0, 1, 2].map((b) => got.filter((x) => x === b).length), weights);
        assert.deepEqual(got, bracketCycle(seed, cycle, weights));
      }
    }
    assert.notDeepEqual(bracketCycle(0, 0, weights), bracketCycle(1, 0, weights));
    assert.notDeepEqual(bracketCycle(0, 0, weights), bracketCycle(0, 1, weights));
  });

  test('trials compete only within their bracket, from its own minimum resource', () => {
    const pruner = createPruner({ name: 'hyperband', minEpochs: 1, reductionFactor: 3, maxEpochs: 15 });
    const seed = 7;
    const weights = [9, 5, 3];
    const inBracket = (b: number) => Array.from({ length: 40 }, (_, id) => id).filter((id) => hyperbandBracketOf(id, seed, weights) === b);
    const [first0] = inBracket(0) as [number];
    const [first1, second1] = inBracket(1) as [number, number];
    // Bracket-1 trials report great values at steps 1 and 3; the first bracket-0 trial, bad at
    // step 1, is alone in its bracket's rung and goes on.
    const others = [trial(first1, [[1, 0.1], [3, 0.1]]), trial(second1, [[1, 0.1]])];
    const a = trial(first0, [[1, 0.9]]);
    assert.equal(pruner.shouldPrune(a, ctx([...others, a], 'minimize', seed)), false);
    // Bracket 1 starts at 3: the second trial of bracket 1 is not judged at step 1 …
    assert.equal(pruner.shouldPrune(others[1]!, ctx([...others, a], 'minimize', seed)), false);
    // … but at step 3 it is second of two there and stops.
    others[1]!.intermediate.push([3, 0.2]);
    assert.equal(pruner.shouldPrune(others[1]!, ctx([...others, a], 'minimize', seed)), true);
  });
});

describe('pruner properties', () => {
  const direction = fc.constantFrom<Direction>('minimize', 'maximize');
  const state = fc.constantFrom<TrialState>('running', 'running', 'complete', 'pruned', 'failed');
  /** Increasing integer steps from 0..3 onwards with small gaps, values on a coarse grid (ties). */
  const curve = fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 20 })), { maxLength: 12 }))
    .map(([start, steps]) => {
      let s = start - 1;
      return steps.map(([gap, v]): Point => [(s += gap), v / 10]);
    });
  const population = fc.array(fc.tuple(curve, state), { minLength: 1, maxLength: 25 }).map((xs) => xs.map(([c, st], id) => trial(id, c, st)));
  const config: fc.Arbitrary<PrunerConfig> = fc.oneof(
    fc.record({ name: fc.constant('median' as const), warmupSteps: fc.integer({ min: 0, max: 10 }), minTrials: fc.integer({ min: 1, max: 6 }) }),
    fc
      .record({
        name: fc.constantFrom('asha' as const, 'hyperband' as const),
        minEpochs: fc.integer({ min: 1, max: 4 }),
        reductionFactor: fc.integer({ min: 2, max: 4 }),
        span: fc.integer({ min: 1, max: 40 }),
      })
      .map(({ span, ...c }) => ({ ...c, maxEpochs: c.minEpochs + span })),
  );
  const seed = fc.integer({ min: 0, max: 1000 });

  /** The earliest step at which `config` may prune trial `id` (its bracket's start for hyperband). */
  function firstPossibleStep(config: PrunerConfig, id: number, seedValue: number): number {
    if (config.name === 'median') return config.warmupSteps;
    if (config.name === 'asha') return config.minEpochs;
    const brackets = hyperbandBrackets(config.minEpochs, config.reductionFactor, config.maxEpochs);
    return brackets[hyperbandBracketOf(id, seedValue, brackets.map((b) => b.weight))]!.minEpochs;
  }

  test('a pruner never prunes before its warm-up or minimum resource, nor at maxEpochs', () => {
    let judgedEarly = 0;
    fc.assert(
      fc.property(population, config, direction, seed, (trials, cfg, dir, s) => {
        const pruner = createPruner(cfg);
        for (const t of trials) {
          // Every prefix of the curve, as the trial would have been asked after each report.
          for (let n = 1; n <= t.intermediate.length; n++) {
            const asked: Trial = { ...t, state: 'running', intermediate: t.intermediate.slice(0, n) };
            const step = asked.intermediate[n - 1]![0];
            const prune = pruner.shouldPrune(asked, ctx(trials.map((x) => (x.id === t.id ? asked : x)), dir, s));
            if (step < firstPossibleStep(cfg, t.id, s)) {
              judgedEarly++;
              assert.equal(prune, false, `pruned at step ${step}`);
            }
            if (cfg.name !== 'median' && step >= cfg.maxEpochs) assert.equal(prune, false, `pruned at step ${step} ≥ maxEpochs`);
          }
        }
      }),
      { numRuns: 300 },
    );
    // About 1400–1750 (measured).
    assert.ok(judgedEarly > 500, `only ${judgedEarly} early reports were checked`);
  });

  test('direction: maximising negated values decides exactly as minimising', () => {
    let pruned = 0;
    fc.assert(
      fc.property(population, config, seed, (trials, cfg, s) => {
        const pruner = createPruner(cfg);
        const neg = negated(trials);
        trials.forEach((t, i) => {
          const a = pruner.shouldPrune(t, ctx(trials, 'minimize', s));
          const b = pruner.shouldPrune(neg[i]!, ctx(neg, 'maximize', s));
          assert.equal(a, b);
          if (a) pruned++;
        });
      }),
      { numRuns: 300 },
    );
    // About 90–140 prunes in 300 runs (measured); 40 still shows the comparison is not vacuous.
    assert.ok(pruned > 40, `only ${pruned} decisions were prunes`);
  });

  test('a pruner rebuilt from its config decides the same', () => {
    fc.assert(
      fc.property(population, config, direction, seed, (trials, cfg, dir, s) => {
        const a = createPruner(cfg);
        const b = createPruner(JSON.parse(JSON.stringify(a.config)) as PrunerConfig);
        assert.deepEqual(b.config, a.config);
        for (const t of trials) assert.equal(b.shouldPrune(t, ctx(trials, dir, s)), a.shouldPrune(t, ctx(trials, dir, s)));
        assert.deepEqual(b.promotable?.(ctx(trials, dir, s)), a.promotable?.(ctx(trials, dir, s)));
      }),
      { numRuns: 150 },
    );
  });
});

describe('createPruner', () => {
  test('a bare name takes the defaults; options are filled in', () => {
    assert.deepEqual(createPruner('median').config, { name: 'median', warmupSteps: 0, minTrials: 5 });
    assert.deepEqual(createPruner('asha', { maxEpochs: 15 }).config, { name: 'asha', minEpochs: 1, reductionFactor: 3, maxEpochs: 15 });
    assert.deepEqual(createPruner({ name: 'hyperband', reductionFactor: 4 }, { maxEpochs: 15 }).config, {
      name: 'hyperband',
      minEpochs: 1,
      reductionFactor: 4,
      maxEpochs: 15,
    });
    // An explicit maxEpochs wins over the study's.
    assert.equal(createPruner({ name: 'asha', maxEpochs: 9 }, { maxEpochs: 15 }).config.name, 'asha');
    assert.deepEqual((createPruner({ name: 'asha', maxEpochs: 9 }, { maxEpochs: 15 }).config as { maxEpochs: number }).maxEpochs, 9);
  });

  test('problems name the option', () => {
    const path = (f: () => unknown): string[] => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof AlgorithmError, String(e));
        return e.path;
      }
      assert.fail('did not throw');
    };
    assert.deepEqual(path(() => createPruner('nope' as never)), ['pruner']);
    assert.deepEqual(path(() => createPruner({ name: 'nope' })), ['pruner', 'name']);
    assert.deepEqual(path(() => createPruner({ minTrials: 3 })), ['pruner', 'name']);
    assert.deepEqual(path(() => createPruner(['median'] as never)), ['pruner']);
    assert.deepEqual(path(() => createPruner({ name: 'median', minTrials: 0 })), ['pruner', 'minTrials']);
    assert.deepEqual(path(() => createPruner({ name: 'median', warmupSteps: -1 })), ['pruner', 'warmupSteps']);
    assert.deepEqual(path(() => createPruner({ name: 'median', minEpochs: 1 })), ['pruner', 'minEpochs']);
    assert.deepEqual(path(() => createPruner('asha')), ['pruner', 'maxEpochs']);
    assert.deepEqual(path(() => createPruner({ name: 'asha', reductionFactor: 1.5, maxEpochs: 9 })), ['pruner', 'reductionFactor']);
    assert.deepEqual(path(() => createPruner({ name: 'asha', minEpochs: 0, maxEpochs: 9 })), ['pruner', 'minEpochs']);
    assert.deepEqual(path(() => createPruner({ name: 'asha', minEpochs: '1', maxEpochs: 9 })), ['pruner', 'minEpochs']);
    assert.deepEqual(path(() => createPruner({ name: 'hyperband', minEpochs: 3, maxEpochs: 3 })), ['pruner', 'maxEpochs']);
    assert.deepEqual(path(() => createPruner({ name: 'hyperband', minEpochs: 3 }, { maxEpochs: 2 })), ['pruner', 'minEpochs']);
    assert.deepEqual(path(() => createPruner('hyperband', { maxEpochs: -1 })), ['maxEpochs']);
    assert.throws(() => createPruner('asha'), /needs 'maxEpochs'/);
  });
});
