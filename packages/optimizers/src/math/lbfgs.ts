/**
 * Box-constrained quasi-Newton minimisation: L-BFGS directions on the free variables, projected onto
 * the box, with an Armijo backtracking line search along the projected path. Small and dependable
 * rather than clever: it is used for GP hyperparameters (a dozen variables) and acquisition maxima.
 */

/** Writes ∇f(x) into `grad` and returns f(x). May return a non-finite value to reject a point. */
export type ValueAndGradient = (x: Float64Array, grad: Float64Array) => number;

export interface MinimizeOptions {
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  maxIterations?: number;
  /** Maximum number of f evaluations, including line-search trials. */
  maxEvaluations?: number;
  /** Stop when the projected gradient's largest component falls below this. */
  gradientTolerance?: number;
  /** Stop when an iteration improves f by less than this (relative to max(1, |f|)). */
  relativeTolerance?: number;
  /** Number of correction pairs kept. */
  memory?: number;
}

export interface MinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
}

function project(x: Float64Array, lower: ArrayLike<number>, upper: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) {
    if (x[i]! < lower[i]!) x[i] = lower[i]!;
    else if (x[i]! > upper[i]!) x[i] = upper[i]!;
  }
}

/**
 * Minimises f over the box [lower, upper] starting from x0 (projected into the box first). Returns
 * the best point seen, which is x0 itself if f is non-finite everywhere it looked.
 */
export function minimizeBox(f: ValueAndGradient, x0: ArrayLike<number>, options: MinimizeOptions): MinimizeResult {
  const { lower, upper } = options;
  const maxIterations = options.maxIterations ?? 100;
  const maxEvaluations = options.maxEvaluations ?? 4 * maxIterations;
  const gtol = options.gradientTolerance ?? 1e-6;
  const ftol = options.relativeTolerance ?? 1e-9;
  const m = options.memory ?? 8;
  const n = x0.length;

  let x = Float64Array.from(x0);
  project(x, lower, upper);
  let g = new Float64Array(n);
  let fx = f(x, g);
  let evaluations = 1;
  if (!Number.isFinite(fx)) return { x, value: fx, iterations: 0, evaluations };

  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const d = new Float64Array(n);
  const free = new Uint8Array(n);
  const alpha = new Float64Array(m);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let iterations = 0;

  while (iterations < maxIterations && evaluations < maxEvaluations) {
    // Variables pinned at a bound by a gradient pointing out of the box stay fixed this iteration.
    let pgMax = 0;
    for (let i = 0; i < n; i++) {
      const atLow = x[i]! <= lower[i]! && g[i]! > 0;
      const atHigh = x[i]! >= upper[i]! && g[i]! < 0;
      free[i] = atLow || atHigh ? 0 : 1;
      if (free[i]) pgMax = Math.max(pgMax, Math.abs(g[i]!));
    }
    if (pgMax < gtol) break;

    // Two-loop recursion on the free subspace.
    for (let i = 0; i < n; i++) d[i] = free[i] ? -g[i]! : 0;
    const k = sHist.length;
    for (let j = k - 1; j >= 0; j--) {
      const s = sHist[j]!;
      let a = 0;
      for (let i = 0; i < n; i++) if (free[i]) a += s[i]! * d[i]!;
      a *= rhoHist[j]!;
      alpha[j] = a;
      const y = yHist[j]!;
      for (let i = 0; i < n; i++) if (free[i]) d[i] = d[i]! - a * y[i]!;
    }
    if (k > 0) {
      const s = sHist[k - 1]!;
      const y = yHist[k - 1]!;
      let yy = 0;
      let sy = 0;
      for (let i = 0; i < n; i++) {
        yy += y[i]! * y[i]!;
        sy += s[i]! * y[i]!;
      }
      const gamma = yy > 0 ? sy / yy : 1;
      for (let i = 0; i < n; i++) d[i] = d[i]! * gamma;
    }
    for (let j = 0; j < k; j++) {
      const y = yHist[j]!;
      let b = 0;
      for (let i = 0; i < n; i++) if (free[i]) b += y[i]! * d[i]!;
      b *= rhoHist[j]!;
      const s = sHist[j]!;
      const coef = alpha[j]! - b;
      for (let i = 0; i < n; i++) if (free[i]) d[i] = d[i]! + coef * s[i]!;
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope += g[i]! * d[i]!;
    if (!(slope < 0)) {
      // The curvature model went bad (e.g. after bound changes): restart from steepest descent.
      sHist.length = 0;
      yHist.length = 0;
      rhoHist.length = 0;
      slope = 0;
      for (let i = 0; i < n; i++) {
        d[i] = free[i] ? -g[i]! : 0;
        slope += g[i]! * d[i]!;
      }
    }

    // Without curvature information, a unit step along -g can be wildly off scale.
    let step = sHist.length === 0 ? Math.min(1, 1 / Math.max(1e-12, Math.sqrt(-slope))) : 1;
    let accepted = false;
    let fNew = fx;
    while (evaluations < maxEvaluations) {
      let decrease = 0;
      for (let i = 0; i < n; i++) {
        let v = x[i]! + step * d[i]!;
        if (v < lower[i]!) v = lower[i]!;
        else if (v > upper[i]!) v = upper[i]!;
        xNew[i] = v;
        decrease += g[i]! * (v - x[i]!);
      }
      fNew = f(xNew, gNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      step *= 0.5;
      if (step < 1e-16) break;
    }
    if (!accepted) {
      if (sHist.length === 0) break;
      sHist.length = 0;
      yHist.length = 0;
      rhoHist.length = 0;
      iterations++;
      continue;
    }

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
      sy += s[i]! * y[i]!;
    }
    if (sy > 1e-12) {
      if (sHist.length === m) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(y);
      rhoHist.push(1 / sy);
    }
    const improvement = fx - fNew;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    fx = fNew;
    iterations++;
    if (improvement <= ftol * Math.max(1, Math.abs(fx))) break;
  }
  return { x, value: fx, iterations, evaluations };
}
