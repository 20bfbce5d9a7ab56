/**
 * Learning-rate schedules and early-stopping bookkeeping as pure functions, against values worked
 * out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checkSchedule,
  cosineLr,
  exponentialLr,
  inverseTimeLr,
  isImprovement,
  observePlateau,
  scheduleLr,
  startPlateau,
  stepDecayLr,
  warmupLr,
  type PlateauOptions,
} from '../src/training/schedule';
import { EARLY_STOPPING_START, earlyStoppingOptions, observeEpoch } from '../src/training/early-stopping';
import type { ScheduleSpec } from '../src/training/spec';
import { UserError } from '../src/errors';

const close = (actual: number, expected: number, what = ''): void =>
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what} ${actual} ≠ ${expected}`);

test('step decay: × gamma every `every` epochs', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((t) => stepDecayLr(0.1, t, 3, 0.5)),
    [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025],
  );
});

test('exponential and inverse-time decay', () => {
  assert.equal(exponentialLr(0.2, 0, 0.5), 0.2);
  assert.equal(exponentialLr(0.2, 2, 0.5), 0.05);
  close(exponentialLr(0.2, 0.5, 0.5), 0.2 * Math.SQRT1_2, 'half an epoch');
  assert.equal(inverseTimeLr(0.3, 0, 0.5), 0.3);
  close(inverseTimeLr(0.3, 4, 0.5), 0.1); // 0.3 / (1 + 2)
});

test('cosine annealing: half cosine per cycle, restarts, growing cycles, a floor', () => {
  const plain = { period: 4, periodMult: 1, minFactor: 0 };
  close(cosineLr(1, 0, plain), 1);
  close(cosineLr(1, 1, plain), (1 + Math.SQRT1_2) / 2); // (1 + cos(π/4)) / 2 = 0.8535…
  close(cosineLr(1, 2, plain), 0.5);
  close(cosineLr(1, 3, plain), (1 - Math.SQRT1_2) / 2); // 0.1464…
  close(cosineLr(1, 4, plain), 1, 'restart');
  close(cosineLr(1, 6, plain), 0.5);
  close(cosineLr(1, 2, { ...plain, minFactor: 0.1 }), 0.55); // 0.1 + 0.9 × 0.5
  // Cycles of 2, 4, 8 epochs: restarts at t = 2, 6, 14.
  const sgdr = { period: 2, periodMult: 2, minFactor: 0 };
  close(cosineLr(2, 1, sgdr), 1); // middle of the first cycle: half of lr = 2
  close(cosineLr(2, 2, sgdr), 2, 'first restart');
  close(cosineLr(2, 4, sgdr), 1); // middle of the 4-epoch cycle
  close(cosineLr(2, 5, sgdr), 2 * ((1 - Math.SQRT1_2) / 2));
  close(cosineLr(2, 6, sgdr), 2, 'second restart');
  close(cosineLr(2, 10, sgdr), 1); // middle of the 8-epoch cycle
});

test('linear warm-up: the first step already learns, the last reaches lr', () => {
  assert.deepEqual(
    [0, 1, 2, 3].map((s) => warmupLr(0.1, s, 4, 0)),
    [0.025, 0.05, 0.07500000000000001, 0.1],
  );
  close(warmupLr(0.1, 0, 4, 0.2), 0.04); // 0.1 × (0.2 + 0.8 / 4)
  close(warmupLr(0.1, 3, 4, 0.2), 0.1);
});

test('scheduleLr: warm-up in front, then the schedule on its own clock, per epoch or per batch', () => {
  const clock = { epochs: 6, stepsPerEpoch: 4 };
  const step = scheduleLr({ name: 'step', every: 2, gamma: 0.5, warmup: { epochs: 1 } }, 0.1, clock);
  assert.deepEqual(
    Array.from({ length: 21 }, (_, s) => step(s)),
    [
      0.025, 0.05, 0.07500000000000001, 0.1, // warm-up (epoch 1)
      0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, // t = 0, 1
      0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, // t = 2, 3
      0.025, // t = 4
    ],
  );
  // step's gamma defaults to 0.1.
  close(scheduleLr({ name: 'step', every: 1 }, 1, clock)(4), 0.1);
  // exponential: per epoch by default, per batch on request.
  const exp: ScheduleSpec = { name: 'exponential', gamma: 0.5 };
  assert.equal(scheduleLr(exp, 1, clock)(6), 0.5); // epoch 2 → t = 1
  close(scheduleLr({ ...exp, per: 'batch' }, 1, clock)(6), 0.5 ** 1.5); // t = 6 / 4
  close(scheduleLr({ name: 'inverseTime', decay: 1 }, 0.3, clock)(9), 0.1); // t = 2 → 0.3 / 3
  // cosine: per batch by default; without period, one half cosine over the rest of training.
  const cos = scheduleLr({ name: 'cosine' }, 1, { epochs: 5, stepsPerEpoch: 2 });
  close(cos(0), 1);
  close(cos(5), 0.5); // t = 2.5 of 5
  close(scheduleLr({ name: 'cosine', per: 'epoch' }, 1, { epochs: 5, stepsPerEpoch: 2 })(5), (1 + Math.cos((2 * Math.PI) / 5)) / 2); // t = 2
  const warmCos = scheduleLr({ name: 'cosine', warmup: { epochs: 1 } }, 1, { epochs: 5, stepsPerEpoch: 2 });
  close(warmCos(1), 1, 'end of warm-up');
  close(warmCos(2), 1, 'cosine starts at lr');
  close(warmCos(6), 0.5); // t = 2 of the 4 epochs left
  // constant and reduceOnPlateau (before any reduction) keep lr after the warm-up.
  assert.equal(scheduleLr({ name: 'constant' }, 0.3, clock)(17), 0.3);
  assert.equal(scheduleLr({ name: 'reduceOnPlateau', warmup: { epochs: 2 } }, 0.3, clock)(3), 0.3 * (4 / 8));
});

const plateau: PlateauOptions = { direction: 'minimize', factor: 0.5, patience: 2, minDelta: 0, cooldown: 1, minLr: 0.01 };

test('reduceOnPlateau: × factor after `patience` flat epochs, cooldown, never below minLr (as Keras)', () => {
  let s = startPlateau(0.1);
  const lrs: number[] = [];
  for (const v of [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]) {
    s = observePlateau(s, v, plateau);
    lrs.push(s.lr);
  }
  // Reductions at epochs 3, 5, 7, 9 (the cooldown epoch resets the count, then counts itself);
  // the fourth reduction stops at minLr, and none come after.
  assert.deepEqual(lrs, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.01, 0.01, 0.01]);
  // An improvement resets the count.
  s = startPlateau(0.1);
  for (const v of [1, 1, 0.5, 0.5]) s = observePlateau(s, v, { ...plateau, cooldown: 0 });
  assert.equal(s.lr, 0.1);
  assert.equal(s.wait, 1);
  assert.equal(s.best, 0.5);
});

test('improvement: beyond minDelta, in the metric\'s direction; anything beats no value yet', () => {
  assert.ok(isImprovement(5, NaN, 'minimize', 0));
  assert.ok(isImprovement(0.89, 1, 'minimize', 0.1));
  assert.ok(!isImprovement(0.95, 1, 'minimize', 0.1));
  assert.ok(!isImprovement(1, 1, 'minimize', 0));
  assert.ok(isImprovement(0.91, 0.9, 'maximize', 0));
  assert.ok(!isImprovement(0.89, 0.9, 'maximize', 0));
});

test('early stopping: stops after `patience` epochs without improvement, remembers the best epoch', () => {
  const o = earlyStoppingOptions({ patience: 2 });
  assert.deepEqual(o, { metric: 'val_loss', direction: 'minimize', patience: 2, minDelta: 0, restoreBest: true });
  assert.equal(earlyStoppingOptions({ metric: 'val_accuracy' }).direction, 'maximize');
  let state = EARLY_STOPPING_START;
  const seen: Array<[boolean, boolean, number]> = [];
  [1, 0.8, 0.9, 0.85, 0.7].forEach((v, i) => {
    const r = observeEpoch(state, i + 1, v, o);
    state = r.state;
    seen.push([r.improved, r.stop, state.bestEpoch]);
  });
  assert.deepEqual(seen, [
    [true, false, 1],
    [true, false, 2],
    [false, false, 2],
    [false, true, 2], // two epochs without improvement: stop, best is epoch 2
    [true, false, 5],
  ]);
  assert.throws(() => earlyStoppingOptions({ patience: -1 }), (e: unknown) => e instanceof UserError && e.location.path === 'training.earlyStopping.patience');
});

test('checkSchedule: the same rules as the config, at the offending key', () => {
  const pathOf = (spec: ScheduleSpec, epochs = 10): string | undefined => {
    try {
      checkSchedule(spec, epochs);
      return undefined;
    } catch (e) {
      assert.ok(e instanceof UserError);
      return e.location.path;
    }
  };
  assert.equal(pathOf({ name: 'step' } as ScheduleSpec), 'training.schedule.every');
  assert.equal(pathOf({ name: 'exponential' }), 'training.schedule.gamma');
  assert.equal(pathOf({ name: 'inverseTime' }), 'training.schedule.decay');
  assert.equal(pathOf({ name: 'cosine', periodMult: 2 }), 'training.schedule.periodMult');
  assert.equal(pathOf({ name: 'constant', warmup: { epochs: 10 } }), 'training.schedule.warmup.epochs');
  assert.equal(pathOf({ name: 'constant', warmup: { epochs: 9 } }), undefined);
  assert.equal(pathOf({ name: 'linear' } as unknown as ScheduleSpec), 'training.schedule.name');
  assert.equal(pathOf({ name: 'reduceOnPlateau', factor: 1 }), 'training.schedule.factor');
});

test('properties: rates stay within [floor, lr], warm-ups climb to lr, step decay never rises', () => {
  const spec = fc.oneof(
    fc.record({ name: fc.constant('cosine' as const), period: fc.integer({ min: 1, max: 10 }), periodMult: fc.integer({ min: 1, max: 3 }), minFactor: fc.double({ min: 0, max: 0.99, noNaN: true }) }),
    fc.record({ name: fc.constant('step' as const), every: fc.integer({ min: 1, max: 5 }), gamma: fc.double({ min: 0.01, max: 1, noNaN: true }) }),
    fc.record({ name: fc.constant('exponential' as const), gamma: fc.double({ min: 0.01, max: 1, noNaN: true }), per: fc.constantFrom('epoch' as const, 'batch' as const) }),
    fc.record({ name: fc.constant('inverseTime' as const), decay: fc.double({ min: 0.001, max: 10, noNaN: true }) }),
  );
  fc.assert(
    fc.property(spec, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.double({ min: 1e-5, max: 1, noNaN: true }), (s, warm, spe, lr) => {
      const epochs = warm + 6;
      const full: ScheduleSpec = warm > 0 ? { ...s, warmup: { epochs: warm } } : s;
      checkSchedule(full, epochs);
      const at = scheduleLr(full, lr, { epochs, stepsPerEpoch: spe });
      const floor = s.name === 'cosine' ? lr * s.minFactor : 0;
      let previous = -Infinity;
      for (let step = 0; step < epochs * spe; step++) {
        const v = at(step);
        // The warm-up starts from (nearly) nothing, the schedule after it from lr down to its floor.
        const low = step < warm * spe ? 0 : floor * (1 - 1e-12);
        assert.ok(Number.isFinite(v) && v > 0 && v <= lr * (1 + 1e-12) && v >= low, `step ${step}: ${v}`);
        if (step < warm * spe) {
          assert.ok(v > previous, 'warm-up climbs');
          if (step === warm * spe - 1) close(v, lr, 'warm-up ends at lr');
        } else if (s.name === 'step' && step > warm * spe) {
          assert.ok(v <= previous, 'step decay never rises');
        }
        previous = v;
      }
    }),
    { numRuns: 300 },
  );
});
