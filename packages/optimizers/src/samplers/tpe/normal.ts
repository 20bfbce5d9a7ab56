/**
 * The Gaussian pieces the Parzen estimators need: erf/erfc accurate to ~1e-15 relative, the log of
 * a normal probability mass over an interval that does not underflow in the far tails (cells of an
 * int parameter can sit dozens of bandwidths away from a kernel), and a truncated-normal draw.
 */
import type { Rng } from '../../rng';

const SQRT2 = Math.SQRT2;
const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Where the Taylor series hands over to the continued fraction. */
const SERIES_LIMIT = 2.5;

/** erf(x) for |x| < SERIES_LIMIT by its Maclaurin series (terms alternate and shrink fast enough). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/**
 * log(erfc(x)) for x ≥ SERIES_LIMIT from the continued fraction
 * erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up;
 * kept in log form so that it never underflows.
 */
function logErfcLarge(x: number): number {
  let f = x;
  for (let n = 60; n >= 1; n--) f = x + n / 2 / f;
  return -x * x - LOG_SQRT_PI - Math.log(f);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < SERIES_LIMIT) return erfSeries(x);
  const tail = Math.exp(logErfcLarge(Math.abs(x)));
  return x > 0 ? 1 - tail : tail - 1;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= SERIES_LIMIT) return Math.exp(logErfcLarge(x));
  if (x <= -SERIES_LIMIT) return 2 - Math.exp(logErfcLarge(-x));
  return 1 - erfSeries(x);
}

/** log Φ(z), the log of the standard normal CDF, finite down to z ≈ −1e154. */
export function logNormalCdf(z: number): number {
  const x = -z / SQRT2;
  if (x >= SERIES_LIMIT) return logErfcLarge(x) - Math.LN2;
  return Math.log(0.5 * erfc(x));
}

/** log(Φ(b) − Φ(a)) for the standard normal; −Infinity when the interval is empty. */
export function logNormalMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  if (a >= 0) return logNormalMass(-b, -a); // mirror into the left half, where the tails are exact
  if (b <= 0) {
    const lb = logNormalCdf(b);
    const la = logNormalCdf(a);
    return lb + Math.log1p(-Math.exp(la - lb));
  }
  // a < 0 < b: sum the two halves instead of subtracting CDFs, which would cancel for narrow cells.
  return Math.log(0.5 * (erf(b / SQRT2) + erf(-a / SQRT2)));
}

/** log of the N(mu, sigma²) density at x (not truncated). */
export function logNormalPdf(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / sigma;
  return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma);
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
