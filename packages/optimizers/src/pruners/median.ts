/**
 * Median pruning (`pruner: median`), the rule of Optuna's MedianPruner and Google Vizier's median
 * stopping: stop a trial whose best value so far is worse than what the other trials had reached
 * at the same step.
 *
 *   search.pruner: { name: median, warmupSteps: 0, minTrials: 5 }
 *
 * Options:
 *   warmupSteps  number ≥ 0, default 0. A trial whose last report is at a step below this is never
 *                pruned (early epochs are too noisy to judge).
 *   minTrials    whole number ≥ 1, default 5. Prune only when at least this many other trials
 *                reported a value at the very same step; fewer give no reliable median.
 *
 * The decision, at the step s of the trial's last report: take the values at step s of every other
 * trial that reported there, whatever its state except failed (running ones too: the decision is
 * made with the trials seen so far, so it works with parallel trials before any has finished; and
 * pruned ones, whose values are as real as anyone's at the steps they reached). Prune when there
 * are at least minTrials of them and the trial's best value up to s is strictly worse, by the
 * study's direction, than their median (the mean of the two middle values for an even count).
 * Optuna counts only complete trials; counting every trial seen keeps the median fair once most
 * trials are pruned, instead of comparing against the survivors only.
 */
import { lossOf, type Direction, type Trial } from '../types';
import { atLeastZero, bestUpTo, checkOptions, informative, valueAt, wholeAtLeast, type MedianPrunerConfig, type Pruner } from './pruner';

export interface MedianPrunerOptions {
  /** Steps below which a trial is never pruned (default 0). */
  warmupSteps?: number;
  /** Other trials that must have reported at the same step before any pruning (default 5). */
  minTrials?: number;
}

/** The median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The values other (non-failed) trials reported at exactly `step`, in trial order. */
export function valuesAtStep(trials: readonly Trial[], step: number, exceptId: number): number[] {
  const out: number[] = [];
  for (const t of trials) {
    if (t.id === exceptId || !informative(t)) continue;
    const v = valueAt(t, step);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** The median rule on synthetic or real curves; see the module comment. */
export function medianShouldPrune(
  trial: Trial,
  trials: readonly Trial[],
  direction: Direction,
  options: Omit<MedianPrunerConfig, 'name'>,
): boolean {
  const last = trial.intermediate[trial.intermediate.length - 1];
  if (last === undefined) return false;
  const step = last[0];
  if (step < options.warmupSteps) return false;
  const others = valuesAtStep(trials, step, trial.id);
  if (others.length < options.minTrials || others.length === 0) return false;
  const best = bestUpTo(trial, step, direction) as number;
  return lossOf(best, direction) > lossOf(median(others), direction);
}

export function resolveMedianOptions(raw: Record<string, unknown>): MedianPrunerConfig {
  const given = checkOptions('median', raw, { warmupSteps: atLeastZero, minTrials: wholeAtLeast(1) });
  return { name: 'median', warmupSteps: given.warmupSteps ?? 0, minTrials: given.minTrials ?? 5 };
}

export function createMedianPruner(options: MedianPrunerOptions | Record<string, unknown> = {}): Pruner {
  const config = resolveMedianOptions(options as Record<string, unknown>);
  return {
    name: 'median',
    config,
    shouldPrune: (trial, ctx) => medianShouldPrune(trial, ctx.trials, ctx.direction, config),
  };
}
