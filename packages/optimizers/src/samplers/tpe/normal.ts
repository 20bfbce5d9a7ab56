/**
 * The Gaussian pieces the Parzen estimators need: erfc in log form, the log of a normal probability
 * mass over an interval that neither underflows in the far tails (cells of an int parameter can sit
 * dozens of bandwidths away from a kernel) nor cancels for narrow cells, and a truncated-normal draw.
 * Accuracy is ~1e-7 relative: plenty for ranking candidates by l(x)/g(x), and cheap enough to
 * score every candidate against every kernel on every discrete axis within the ask-time budget.
 */
import type { Rng } from '../../rng';

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log erfc(x) for x ≥ 0 by the Chebyshev-fitted exponential of Numerical Recipes (erfcc), whose
 * fractional error is below 1.2e-7 everywhere; kept in log form so that it never underflows.
 */
function logErfcNonNegative(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
    t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + poly;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return x >= 0 ? Math.exp(logErfcNonNegative(x)) : 2 - Math.exp(logErfcNonNegative(-x));
}

export function erf(x: number): number {
  return 1 - erfc(x);
}

/** log Φ(z), the log of the standard normal CDF, finite far into the left tail. */
export function logNormalCdf(z: number): number {
  return z <= 0 ? logErfcNonNegative(-z / SQRT2) - Math.LN2 : Math.log1p(-0.5 * erfc(z / SQRT2));
}

/** log(Φ(b) − Φ(a)) for the standard normal; −Infinity when the interval is empty. */
export function logNormalMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  if (a >= 0) return logNormalMass(-b, -a); // mirror into the left half, where the tail formula is exact
  const width = b - a;
  const mid = 0.5 * (a + b);
  if (width * Math.max(1, Math.abs(mid)) < 0.05) {
    // Narrow interval: the midpoint rule with its second-order correction, free of cancellation.
    return Math.log(width) - 0.5 * mid * mid - LOG_SQRT_2PI + Math.log1p((width * width * (mid * mid - 1)) / 24);
  }
  if (b <= 0) {
    const lb = logNormalCdf(b);
    return lb + Math.log1p(-Math.exp(logNormalCdf(a) - lb));
  }
  // a < 0 < b: what the two tails leave.
  return Math.log1p(-0.5 * (erfc(-a / SQRT2) + erfc(b / SQRT2)));
}

/**
 * A draw from N(mu, sigma²) truncated to [low, high], by rejection. The estimators only use this with
 * mu inside the interval and sigma at most its width, where at least a third of the draws land
 * inside; the inverse-CDF fallback covers any other use without looping for long.
 */
export function sampleTruncatedNormal(rng: Rng, mu: number, sigma: number, low: number, high: number): number {
  for (let i = 0; i < 64; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= low && x <= high) return x;
  }
  return inverseCdfDraw(rng, mu, sigma, low, high);
}

/** Inverse-CDF draw by bisection on the truncated CDF: slow but sure, for the rare fallback. */
function inverseCdfDraw(rng: Rng, mu: number, sigma: number, low: number, high: number): number {
  const a = (low - mu) / sigma;
  const b = (high - mu) / sigma;
  const logTotal = logNormalMass(a, b);
  if (!Number.isFinite(logTotal)) return low + (high - low) * rng.next();
  const target = Math.log(rng.next()) + logTotal;
  let lo = a;
  let hi = b;
  for (let i = 0; i < 100; i++) {
    const mid = 0.5 * (lo + hi);
    if (logNormalMass(a, mid) < target) lo = mid;
    else hi = mid;
  }
  return Math.min(high, Math.max(low, mu + sigma * 0.5 * (lo + hi)));
}
