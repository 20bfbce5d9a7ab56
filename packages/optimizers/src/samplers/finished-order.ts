/**
 * The one order of finished trials that the model-based samplers (tpe, bayesian) share, Optuna's
 * TPE order: complete trials by loss, then pruned trials, deeper first (a later last report), then
 * by the loss of that last report. Values measured at different budgets are never compared as
 * numbers: a pruned trial only counts as worse than every complete trial and every trial pruned
 * later, and is compared by value only with trials pruned at the same step. Failed and running
 * trials have no place in it.
 */
import { lossOf, type Direction, type Trial } from '../types';

export interface FinishedRank {
  trial: Trial;
  /** 0 for complete, 1 for pruned: complete trials always rank first. */
  tier: 0 | 1;
  /** For pruned trials: the step of the last report (more is better); 0 for complete ones. */
  depth: number;
  loss: number;
}

/** A finished trial's sort key, or undefined for running, failed and value-less complete trials. */
export function finishedRank(trial: Trial, direction: Direction): FinishedRank | undefined {
  if (trial.state === 'complete') {
    if (typeof trial.value !== 'number' || Number.isNaN(trial.value)) return undefined;
    return { trial, tier: 0, depth: 0, loss: lossOf(trial.value, direction) };
  }
  if (trial.state === 'pruned') {
    const last = trial.intermediate[trial.intermediate.length - 1];
    const value = last !== undefined ? last[1] : trial.value;
    const loss = typeof value === 'number' && !Number.isNaN(value) ? lossOf(value, direction) : Infinity;
    return { trial, tier: 1, depth: last !== undefined ? last[0] : -Infinity, loss };
  }
  return undefined;
}

/** Better first, without the final tie-break on id (equal keys compare as 0). */
export function compareFinishedKeys(a: FinishedRank, b: FinishedRank): number {
  if (a.tier !== b.tier) return a.tier - b.tier;
  if (a.depth !== b.depth) return b.depth - a.depth;
  if (a.loss !== b.loss) return a.loss < b.loss ? -1 : 1;
  return 0;
}

/** Better first; ties go to the lower id. */
export function compareFinished(a: FinishedRank, b: FinishedRank): number {
  return compareFinishedKeys(a, b) || a.trial.id - b.trial.id;
}
