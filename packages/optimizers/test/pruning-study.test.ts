/**
 * Pruners inside a Study: report → shouldPrune → tell({ state: 'pruned' }), resuming mid-study,
 * every sampler with every pruner, and what the model-based samplers make of pruned trials.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS, AlgorithmError } from '../src/algorithms';
import { createGpSampler, ordinalLosses } from '../src/samplers/gp';
import { createTpeSampler } from '../src/samplers/tpe';
import { createStudy, Study, StudyFormatError, studyFromJSON, type StudyConfig, type StudyJSON } from '../src/study';
import type { Direction, Params, SamplerContext, Space, Trial } from '../src/types';
import { Rng } from '../src/rng';

/** Grid-able, so that every algorithm can run on it. */
const SPACE: Space = {
  lr: { type: 'float', low: 1e-4, high: 1e-1, log: true, values: [1e-4, 1e-3, 1e-2, 1e-1] },
  units: { type: 'int', low: 16, high: 256, log: true },
  activation: { type: 'categorical', choices: ['relu', 'tanh', 'elu'] },
};

const EPOCHS = 9;

/** A learning curve: the final loss plus a gap that closes like 1/epoch, wider for some params. */
function loss(p: Params, epoch: number): number {
  const final = Math.log10(p.lr as number) ** 2 / 4 + (p.units as number) / 100 + (p.activation === 'tanh' ? 0 : 1);
  const gap = 1 + (((p.units as number) * 7919) % 100) / 50;
  return final + gap / epoch;
}

/**
 * One step of a simulated asynchronous sweep, chosen from the study's state alone (so an original
 * and a restored study continue identically): start a trial while fewer than `parallel` run and
 * the budget allows, else train the running trial that is furthest behind (lowest id on ties) one
 * epoch, report, and stop it if the pruner says so or it reached EPOCHS. Returns false when done.
 */
function step(study: Study, budget: number, parallel: number, sign = 1): boolean {
  const running = study.trials.filter((t) => t.state === 'running');
  if (running.length < parallel && study.trials.length < budget) {
    study.ask();
    return true;
  }
  if (running.length === 0) return false;
  const epochOf = (t: Trial) => t.intermediate[t.intermediate.length - 1]?.[0] ?? 0;
  const t = running.reduce((a, b) => (epochOf(b) < epochOf(a) ? b : a));
  const epoch = epochOf(t) + 1;
  const value = sign * loss(t.params, epoch);
  study.report(t.id, epoch, value);
  if (epoch === EPOCHS) study.tell(t.id, value);
  else if (study.shouldPrune(t.id)) study.tell(t.id, { state: 'pruned' });
  return true;
}

function run(study: Study, budget: number, parallel: number, sign = 1, maxSteps = Infinity): Study {
  for (let i = 0; i < maxSteps && step(study, budget, parallel, sign); i++);
  return study;
}

const PRUNERS = [
  { name: 'median', minTrials: 3 },
  { name: 'asha', minEpochs: 1, reductionFactor: 3 },
  { name: 'hyperband', minEpochs: 1, reductionFactor: 3 },
] as const;

const config = (over: Partial<StudyConfig> = {}): StudyConfig => ({ space: SPACE, seed: 3, maxEpochs: EPOCHS, ...over });

describe('Study with a pruner', () => {
  test('the resolved pruner config; study maxEpochs is the default of maxEpochs', () => {
    assert.equal(createStudy(config()).pruner, undefined);
    assert.deepEqual(createStudy(config({ pruner: 'asha' })).pruner, { name: 'asha', minEpochs: 1, reductionFactor: 3, maxEpochs: EPOCHS });
    assert.deepEqual(createStudy(config({ pruner: { name: 'hyperband', maxEpochs: 27 } })).pruner, {
      name: 'hyperband',
      minEpochs: 1,
      reductionFactor: 3,
      maxEpochs: 27,
    });
    assert.deepEqual(createStudy({ space: SPACE, pruner: { name: 'median', warmupSteps: 2 } }).pruner, { name: 'median', warmupSteps: 2, minTrials: 5 });
  });

  test('bad pruner configs throw AlgorithmError with a path', () => {
    const pathOf = (c: StudyConfig): string[] => {
      try {
        createStudy(c);
      } catch (e) {
        assert.ok(e instanceof AlgorithmError, String(e));
        return e.path;
      }
      assert.fail('did not throw');
    };
    assert.deepEqual(pathOf({ space: SPACE, pruner: 'asha' }), ['pruner', 'maxEpochs']);
    assert.deepEqual(pathOf(config({ pruner: { name: 'asha', reductionFactor: 1 } })), ['pruner', 'reductionFactor']);
    assert.deepEqual(pathOf(config({ pruner: { name: 'median', maxEpochs: 3 } as never })), ['pruner', 'maxEpochs']);
    assert.deepEqual(pathOf(config({ pruner: 'sha' as never })), ['pruner']);
    assert.deepEqual(pathOf(config({ maxEpochs: 0, pruner: 'median' })), ['maxEpochs']);
  });

  test('report → shouldPrune → tell pruned records the curve and last value; pruned trials are never best', () => {
    for (const pruner of PRUNERS) {
      const study = run(createStudy(config({ pruner })), 40, 1);
      const pruned = study.trials.filter((t) => t.state === 'pruned');
      const complete = study.trials.filter((t) => t.state === 'complete');
      assert.ok(pruned.length >= 5 && complete.length >= 3, `${pruner.name}: ${pruned.length} pruned, ${complete.length} complete`);
      for (const t of pruned) {
        const last = t.intermediate[t.intermediate.length - 1]!;
        assert.ok(last[0] < EPOCHS);
        assert.equal(t.value, last[1]);
        assert.deepEqual(
          t.intermediate.map(([s]) => s),
          Array.from({ length: last[0] }, (_, i) => i + 1),
        );
      }
      // A pruned trial's early loss is never compared with complete ones, even when it is lower.
      const { id } = study.ask();
      study.report(id, 1, -100);
      study.tell(id, { state: 'pruned' });
      assert.equal(study.trials[id]!.value, -100);
      assert.equal(study.best?.id !== undefined && study.trials[study.best.id]!.state, 'complete');
      const bestComplete = Math.min(...complete.map((t) => t.value!));
      assert.equal(study.best?.value, bestComplete);
    }
  });

  test('shouldPrune: false before any report, for finished trials, without a pruner; throws for an unknown id', () => {
    const plain = createStudy(config());
    const p = plain.ask();
    for (let e = 1; e <= 3; e++) plain.report(p.id, e, 100 * e);
    assert.equal(plain.shouldPrune(p.id), false);

    const study = createStudy(config({ pruner: { name: 'asha', minEpochs: 1, reductionFactor: 3 } }));
    const a = study.ask();
    const b = study.ask();
    assert.equal(study.shouldPrune(b.id), false);
    study.report(a.id, 1, 0.1);
    assert.equal(study.shouldPrune(a.id), false);
    study.report(b.id, 1, 0.9);
    assert.equal(study.shouldPrune(b.id), true);
    study.tell(b.id, { state: 'pruned' });
    assert.equal(study.shouldPrune(b.id), false);
    assert.throws(() => study.shouldPrune(5), /unknown trial id 5/);
  });

  test('direction: maximising the negated curves prunes the same trials', () => {
    for (const algorithm of ['random', 'tpe']) {
      for (const pruner of PRUNERS) {
        const min = run(createStudy(config({ algorithm, pruner })), 30, 2, 1);
        const max = run(createStudy(config({ algorithm, pruner, direction: 'maximize' })), 30, 2, -1);
        assert.deepEqual(
          max.trials.map((t) => [t.state, t.params]),
          min.trials.map((t) => [t.state, t.params]),
          `${algorithm} + ${pruner.name}`,
        );
        assert.equal(max.best?.id, min.best?.id);
      }
    }
  });

  test('toJSON mid-study: the restored study decides and continues exactly like the original', () => {
    for (const algorithm of ['random', 'tpe', 'qlearning']) {
      for (const pruner of PRUNERS) {
        const label = `${algorithm} + ${pruner.name}`;
        const original = run(createStudy(config({ algorithm, pruner })), 30, 3, 1, 90);
        const running = original.trials.filter((t) => t.state === 'running' && t.intermediate.length > 0);
        assert.ok(running.length >= 1, `${label}: no trial mid-curve at the snapshot`);
        assert.ok(original.trials.some((t) => t.state === 'pruned'), `${label}: nothing pruned before the snapshot`);
        const json = original.toJSON();
        assert.deepEqual(json.pruner, original.pruner);
        const restored = studyFromJSON(JSON.stringify(json));
        assert.deepEqual(restored.pruner, original.pruner);
        for (const t of running) assert.equal(restored.shouldPrune(t.id), original.shouldPrune(t.id), label);
        assert.deepEqual(restored.promotable(), original.promotable(), label);
        run(original, 30, 3);
        run(restored, 30, 3);
        assert.deepEqual(restored.toJSON(), original.toJSON(), label);
      }
    }
  });

  test('promotable() lists pruned trials ASHA would resume; empty for median', () => {
    const study = run(createStudy(config({ algorithm: 'random', pruner: { name: 'asha', minEpochs: 1, reductionFactor: 3 } })), 40, 4);
    const promotions = study.promotable();
    for (const p of promotions) {
      const t = study.trials[p.trialId]!;
      assert.equal(t.state, 'pruned');
      assert.ok(t.intermediate[t.intermediate.length - 1]![0] < p.toEpochs);
      assert.equal(p.bracket, undefined);
    }
    assert.deepEqual(run(createStudy(config({ pruner: 'median' })), 20, 2).promotable(), []);
    assert.deepEqual(createStudy(config()).promotable(), []);
  });

  test('a saved pruner config is checked when read; files without one still read', () => {
    const study = run(createStudy(config({ pruner: 'asha' })), 6, 2);
    const json = study.toJSON();
    assert.throws(
      () => studyFromJSON({ ...json, pruner: { ...json.pruner, reductionFactor: 0 } }),
      (e: unknown) => e instanceof StudyFormatError && /^pruner\.reductionFactor: /.test(e.message),
    );
    assert.throws(() => studyFromJSON({ ...json, pruner: { name: 'asha' } }), /^StudyFormatError: pruner\.maxEpochs: /);
    const { pruner: _, ...withoutPruner } = json;
    const plain = studyFromJSON(withoutPruner);
    assert.equal(plain.pruner, undefined);
    assert.equal(plain.trials.length, study.trials.length);
  });

  test('every algorithm runs with every pruner, deterministically', () => {
    for (const algorithm of ALGORITHMS) {
      for (const pruner of PRUNERS) {
        const label = `${algorithm} + ${pruner.name}`;
        const a = run(createStudy(config({ algorithm, pruner, seed: 11 })), 16, 2);
        const b = run(createStudy(config({ algorithm, pruner, seed: 11 })), 16, 2);
        // Ask times (recorded for auto) are measurements; everything decided must be equal.
        assert.deepEqual(withoutAskTimes(a.toJSON()), withoutAskTimes(b.toJSON()), label);
        assert.equal(a.trials.length, 16, label);
        assert.ok(a.trials.every((t) => t.state === 'complete' || t.state === 'pruned'), label);
        assert.ok(a.best !== undefined, label);
      }
    }
  });
});

function withoutAskTimes(json: StudyJSON): StudyJSON {
  return { ...json, trials: json.trials.map(({ askMs: _askMs, ...t }) => t) };
}

describe('model-based samplers and pruned trials', () => {
  const cont: Space = { x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: 0, high: 1 } };

  /** 12 complete trials of a bowl, and 8 pruned ones at other points whose curves are given by `v`. */
  function history(v: (i: number) => number): Trial[] {
    const rng = new Rng(5);
    const trials: Trial[] = [];
    for (let i = 0; i < 20; i++) {
      const params = { x: rng.next(), y: rng.next() };
      if (i % 5 < 3 || i < 5) {
        const value = (params.x - 0.3) ** 2 + (params.y - 0.7) ** 2;
        trials.push({ id: i, params, state: 'complete', value, intermediate: [[1, value + 1], [2, value]] });
      } else {
        trials.push({ id: i, params, state: 'pruned', value: v(i), intermediate: [[1, v(i)]] });
      }
    }
    return trials;
  }

  const ctxOf = (trials: Trial[], direction: Direction = 'minimize'): SamplerContext => ({
    space: cont,
    direction,
    trials,
    trialId: trials.length,
    rng: Rng.derive(9, trials.length),
  });

  test('ordinalLosses: complete by loss, then pruned deeper first, then by last report; ties share', () => {
    const t = (id: number, state: Trial['state'], value: number | undefined, intermediate: Array<[number, number]> = []): Trial => ({
      id,
      params: {},
      state,
      ...(value !== undefined ? { value } : {}),
      intermediate,
    });
    const trials = [
      t(0, 'complete', 0.3),
      t(1, 'complete', 0.1),
      t(2, 'pruned', 0.9, [[1, 0.4], [3, 0.9]]),
      t(3, 'pruned', 0.2, [[1, 0.2]]),
      t(4, 'pruned', 0.2, [[1, 0.2]]),
      t(5, 'pruned', 0.5, [[3, 0.5]]),
      t(6, 'failed', undefined, [[1, 0]]),
      t(7, 'running', undefined, [[1, 0]]),
      t(8, 'pruned', -9, [[1, -9]]),
    ];
    assert.deepEqual([...ordinalLosses(trials, 'minimize')].sort((a, b) => a[0] - b[0]), [
      [0, 1],
      [1, 0],
      [2, 3],
      [3, 5],
      [4, 5],
      [5, 2],
      [8, 4],
    ]);
    // Maximising: complete 0.3 first; at step 3, 0.9 before 0.5; at step 1, 0.2 before −9.
    assert.deepEqual([...ordinalLosses(trials, 'maximize')].sort((a, b) => a[0] - b[0]), [
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 4],
      [4, 4],
      [5, 3],
      [8, 6],
    ]);
  });

  test('bayesian: pruned trials count only through their order, never by value against complete ones', () => {
    // The same order of pruned trials (increasing i, all stopped at step 1), once with losses far
    // better than any complete trial and once far worse: the GP must not tell them apart.
    const better = history((i) => -100 + i);
    const worse = history((i) => 50 + i);
    assert.ok(better.filter((t) => t.state === 'pruned').length >= 5);
    const a = createGpSampler({ initialTrials: 5 }).suggest(ctxOf(better));
    assert.deepEqual(createGpSampler({ initialTrials: 5 }).suggest(ctxOf(worse)), a);
    // The order among them does matter.
    const reversed = history((i) => 50 - i);
    assert.notDeepEqual(createGpSampler({ initialTrials: 5 }).suggest(ctxOf(reversed)), a);
  });

  test('bayesian: with pruned trials the targets are rank-warped whatever outputWarping says', () => {
    const trials = history((i) => 50 + (i % 3));
    const rank = createGpSampler({ initialTrials: 5, outputWarping: 'rank' }).suggest(ctxOf(trials));
    assert.deepEqual(createGpSampler({ initialTrials: 5, outputWarping: 'standardize' }).suggest(ctxOf(trials)), rank);
    assert.deepEqual(createGpSampler({ initialTrials: 5 }).suggest(ctxOf(trials)), rank);
    // Without pruned trials the option does matter (so the comparison above can fail).
    const completeOnly = trials.filter((t) => t.state === 'complete').map((t, id) => ({ ...t, id }));
    assert.notDeepEqual(
      createGpSampler({ initialTrials: 5, outputWarping: 'standardize' }).suggest(ctxOf(completeOnly)),
      createGpSampler({ initialTrials: 5, outputWarping: 'rank' }).suggest(ctxOf(completeOnly)),
    );
  });

  test('bayesian: pruned trials count towards the space-filling start', () => {
    // 3 complete and 17 pruned trials: with initialTrials 5 the model is in use (the order of the
    // pruned trials changes the suggestion); with initialTrials 25 it is still the Sobol design,
    // which depends on no value at all.
    const prunedAfter3 = (v: (i: number) => number) =>
      history(v).map((t, i): Trial => (i < 3 ? t : { ...t, state: 'pruned', value: v(i), intermediate: [[1, v(i)]] }));
    const up = prunedAfter3((i) => i);
    const down = prunedAfter3((i) => -i);
    assert.notDeepEqual(createGpSampler({ initialTrials: 5 }).suggest(ctxOf(up)), createGpSampler({ initialTrials: 5 }).suggest(ctxOf(down)));
    assert.deepEqual(createGpSampler({ initialTrials: 25 }).suggest(ctxOf(up)), createGpSampler({ initialTrials: 25 }).suggest(ctxOf(down)));
  });

  test('tpe: pruned trials rank after complete ones, so a good early loss does not make them "good"', () => {
    // Pruned trials with a spectacular first-epoch loss, all in one corner: the good density must
    // not follow them there. With one complete trial per ten the good side is ⌈0.15·n⌉ trials.
    const trials: Trial[] = [];
    const rng = new Rng(1);
    for (let i = 0; i < 30; i++) {
      if (i % 3 === 0) {
        const params = { x: 0.7 + 0.3 * rng.next(), y: 0.7 + 0.3 * rng.next() };
        const value = (params.x - 0.8) ** 2 + (params.y - 0.8) ** 2;
        trials.push({ id: i, params, state: 'complete', value, intermediate: [] });
      } else {
        const params = { x: 0.1 * rng.next(), y: 0.1 * rng.next() };
        trials.push({ id: i, params, state: 'pruned', value: -100, intermediate: [[1, -100]] });
      }
    }
    const sampler = createTpeSampler({ nStartupTrials: 5 });
    let nearComplete = 0;
    for (let k = 0; k < 20; k++) {
      const p = sampler.suggest({ ...ctxOf(trials), rng: Rng.derive(k, 30) });
      if ((p.x as number) > 0.5 && (p.y as number) > 0.5) nearComplete++;
    }
    assert.ok(nearComplete >= 15, `${nearComplete} of 20 suggestions near the complete trials`);
  });
});
