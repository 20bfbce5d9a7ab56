import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../src/rng';
import {
  affordable,
  askAllowanceMs,
  chooseMember,
  decide,
  gateOpen,
  memberRecords,
  planPortfolio,
  MIN_WIN,
  recentAskMs,
  reward,
  REWARD_DISCOUNT,
  vetoed,
  VETO_FROM_DESIGNS,
  VETO_LOG_EI,
  type Plan,
} from '../src/samplers/auto';
import { createGpSampler } from '../src/samplers/gp';
import { createQLearningSampler } from '../src/samplers/qlearning';
import { createStudy, studyFromJSON, type RecordedAsk, type Study } from '../src/study';
import type { Params, Space, Trial } from '../src/types';
import { space as anySpace } from './arbitraries';

const BOX: Space = { x: { type: 'float', low: -5, high: 5 }, y: { type: 'float', low: -5, high: 5 }, z: { type: 'float', low: -5, high: 5 } };
/** Nine parameters: a design of 6 trials (one more than half the parameters). */
const BOX9: Space = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`x${i}`, { type: 'float', low: -5, high: 5 }])) as Space;
/** Mostly categorical: the GP, qlearning and tpe share the asks by bandit. */
const CATS: Space = {
  x: { type: 'float', low: -5, high: 5 },
  shape: { type: 'categorical', choices: ['a', 'b', 'c'] },
  mode: { type: 'categorical', choices: ['p', 'q'] },
};
const catBowl = (p: Params): number => ((p.x as number) - 1) ** 2 + ({ a: 0, b: 1, c: 2 } as Record<string, number>)[p.shape as string]! + (p.mode === 'q' ? 0 : 0.5);
/** A plan with two members, for the decision's own tests. */
const TWO: Plan = { members: ['bayesian', 'qlearning'], opener: 'bayesian', design: 6, fallback: 'tpe', reason: 'test' };
const bowl = (p: Params): number => ((p.x as number) - 1) ** 2 + ((p.y as number) + 2) ** 2 + (p.z as number) ** 2;
const COSTS = { searchShare: 0.05, minAskMs: 50 };
/**
 * Fresh runs decide from measured ask times, which a loaded machine can push past the allowance;
 * determinism tests hand recorded times back (as a journal replay does) so only the seed varies.
 */
const FIXED_COST = (): RecordedAsk => ({ askMs: 3 });

/** A finished trial with the bookkeeping auto reads. */
function trial(id: number, sampler: string, value: number, extra: Partial<Trial> = {}): Trial {
  return { id, params: { x: 0, y: 0, z: 0 }, state: 'complete', value, intermediate: [], sampler, ...extra };
}

/** Asks and tells `n` trials; `askMs(sampler)` stands in for measured ask times when given. */
function run(study: Study, n: number, f = bowl, askMs?: (t: { id: number }) => RecordedAsk): Array<[Params, string]> {
  const out: Array<[Params, string]> = [];
  for (let i = 0; i < n; i++) {
    const id = study.trials.length;
    const t = study.ask(askMs ? askMs({ id }) : {});
    study.tell(t.id, { state: 'complete', value: f(t.params), durationMs: 20 });
    out.push([t.params, t.sampler]);
  }
  return out;
}

describe('auto: the plan from space, budget and parallelism', () => {
  test('a finite space that fits in the budget is enumerated', () => {
    const small: Space = { a: { type: 'categorical', choices: ['p', 'q', 'r'] }, b: { type: 'int', low: 1, high: 4 } };
    assert.deepEqual(planPortfolio(small, 12, 1).members, ['grid']);
    assert.deepEqual(planPortfolio(small, 11, 1).members, ['bayesian', 'qlearning', 'tpe']);
    // No budget given: never assume it holds the grid.
    assert.deepEqual(planPortfolio(small, undefined, 1).members, ['bayesian', 'qlearning', 'tpe']);
    const study = createStudy({ space: small, algorithm: 'auto', budget: 50 });
    assert.equal(study.remaining, 12);
    const seen = new Set(run(study, 12, () => 1).map(([p, s]) => (assert.equal(s, 'grid'), JSON.stringify(p))));
    assert.equal(seen.size, 12);
  });

  test('mostly numeric low dimensions: the GP alone; qlearning and TPE for mostly categorical or high-dimensional spaces', () => {
    const plan = planPortfolio(BOX9, 50, 1);
    assert.deepEqual(plan.members, ['bayesian']);
    assert.equal(plan.opener, 'bayesian');
    assert.equal(plan.design, 6);
    assert.equal(planPortfolio(BOX, 50, 1).design, 3);
    const cats: Space = { a: { type: 'categorical', choices: [1, 2, 3] }, b: { type: 'categorical', choices: ['u', 'v'] }, x: { type: 'float', low: 0, high: 1 } };
    assert.deepEqual(planPortfolio(cats, 50, 1).members, ['bayesian', 'qlearning', 'tpe']);
    assert.deepEqual(planPortfolio(CATS, 50, 1).members, ['bayesian', 'qlearning', 'tpe']);
    // One categorical parameter of three: still mostly numeric.
    assert.deepEqual(planPortfolio({ ...BOX, c: { type: 'categorical', choices: [1, 2] } }, 50, 1).members, ['bayesian']);
    const wide: Space = {};
    for (let i = 0; i < 21; i++) wide[`x${i}`] = { type: 'float', low: 0, high: 1 };
    const widePlan = planPortfolio(wide, 50, 1);
    assert.deepEqual(widePlan.members, ['qlearning', 'tpe']);
    assert.equal(widePlan.opener, 'random');
  });
});

describe('auto: measured costs (switch points)', () => {
  test('the allowance is the share of the median trial duration per worker, never below the floor', () => {
    assert.equal(askAllowanceMs([], 1, COSTS), 50);
    const slow = [trial(0, 'bayesian', 1, { durationMs: 10_000 }), trial(1, 'bayesian', 1, { durationMs: 30_000 }), trial(2, 'bayesian', 1, { durationMs: 20_000 })];
    assert.equal(askAllowanceMs(slow, 1, COSTS), 1000); // 5% of the median 20 s
    assert.equal(askAllowanceMs(slow, 4, COSTS), 250); // four workers share the main thread's time
    assert.equal(askAllowanceMs(slow, 40, COSTS), 50);
    // Running trials have no duration yet.
    assert.equal(askAllowanceMs([{ ...trial(0, 'bayesian', 1), state: 'running', durationMs: 1e9 }], 1, COSTS), 50);
  });

  test('a member is affordable until its recent mean ask exceeds the allowance', () => {
    const asks = (ms: number[]): Trial[] => ms.map((m, i) => trial(i, 'bayesian', 1, { askMs: m }));
    assert.equal(recentAskMs(asks([500, 500]), 'bayesian'), undefined); // fewer than 3 asks: unknown
    assert.equal(affordable(asks([500, 500]), 'bayesian', 50), true);
    assert.equal(recentAskMs(asks([10, 20, 30]), 'bayesian'), 20);
    // The window is the last max(10, n/10) asks: an early expensive ask has left it.
    assert.equal(recentAskMs(asks([1000, ...Array(10).fill(10)]), 'bayesian'), 10);
    assert.equal(affordable(asks(Array(10).fill(50)), 'bayesian', 50), true);
    assert.equal(affordable(asks(Array(10).fill(50.01)), 'bayesian', 50), false);
  });

  test('decide: design, then the bandit, then tpe in the GP’s place once GP asks cost too much', () => {
    const plan = TWO;
    const rng = () => new Rng(3);
    const design = Array.from({ length: 5 }, (_, i) => trial(i, 'bayesian', 10 - i, { askMs: 1 }));
    assert.deepEqual(decide(plan, design, 'minimize', 1, COSTS, rng()), { member: 'bayesian', why: 'design' });
    const cheap = [...design, ...Array.from({ length: 6 }, (_, i) => trial(6 + i, i % 2 ? 'qlearning' : 'bayesian', 20, { askMs: 5 }))];
    cheap.splice(5, 0, trial(5, 'bayesian', 9, { askMs: 1 }));
    const d = decide(plan, cheap, 'minimize', 1, COSTS, rng());
    assert.equal(d.why, 'bandit');
    // GP asks at 80 ms > 50 ms floor (no durations told): the GP leaves, tpe stands in.
    const costly = cheap.map((t) => (t.sampler === 'bayesian' && t.id >= 6 ? { ...t, askMs: 80 } : t));
    for (let id = 12; id < 17; id++) costly.push(trial(id, 'bayesian', 20, { askMs: 80 }));
    // The last 10 GP asks: two design asks at 1 ms and eight at 80 ms, a mean of 64.2 ms.
    assert.equal(recentAskMs(costly, 'bayesian'), 64.2);
    const members = new Set<string>();
    for (let s = 0; s < 50; s++) members.add(decide(plan, costly, 'minimize', 1, COSTS, new Rng(s)).member);
    assert.deepEqual([...members].sort(), ['qlearning', 'tpe']);
    // The same asks are affordable when trials take 10 s each (5% = 500 ms).
    const slowTrials = costly.map((t) => ({ ...t, durationMs: 10_000 }));
    const again = new Set<string>();
    for (let s = 0; s < 50; s++) again.add(decide(plan, slowTrials, 'minimize', 1, COSTS, new Rng(s)).member);
    assert.ok(again.has('bayesian'));
    assert.ok(!again.has('tpe'));
    // A recorded proposer is followed whatever the costs say.
    assert.deepEqual(decide(plan, costly, 'minimize', 1, COSTS, rng(), 'bayesian'), { member: 'bayesian', why: 'replay' });
  });

  test('in a study, GP asks that take too long move the study to tpe at a deterministic point', () => {
    // Recorded ask times (as a journal replay hands them back) make the measured costs synthetic.
    const cost = (t: { id: number }): RecordedAsk => ({ askMs: t.id < 20 ? 1 : 150 });
    const study = createStudy({ space: BOX, algorithm: 'auto', seed: 4, budget: 60 });
    const samplers = run(study, 60, bowl, cost).map(([, s]) => s);
    const firstTpe = samplers.indexOf('tpe');
    assert.ok(firstTpe > 20, `tpe first at ${firstTpe}`);
    const gpAfter = samplers.slice(firstTpe).filter((s) => s === 'bayesian').length;
    assert.equal(gpAfter, 0, samplers.join(','));
    assert.ok(samplers.slice(0, 20).includes('bayesian'));
  });
});

describe('auto: the GP’s veto (switch points)', () => {
  test('a proposal is vetoed when its log EI is more than VETO_LOG_EI below the GP’s own', () => {
    assert.equal(VETO_LOG_EI, Math.log(100));
    assert.equal(vetoed(-5, -5), false);
    assert.equal(vetoed(-5 - VETO_LOG_EI, -5), false); // exactly a factor 100: kept
    assert.equal(vetoed(-5 - VETO_LOG_EI - 1e-9, -5), true);
    assert.equal(vetoed(-Infinity, -5), true); // a point the model cannot encode
    assert.equal(vetoed(NaN, -5), true);
  });

  test('the gate opens at twice the design and stays open while the GP is a member and affordable', () => {
    const plan = TWO;
    const cheap = Array.from({ length: 12 }, (_, i) => trial(i, 'bayesian', 10 - i, { askMs: 5 }));
    assert.equal(gateOpen(plan, cheap, 1, COSTS), true);
    // Not before twice the design's trials (6 here): a model of a few points judges poorly.
    assert.equal(VETO_FROM_DESIGNS * plan.design, 12);
    assert.equal(gateOpen(plan, cheap.slice(0, 11), 1, COSTS), false);
    const costly = cheap.map((t) => ({ ...t, askMs: 80 }));
    assert.equal(gateOpen(plan, costly, 1, COSTS), false);
    assert.equal(gateOpen(plan, costly.map((t) => ({ ...t, durationMs: 10_000 })), 1, COSTS), true);
    const wide: Space = {};
    for (let i = 0; i < 21; i++) wide[`x${i}`] = { type: 'float', low: 0, high: 1 };
    assert.equal(gateOpen(planPortfolio(wide, 100, 1), cheap, 1, COSTS), false);
  });

  test('the GP scores other points with the acquisition it maximised; no scores during its design', () => {
    const gp = createGpSampler({ initialTrials: 4 });
    const trials: Trial[] = [];
    const ctx = (id: number) => ({ space: BOX, direction: 'minimize' as const, trials, trialId: id, rng: Rng.derive(9, id) });
    for (let id = 0; id < 4; id++) {
      const s = gp.suggestScored(ctx(id), [{ x: 0, y: 0, z: 0 }]);
      assert.equal(s.logEi, undefined);
      trials.push({ id, params: s.params, state: 'complete', value: bowl(s.params), intermediate: [] });
    }
    const far = { x: 5, y: 5, z: 5 };
    const s = gp.suggestScored(ctx(4), [far]);
    assert.ok(Number.isFinite(s.logEi), String(s.logEi));
    assert.ok((s.alternatives?.[0] as number) <= (s.logEi as number));
    // Its own proposal, scored as an alternative, gets the same value.
    const again = gp.suggestScored(ctx(4), [s.params]);
    assert.ok(Math.abs((again.alternatives?.[0] as number) - (s.logEi as number)) < 1e-9);
    assert.deepEqual(gp.suggest(ctx(4)), s.params);
  });

  test('qlearning forgets a discarded suggestion: its result teaches the walk nothing', () => {
    const run = (discard: boolean): unknown => {
      const q = createQLearningSampler({ randomStarts: 2 });
      const trials: Trial[] = [];
      for (let id = 0; id < 6; id++) {
        const ctx = { space: BOX, direction: 'minimize' as const, trials, trialId: id, rng: Rng.derive(3, id) };
        const params = q.suggest(ctx);
        if (discard && id === 4) q.discard?.(id);
        const t: Trial = { id, params, state: 'complete', value: bowl(params), intermediate: [] };
        trials.push(t);
        q.observe?.(t, { space: BOX, direction: 'minimize', trials });
      }
      return q.saveState?.();
    };
    assert.notDeepEqual(run(true), run(false));
    const kept = run(false) as { q: unknown[] };
    const dropped = run(true) as { q: unknown[] };
    assert.ok(JSON.stringify(dropped.q).length < JSON.stringify(kept.q).length);
  });

  test('in a study the GP replaces some of qlearning’s bandit picks, and a replay of an older journal follows its proposer', () => {
    const seed = 6;
    const study = createStudy({ space: CATS, algorithm: 'auto', seed, budget: 40 });
    run(study, 40, catBowl, FIXED_COST);
    const plan = planPortfolio(CATS, 40, 1);
    let picked = 0;
    let replaced = 0;
    for (const t of study.trials) {
      // The decision stream is the first draw of the ask's generator (see createAutoSampler).
      const d = decide(plan, study.trials.slice(0, t.id), 'minimize', 1, { searchShare: 0.05, minAskMs: 100 }, new Rng(Rng.derive(seed, t.id).nextUint32()));
      if (d.why === 'bandit' && d.member === 'qlearning') {
        picked++;
        if (t.sampler === 'bayesian') replaced++;
      }
    }
    assert.ok(picked > 0 && replaced > 0 && replaced < picked, `qlearning picked ${picked}, replaced ${replaced}`);
    // A journal from another version of auto named another proposer: the replay asks that member.
    const replay = createStudy({ space: CATS, algorithm: 'auto', seed, budget: 40 });
    for (const t of study.trials.slice(0, 16)) {
      const asked = replay.ask({ sampler: t.id === 15 ? (t.sampler === 'qlearning' ? 'bayesian' : 'qlearning') : (t.sampler as string), askMs: 3 });
      if (t.id !== 15) assert.deepEqual(asked.params, t.params);
      else assert.notEqual(asked.sampler, t.sampler);
      replay.tell(asked.id, catBowl(asked.params));
    }
  });
});

describe('auto: the bandit', () => {
  test('records count improvements on the incumbent, discounted per later trial of the member', () => {
    const trials = [trial(0, 'bayesian', 5), trial(1, 'bayesian', 4), trial(2, 'qlearning', 3), trial(3, 'bayesian', 9), trial(4, 'qlearning', 2)];
    const records = memberRecords(trials, 'minimize', 1, ['bayesian', 'qlearning']);
    // bayesian: trial 1 a win, then trial 3 a loss (the win discounted once).
    assert.deepEqual(records.get('bayesian'), { wins: REWARD_DISCOUNT, losses: 1 });
    assert.deepEqual(records.get('qlearning'), { wins: 1 + REWARD_DISCOUNT, losses: 0 });
    const maxed = memberRecords(trials.map((t) => ({ ...t, value: -(t.value as number) })), 'maximize', 1, ['bayesian', 'qlearning']);
    assert.deepEqual(maxed.get('qlearning'), { wins: 1 + REWARD_DISCOUNT, losses: 0 });
  });

  test('reward: 0 without improvement, MIN_WIN plus the step in units of the good trials’ spread, at most 1', () => {
    assert.equal(reward(5, 4, 6), 0);
    assert.equal(reward(undefined, 4, 6), 0);
    assert.equal(reward(3.5, 4, 6), MIN_WIN + 0.25);
    assert.equal(reward(1, 4, 6), 1);
    assert.equal(reward(3, Infinity, undefined), 1); // the first finished trial
    assert.equal(reward(3, 4, 4), 1); // no spread yet
  });

  test('Thompson sampling favours the member whose proposals improve', () => {
    const records = new Map([
      ['bayesian', { wins: 0, losses: 8 }],
      ['qlearning', { wins: 6, losses: 2 }],
    ]);
    let q = 0;
    for (let s = 0; s < 200; s++) if (chooseMember(records, ['bayesian', 'qlearning'], new Rng(s)) === 'qlearning') q++;
    assert.ok(q > 180, `qlearning chosen ${q}/200`);
  });
});

describe('auto: determinism, resume and replay', () => {
  test('the same seed gives the same proposals and proposers; another seed does not', () => {
    const a = run(createStudy({ space: CATS, algorithm: 'auto', seed: 7, budget: 30 }), 30, catBowl, FIXED_COST);
    const b = run(createStudy({ space: CATS, algorithm: 'auto', seed: 7, budget: 30 }), 30, catBowl, FIXED_COST);
    const c = run(createStudy({ space: CATS, algorithm: 'auto', seed: 8, budget: 30 }), 30, catBowl, FIXED_COST);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const proposers = new Set(a.map(([, s]) => s));
    assert.ok(proposers.has('bayesian') && proposers.has('qlearning'), [...proposers].join(','));
  });

  test('toJSON / fromJSON mid-study continues exactly, cost decisions included', () => {
    const cost = (t: { id: number }): RecordedAsk => ({ askMs: t.id < 15 ? 2 : 130 });
    const whole = createStudy({ space: BOX, algorithm: 'auto', seed: 2, budget: 40 });
    const all = run(whole, 40, bowl, cost);
    const first = createStudy({ space: BOX, algorithm: 'auto', seed: 2, budget: 40 });
    run(first, 22, bowl, cost);
    const json = JSON.parse(JSON.stringify(first.toJSON()));
    assert.equal(json.budget, 40);
    assert.equal(json.trials[3].askMs, 2);
    assert.equal(json.trials[3].durationMs, 20);
    const resumed = studyFromJSON(json);
    const rest = run(resumed, 18, bowl, cost);
    assert.deepEqual(rest, all.slice(22));
    assert.ok(all.some(([, s]) => s === 'tpe'), 'the cost switch happened in this run');
  });

  test('a journal replay (recorded proposer and ask time) reproduces the asks, even with another budget', () => {
    // Measured ask times here: the replay must follow them whatever they were.
    const original = createStudy({ space: BOX, algorithm: 'auto', seed: 5, budget: 30, parallelism: 2 });
    run(original, 30);
    for (const budget of [30, 80]) {
      const replay = createStudy({ space: BOX, algorithm: 'auto', seed: 5, budget, parallelism: 2 });
      for (const t of original.trials) {
        const asked = replay.ask({ sampler: t.sampler as string, askMs: t.askMs as number });
        assert.deepEqual(asked.params, t.params, `budget ${budget}, trial ${t.id}`);
        assert.equal(asked.askMs, t.askMs);
        replay.tell(asked.id, { state: 'complete', value: t.value as number, durationMs: t.durationMs as number });
      }
      assert.deepEqual(replay.toJSON().trials, original.toJSON().trials);
    }
  });

  test('parallel asks (4 pending at a time) stay distinct and deterministic', () => {
    const go = () => {
      const study = createStudy({ space: BOX, algorithm: 'auto', seed: 1, budget: 32, parallelism: 4 });
      const out: string[] = [];
      for (let round = 0; round < 8; round++) {
        const batch = [0, 1, 2, 3].map(() => study.ask(FIXED_COST()));
        for (const t of batch) study.tell(t.id, bowl(t.params));
        out.push(...batch.map((t) => `${t.sampler}:${JSON.stringify(t.params)}`));
      }
      return out;
    };
    const a = go();
    assert.deepEqual(a, go());
    assert.equal(new Set(a.map((s) => s.slice(s.indexOf(':')))).size, 32);
  });

  test('property: on any space, auto proposes points of the space, records its proposer and repeats itself by seed', () => {
    fc.assert(
      fc.property(anySpace, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 3 }), (space, seed, parallelism) => {
        const go = () => {
          const study = createStudy({ space, algorithm: 'auto', seed, budget: 14, parallelism });
          const out: Array<[Params, string]> = [];
          while (out.length < 14 && study.remaining !== 0) {
            const batch = [];
            for (let i = 0; i < parallelism && out.length + batch.length < 14 && study.remaining !== 0; i++) batch.push(study.ask(FIXED_COST()));
            for (const t of batch) {
              study.tell(t.id, JSON.stringify(t.params).length % 7);
              out.push([t.params, t.sampler]);
            }
          }
          return out;
        };
        const a = go();
        assert.deepEqual(a, go());
        for (const [, s] of a) assert.ok(['bayesian', 'qlearning', 'tpe', 'random', 'grid'].includes(s), s);
      }),
      { numRuns: 25 },
    );
  });

  test('options are checked like every algorithm’s', () => {
    assert.throws(() => createStudy({ space: BOX, algorithm: 'auto', options: { searchShare: 2 } }), /searchShare/);
    assert.throws(() => createStudy({ space: BOX, algorithm: 'auto', options: { bandit: true } }), /unknown auto option 'bandit'/);
    assert.throws(() => createStudy({ space: BOX, algorithm: 'auto', budget: 0 }), /'budget' must be a whole number of at least 1/);
  });
});
