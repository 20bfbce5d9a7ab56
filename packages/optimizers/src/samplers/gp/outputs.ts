/**
 * Output warping: losses → GP targets. A stationary GP fits badly when a few observations are orders
 * of magnitude worse than the rest (Rosenbrock spans 0..10⁶; a diverged training run reports a huge
 * loss): the outliers inflate the variance and flatten the model everywhere that matters. Every
 * warping here is monotone, so the minimiser is unchanged, and ends with standardisation.
 *
 * The default ('auto') picks, per fit, one of the shifted logs
 *
 *   T_c(y) = log(y − min y + c·s),   s = median y − min y,   c ∈ {∞ (identity), 1, 0.1, 0.01}
 *
 * by the marginal likelihood of the *warped* GP (Snelson et al. 2004): the GP evidence of T_c(y)
 * plus the log-Jacobian Σ log T_c′(yᵢ), which makes the candidates comparable as densities of the
 * same y. A large c is nearly linear around the best losses and only compresses the far tail; a
 * small c is a plain log. So the data choose between "smooth in the values" (Branin, Hartmann) and
 * "smooth in the orders of magnitude" (Rosenbrock) without any per-function tuning.
 */
import { normQuantile } from '../../math/normal';

export type OutputWarping = 'auto' | 'standardize' | 'log' | 'rank';

export const OUTPUT_WARPINGS: readonly OutputWarping[] = ['auto', 'standardize', 'log', 'rank'];

/** Shift multipliers c tried by 'auto'; Infinity is the identity. */
export const AUTO_SHIFTS: readonly number[] = [Infinity, 1, 0.1, 0.01];

/** Shift multiplier used by the fixed 'log' warping. */
export const LOG_SHIFT = 0.01;

export interface WarpedOutputs {
  /** Standardised targets. */
  y: Float64Array;
  /** Σ log |dyᵢ′/dyᵢ| of the whole map (warp then standardisation); 0 for 'rank', which has none. */
  logJacobian: number;
}

/** max |vᵢ| when it is a usable scale (finite, non-zero), else 1. */
function magnitude(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m > 0 && Number.isFinite(m) ? m : 1;
}

/**
 * Standardises in place; returns the log of the factor divided by (so the Jacobian is −n·that).
 * Values are first divided by their magnitude, so sums of squares cannot overflow even near 1e308.
 */
function standardizeInPlace(v: Float64Array): number {
  const n = v.length;
  const m = magnitude(v);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v[i]! / m;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (v[i]! / m - mean) ** 2;
  variance /= n;
  const sd = Math.sqrt(variance);
  // All targets equal: centred zeros carry the only information there is (none).
  const scale = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
  for (let i = 0; i < n; i++) v[i] = (v[i]! / m - mean) / scale;
  return Math.log(m) + Math.log(scale);
}

/** Normal scores Φ⁻¹((rank + ½)/n), ties sharing their mean rank (a Gaussian copula). */
function normalScores(losses: ArrayLike<number>): Float64Array {
  const n = losses.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => losses[a]! - losses[b]! || a - b);
  const out = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && losses[order[j + 1]!] === losses[order[i]!]) j++;
    const score = normQuantile(((i + j) / 2 + 0.5) / n);
    for (let k = i; k <= j; k++) out[order[k]!] = score;
    i = j + 1;
  }
  return out;
}

/**
 * T_c(y) = log(y − min + c·s) with s the gap between the best and the median loss (the full range
 * if they coincide); c = Infinity is the identity. Standardised, with the log-Jacobian.
 */
export function shiftedLog(losses: ArrayLike<number>, c: number): WarpedOutputs {
  const n = losses.length;
  const v = Float64Array.from(losses);
  if (n === 0) return { y: v, logJacobian: 0 };
  let logJacobian = 0;
  if (Number.isFinite(c)) {
    // Work in units of the largest |loss| so that differences of huge losses cannot overflow.
    const m = magnitude(losses);
    const sorted = Float64Array.from(losses, (y) => y / m).sort();
    const min = sorted[0]!;
    const median = sorted[(n - 1) >> 1]!;
    const spread = median > min ? median - min : sorted[n - 1]! - min;
    const shift = c * spread;
    // Without any spread (or with one that underflows) there is nothing to warp: keep the identity.
    if (shift > 0 && Number.isFinite(shift)) {
      for (let i = 0; i < n; i++) {
        const t = v[i]! / m - min + shift;
        v[i] = Math.log(t);
        logJacobian -= Math.log(t) + Math.log(m);
      }
    }
  }
  logJacobian -= n * standardizeInPlace(v);
  return { y: v, logJacobian };
}

/** GP targets for a fixed (non-'auto') warping. */
export function warpOutputs(losses: ArrayLike<number>, warping: Exclude<OutputWarping, 'auto'>): WarpedOutputs {
  switch (warping) {
    case 'standardize':
      return shiftedLog(losses, Infinity);
    case 'log':
      return shiftedLog(losses, LOG_SHIFT);
    case 'rank': {
      const y = normalScores(losses);
      if (y.length > 0) standardizeInPlace(y);
      return { y, logJacobian: 0 };
    }
  }
}
