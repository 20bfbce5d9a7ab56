/**
 * Hyperband (`pruner: hyperband`; Li et al. 2018) as brackets of asynchronous successive halving,
 * like Optuna's HyperbandPruner: each trial is assigned to one bracket, and each bracket is an ASHA
 * ladder (asha.ts) with its own minimum resource whose trials compete only with each other. The
 * brackets hedge between stopping early and aggressively (bracket 0) and hardly at all.
 *
 *   search.pruner: { name: hyperband, minEpochs: 1, reductionFactor: 3 }  # maxEpochs: training.epochs
 *
 * Options (as for asha):
 *   minEpochs        r, number > 0, default 1: the smallest resource of any bracket.
 *   reductionFactor  η, whole number ≥ 2, default 3.
 *   maxEpochs        R, number > minEpochs: the steps of a complete trial. Required, unless the study
 *                    config gives `maxEpochs`.
 *
 * Brackets. With s_max the largest s such that r·η^s ≤ R, bracket b = 0..s_max starts at r·η^b and
 * has rungs at r·η^(b+k) below R; when R = r·η^s_max the last bracket has no rung at all (plain
 * full-length training, the paper's last bracket). Bracket b receives trials in proportion to the
 * paper's n = ⌈(s_max+1)·η^s / (s+1)⌉ with s = s_max − b, i.e. more trials where more are stopped early
 * (Optuna weighs its brackets the same way).
 *
 * Assignment. Optuna hashes the trial number into that budget. Here the ids are cut into cycles of
 * `total` = Σ n consecutive ids, and each cycle is a seeded shuffle of n copies of every bracket: a
 * function of the study seed and the trial id only (so it survives toJSON/fromJSON and needs no
 * state), random in order, and exact in proportion over every full cycle, which matters at the few
 * dozen trials of a typical sweep where a hash could leave a bracket nearly empty.
 */
import { Rng } from '../rng';
import type { Trial } from '../types';
import { ashaPromotable, ashaShouldPrune, resolveLadderOptions, rungSteps, type AshaPrunerOptions, type Ladder } from './asha';
import type { HyperbandPrunerConfig, PruneContext, PrunerDefaults, Promotion, Pruner } from './pruner';

export type HyperbandPrunerOptions = AshaPrunerOptions;

export interface HyperbandBracket {
  index: number;
  /** The bracket's first rung, r·η^index. */
  minEpochs: number;
  /** Its rung steps, all below maxEpochs (empty for a bracket that never prunes). */
  rungs: number[];
  /** Its share of the trials: the paper's n for this bracket. */
  weight: number;
}

/** The brackets for r, η and R (see the module comment), most aggressive first. */
export function hyperbandBrackets(minEpochs: number, reductionFactor: number, maxEpochs: number): HyperbandBracket[] {
  let sMax = 0;
  while (minEpochs * reductionFactor ** (sMax + 1) <= maxEpochs) sMax++;
  const out: HyperbandBracket[] = [];
  for (let b = 0; b <= sMax; b++) {
    const s = sMax - b;
    const start = minEpochs * reductionFactor ** b;
    out.push({
      index: b,
      minEpochs: start,
      rungs: rungSteps(start, reductionFactor, maxEpochs),
      weight: Math.ceil(((sMax + 1) * reductionFactor ** s) / (s + 1)),
    });
  }
  return out;
}

/** Separates the assignment's random stream from the samplers' Rng.derive(seed, trialId). */
const BRACKET_STREAM = 0x68627264;

/** The bracket order of one cycle of ids: n copies of each bracket, shuffled by (seed, cycle). */
export function bracketCycle(seed: number, cycle: number, weights: readonly number[]): number[] {
  const slots: number[] = [];
  weights.forEach((w, b) => {
    for (let i = 0; i < w; i++) slots.push(b);
  });
  return Rng.derive(seed, BRACKET_STREAM, cycle).shuffle(slots);
}

/** The bracket of trial `trialId` in a study with `seed` (see the module comment). */
export function hyperbandBracketOf(trialId: number, seed: number, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  return bracketCycle(seed, Math.floor(trialId / total), weights)[trialId % total] as number;
}

export function resolveHyperbandOptions(raw: Record<string, unknown>, defaults: PrunerDefaults = {}): HyperbandPrunerConfig {
  return { name: 'hyperband', ...resolveLadderOptions('hyperband', raw, defaults) };
}

export function createHyperbandPruner(options: HyperbandPrunerOptions | Record<string, unknown> = {}, defaults: PrunerDefaults = {}): Pruner {
  const config = resolveHyperbandOptions(options as Record<string, unknown>, defaults);
  const brackets = hyperbandBrackets(config.minEpochs, config.reductionFactor, config.maxEpochs);
  const weights = brackets.map((b) => b.weight);
  const total = weights.reduce((a, b) => a + b, 0);
  const ladders: Ladder[] = brackets.map((b) => ({ rungs: b.rungs, reductionFactor: config.reductionFactor, maxEpochs: config.maxEpochs }));
  // Only saves the shuffles; the assignment itself is hyperbandBracketOf's.
  const cycles = new Map<string, number[]>();
  const bracketOf = (id: number, seed: number): number => {
    const cycle = Math.floor(id / total);
    const key = `${seed}:${cycle}`;
    let order = cycles.get(key);
    if (!order) {
      order = bracketCycle(seed, cycle, weights);
      if (cycles.size > 64) cycles.clear();
      cycles.set(key, order);
    }
    return order[id % total] as number;
  };
  const members = (trials: readonly Trial[], bracket: number, seed: number): Trial[] => trials.filter((t) => bracketOf(t.id, seed) === bracket);

  return {
    name: 'hyperband',
    config,
    shouldPrune(trial: Trial, ctx: PruneContext): boolean {
      const b = bracketOf(trial.id, ctx.seed);
      return ashaShouldPrune(trial, members(ctx.trials, b, ctx.seed), ctx.direction, ladders[b] as Ladder);
    },
    promotable(ctx): Promotion[] {
      const out: Promotion[] = [];
      brackets.forEach((_, b) => {
        for (const p of ashaPromotable(members(ctx.trials, b, ctx.seed), ctx.direction, ladders[b] as Ladder)) out.push({ ...p, bracket: b });
      });
      return out;
    },
  };
}
