/**
 * Which trials feed the "good" density l(x) and which the "bad" density g(x), and how much each
 * counts. Complete trials are ranked by loss; pruned ones rank after every complete one (deeper
 * first, then by their last report), as in Optuna (finished-order.ts, shared with the GP). Pending
 * trials are lied about: they join the bad side, so a parallel ask steers away from points already
 * being evaluated. Failed trials carry no information about the objective and are left out.
 */
import type { Direction, Trial } from '../../types';
import { compareFinished, finishedRank, type FinishedRank } from '../finished-order';

/** Number of good trials given the number of finished (complete or pruned) ones. */
export type GammaFn = (nFinished: number) => number;

/** The best fraction γ of the finished trials, at least one and at most 25 (Optuna's cap). */
export function gammaFraction(fraction: number): GammaFn {
  return (n) => Math.min(Math.ceil(fraction * n), 25);
}

/** The best 15%: a little more than Optuna's 10%, which measured better at 50-trial budgets (see tpe.ts). */
export const defaultGamma: GammaFn = gammaFraction(0.15);

/**
 * Optuna's default point weights, for points in trial order: equal up to 25 points, beyond that the
 * oldest ones ramp down linearly from 1/n so that the density follows the search as it moves.
 */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  const out: number[] = [];
  for (let i = 0; i < ramp; i++) out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) out.push(1);
  return out;
}

export interface TrialSplit {
  /** Good trials, in trial order. */
  below: Trial[];
  /** Bad trials (including pending ones when lying), in trial order. */
  above: Trial[];
  /** Complete and pruned trials: what the startup phase and gamma count. */
  nFinished: number;
}

export function splitTrials(
  trials: readonly Trial[],
  direction: Direction,
  gamma: GammaFn,
  lieAboutPending: boolean,
): TrialSplit {
  const ranked: FinishedRank[] = [];
  const pending: Trial[] = [];
  for (const t of trials) {
    const r = finishedRank(t, direction);
    if (r !== undefined) ranked.push(r);
    else if (t.state === 'running' && lieAboutPending) pending.push(t);
  }
  const n = ranked.length;
  const wanted = Math.ceil(gamma(n));
  const nBelow = Number.isFinite(wanted) ? Math.min(n, Math.max(n > 0 ? 1 : 0, wanted)) : 1;
  ranked.sort(compareFinished);
  const byId = (a: Trial, b: Trial) => a.id - b.id;
  const below = ranked.slice(0, nBelow).map((r) => r.trial).sort(byId);
  const above = [...ranked.slice(nBelow).map((r) => r.trial), ...pending].sort(byId);
  return { below, above, nFinished: n };
}
