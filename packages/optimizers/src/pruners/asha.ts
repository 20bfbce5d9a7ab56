/**
 * Asynchronous successive halving (`pruner: asha`; Li et al. 2020, "A System for Massively
 * Parallel Hyperparameter Tuning"), in the stop-don't-pause form Optuna's SuccessiveHalvingPruner
 * uses: a trial is checked whenever it reaches a rung and either continues or is pruned.
 *
 *   search.pruner: { name: asha, minEpochs: 1, reductionFactor: 3 }   # maxEpochs: training.epochs
 *
 * Options:
 *   minEpochs        r, number > 0, default 1. The first rung: no trial is pruned before it has
 *                    reported at a step ≥ r.
 *   reductionFactor  η, whole number ≥ 2, default 3. Rungs sit at r·η^k, and at each one only the
 *                    best 1/η of the trials that reached it go on.
 *   maxEpochs        R, number > minEpochs: the steps of a complete trial. Required, unless the study
 *                    config gives `maxEpochs`. Rungs are only those below R (a trial that reached
 *                    R has finished; it is complete, never pruned).
 *
 * Rungs and values. A trial reaches rung k when it reports at a step ≥ r·η^k; its value there is
 * the one reported at the first such step (what it stood at when it got there, as in Optuna, so a
 * trial that skips steps is judged on a later value). Trials of every state but failed count.
 *
 * Decision. When a trial's latest report carries it past one or more rungs, it is compared at each
 * of them, lowest first, with every trial that has reached that rung so far (itself included, n in
 * all): it goes on only if its value is among the best max(1, ⌊n/η⌋) (ties go on). Rungs passed at
 * earlier reports are not judged again, so a promotion is never taken back; a caller that skips
 * shouldPrune after some report only skips those rungs' checks. The max(1, …) lets the first
 * trials through (as Optuna does): with stopping instead of pausing, a rung of fewer than η trials
 * would otherwise stop every one of them.
 *
 * Promotion (the paper's pause-and-resume view): a trial stopped at rung k may later become one of
 * the best ⌊n/η⌋ there as more trials arrive; `ashaPromotable` lists such trials, for a sweep that
 * can resume a trial from its checkpoint.
 */
import { AlgorithmError } from '../errors';
import { lossOf, type Direction, type Trial } from '../types';
import {
  checkOptions,
  informative,
  positive,
  wholeAtLeast,
  type AshaPrunerConfig,
  type PrunerDefaults,
  type PrunerName,
  type Promotion,
  type Pruner,
} from './pruner';

export interface AshaPrunerOptions {
  /** r: the first rung, in steps (default 1). */
  minEpochs?: number;
  /** η: rungs at r·η^k, and the best 1/η go on at each (default 3). */
  reductionFactor?: number;
  /** R: the steps of a complete trial (default: the study's maxEpochs). */
  maxEpochs?: number;
}

/** The rungs' steps r·η^k below R, lowest first. */
export function rungSteps(minEpochs: number, reductionFactor: number, maxEpochs: number): number[] {
  const out: number[] = [];
  for (let step = minEpochs; step < maxEpochs; step *= reductionFactor) out.push(step);
  return out;
}

/** The trial's value at the rung at `step`: its first report at a step ≥ `step`, if any. */
export function rungValue(trial: Trial, step: number): number | undefined {
  for (const [s, v] of trial.intermediate) if (s >= step) return v;
  return undefined;
}

/** How many of n trials at a rung go on when trials are stopped, not paused: max(1, ⌊n/η⌋). */
export function survivors(n: number, reductionFactor: number): number {
  return Math.max(1, Math.floor(n / reductionFactor));
}

/**
 * Whether `value` is among the best `keep` of `competing` (which includes it): at least as good as
 * the keep-th best, so ties go on.
 */
export function amongBest(value: number, competing: readonly number[], keep: number, direction: Direction): boolean {
  if (keep <= 0) return false;
  const losses = competing.map((v) => lossOf(v, direction)).sort((a, b) => a - b);
  const threshold = losses[Math.min(keep, losses.length) - 1] as number;
  return lossOf(value, direction) <= threshold;
}

export interface RungEntry {
  trialId: number;
  value: number;
}

export interface Rung {
  index: number;
  step: number;
  /** The trials that reached it, in id order. */
  entries: RungEntry[];
}

/** Who reached each rung, and with what value (failed trials left out). */
export function rungsOf(trials: readonly Trial[], steps: readonly number[]): Rung[] {
  return steps.map((step, index) => {
    const entries: RungEntry[] = [];
    for (const t of trials) {
      if (!informative(t)) continue;
      const value = rungValue(t, step);
      if (value !== undefined) entries.push({ trialId: t.id, value });
    }
    return { index, step, entries };
  });
}

/** The rule parameters of one successive-halving ladder (a hyperband bracket is one too). */
export interface Ladder {
  /** Rung steps, lowest first, all below maxEpochs. */
  rungs: readonly number[];
  reductionFactor: number;
  maxEpochs: number;
}

/**
 * ASHA's decision for `trial` at its latest report (see the module comment). `trials` are the
 * trials it competes with; the trial itself may or may not be among them.
 */
export function ashaShouldPrune(trial: Trial, trials: readonly Trial[], direction: Direction, ladder: Ladder): boolean {
  const n = trial.intermediate.length;
  const last = trial.intermediate[n - 1];
  if (last === undefined) return false;
  const step = last[0];
  if (step >= ladder.maxEpochs) return false;
  const previous = n > 1 ? (trial.intermediate[n - 2] as [number, number])[0] : -Infinity;
  for (const rung of ladder.rungs) {
    if (rung <= previous) continue;
    if (rung > step) break;
    // The latest report is the trial's first at or past this rung, so it is its value there.
    const own = rungValue(trial, rung) as number;
    const competing = [own];
    for (const t of trials) {
      if (t.id === trial.id || !informative(t)) continue;
      const v = rungValue(t, rung);
      if (v !== undefined) competing.push(v);
    }
    if (!amongBest(own, competing, survivors(competing.length, ladder.reductionFactor), direction)) return true;
  }
  return false;
}

/**
 * Pruned trials that the paper's promotion rule would resume now: at the highest rung each reached,
 * among the best ⌊n/η⌋ of the n trials there, and never reported at the next rung (or at maxEpochs
 * from the last rung). Highest rung first, then best value, then id.
 */
export function ashaPromotable(trials: readonly Trial[], direction: Direction, ladder: Ladder): Promotion[] {
  const rungs = rungsOf(trials, ladder.rungs);
  const byId = new Map(trials.map((t) => [t.id, t]));
  const out: Promotion[] = [];
  for (let k = rungs.length - 1; k >= 0; k--) {
    const rung = rungs[k] as Rung;
    const toEpochs = k + 1 < rungs.length ? (rungs[k + 1] as Rung).step : ladder.maxEpochs;
    const keep = Math.floor(rung.entries.length / ladder.reductionFactor);
    const ranked = [...rung.entries].sort((a, b) => lossOf(a.value, direction) - lossOf(b.value, direction) || a.trialId - b.trialId);
    for (const e of ranked.slice(0, keep)) {
      const t = byId.get(e.trialId) as Trial;
      if (t.state !== 'pruned') continue;
      const lastStep = t.intermediate[t.intermediate.length - 1]?.[0] ?? -Infinity;
      if (lastStep >= toEpochs) continue;
      out.push({ trialId: e.trialId, rung: k, value: e.value, toEpochs });
    }
  }
  return out;
}

/**
 * Reads r, η and R for asha and hyperband. R comes from the options, else from the study's
 * maxEpochs; AlgorithmError (path ['pruner', key], or ['maxEpochs'] for the study's) on a problem.
 */
export function resolveLadderOptions(
  name: Extract<PrunerName, 'asha' | 'hyperband'>,
  raw: Record<string, unknown>,
  defaults: PrunerDefaults,
): { minEpochs: number; reductionFactor: number; maxEpochs: number } {
  const given = checkOptions(name, raw, { minEpochs: positive, reductionFactor: wholeAtLeast(2), maxEpochs: positive });
  const minEpochs = given.minEpochs ?? 1;
  const reductionFactor = given.reductionFactor ?? 3;
  let maxEpochs = given.maxEpochs;
  const fromStudy = maxEpochs === undefined;
  if (fromStudy) {
    const d = defaults.maxEpochs;
    if (d === undefined) {
      throw new AlgorithmError(
        `pruner '${name}' needs 'maxEpochs', the steps (epochs) of a complete trial: give it in the pruner options or as the study's maxEpochs`,
        ['pruner', 'maxEpochs'],
      );
    }
    if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0) {
      throw new AlgorithmError(`'maxEpochs' must be a number above 0 (got ${JSON.stringify(d)})`, ['maxEpochs']);
    }
    maxEpochs = d;
  }
  if ((maxEpochs as number) <= minEpochs) {
    throw new AlgorithmError(
      `pruner '${name}': maxEpochs (${maxEpochs}${fromStudy ? ', from the study' : ''}) must be above minEpochs (${minEpochs}), or no trial could ever be pruned`,
      fromStudy ? ['pruner', 'minEpochs'] : ['pruner', 'maxEpochs'],
    );
  }
  return { minEpochs, reductionFactor, maxEpochs: maxEpochs as number };
}

export function resolveAshaOptions(raw: Record<string, unknown>, defaults: PrunerDefaults = {}): AshaPrunerConfig {
  return { name: 'asha', ...resolveLadderOptions('asha', raw, defaults) };
}

export function createAshaPruner(options: AshaPrunerOptions | Record<string, unknown> = {}, defaults: PrunerDefaults = {}): Pruner {
  const config = resolveAshaOptions(options as Record<string, unknown>, defaults);
  const ladder: Ladder = {
    rungs: rungSteps(config.minEpochs, config.reductionFactor, config.maxEpochs),
    reductionFactor: config.reductionFactor,
    maxEpochs: config.maxEpochs,
  };
  return {
    name: 'asha',
    config,
    shouldPrune: (trial, ctx) => ashaShouldPrune(trial, ctx.trials, ctx.direction, ladder),
    promotable: (ctx) => ashaPromotable(ctx.trials, ctx.direction, ladder),
  };
}
