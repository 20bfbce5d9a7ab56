/**
 * The standard normal distribution and the log of the expected-improvement function h(z) = φ(z) + zΦ(z),
 * accurate far into the tails (log-EI, Ament et al. 2023: "Unexpected Improvements to Expected
 * Improvement for Bayesian Optimization"). Plain EI underflows to exactly 0 a few standard deviations
 * from the incumbent, which leaves an acquisition optimiser with no gradient; log h does not.
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function normPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** erf(x) by its Taylor series: used for |x| ≤ 2.2 only, where it converges to ~1e-14. */
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
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * The continued fraction F_k(t) = t + k/(t + (k+1)/(t + …)) for t ≥ 3, evaluated bottom-up.
 * F_1 is the reciprocal Mills ratio φ(t)/Φ(−t); F_2 appears in log h (see logH).
 */
function millsFraction(t: number, k: number): number {
  const depth = t < 5 ? 120 : t < 10 ? 60 : 30;
  let v = t;
  for (let j = k + depth; j >= k; j--) v = t + j / v;
  return v;
}

/** Φ(z), relative accuracy ~1e-13 in both tails. */
export function normCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z < -3) return normPdf(z) / millsFraction(-z, 1);
  if (z > 3) return 1 - normPdf(z) / millsFraction(z, 1);
  return 0.5 * (1 + erfSeries(z / Math.SQRT2));
}

/** log Φ(z), finite for any finite z. */
export function logNormCdf(z: number): number {
  if (z < -3) return -0.5 * z * z - LOG_SQRT_2PI - Math.log(millsFraction(-z, 1));
  return Math.log(normCdf(z));
}

/** h(z) = φ(z) + zΦ(z) = E[max(z + N(0,1)·… )]: the expected improvement of a unit normal over −z. */
export function eiH(z: number): number {
  return Math.exp(logH(z));
}

/**
 * log h(z). For z ≤ −3 the subtraction φ(z) + zΦ(z) cancels catastrophically; there we use
 * 1 − tΦ(−t)/φ(t) = 1/(F_1(t)·F_2(t)) with t = −z, so log h = log φ(t) − log F_1 − log F_2.
 */
export function logH(z: number): number {
  if (z > -3) return Math.log(normPdf(z) + z * normCdf(z));
  const t = -z;
  return -0.5 * t * t - LOG_SQRT_2PI - Math.log(millsFraction(t, 1)) - Math.log(millsFraction(t, 2));
}

/** d log h / dz = Φ(z)/h(z) (h′ = Φ), computed without overflow in the lower tail (= F_2(−z)). */
export function logHDerivative(z: number): number {
  if (z > -3) return normCdf(z) / (normPdf(z) + z * normCdf(z));
  return millsFraction(-z, 2);
}

/**
 * Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error 1.2e-9) polished by one
 * Halley step against normCdf, which brings it to near machine precision.
 */
export function normQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const e = normCdf(x) - p;
  const u = e / normPdf(x);
  return x - u / (1 + (x * u) / 2);
}
