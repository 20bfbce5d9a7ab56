/**
 * Dense linear algebra for small symmetric positive-definite systems (Gaussian-process kernels).
 * Matrices are row-major Float64Arrays of size n·n; all functions are pure (inputs are never
 * modified) unless the name says `InPlace`.
 */

/** Lower Cholesky factor L with L·Lᵀ = A, or undefined when A is not (numerically) positive definite. */
export function cholesky(a: Float64Array, n: number, diagonalShift = 0): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = a[rowJ + j]! + diagonalShift;
    for (let k = 0; k < j; k++) d -= l[rowJ + k]! * l[rowJ + k]!;
    // `!(d > 0)` also catches NaN, so a poisoned matrix fails here instead of spreading NaN.
    if (!(d > 0) || !Number.isFinite(d)) return undefined;
    const ljj = Math.sqrt(d);
    l[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = a[rowI + j]!;
      for (let k = 0; k < j; k++) s -= l[rowI + k]! * l[rowJ + k]!;
      l[rowI + j] = s / ljj;
    }
  }
  return l;
}

export interface JitteredCholesky {
  /** Lower factor of A + jitter·I. */
  l: Float64Array;
  /** The diagonal shift that was needed (0 when A itself factorised). */
  jitter: number;
}

/**
 * Cholesky of A + jitter·I with the smallest jitter from the sequence 0, ε·m, 10ε·m, … (m = mean
 * diagonal) that works, up to `maxRelativeJitter`·m. Kernel matrices of nearly coincident points are
 * singular in floating point; a tiny ridge makes them usable without changing the model noticeably.
 */
export function choleskyWithJitter(
  a: Float64Array,
  n: number,
  options: { initialRelativeJitter?: number; maxRelativeJitter?: number } = {},
): JitteredCholesky | undefined {
  const first = options.initialRelativeJitter ?? 1e-10;
  const max = options.maxRelativeJitter ?? 1e-2;
  let meanDiagonal = 0;
  for (let i = 0; i < n; i++) meanDiagonal += Math.abs(a[i * n + i]!);
  meanDiagonal = n > 0 ? meanDiagonal / n : 0;
  if (!Number.isFinite(meanDiagonal)) return undefined;
  const scale = meanDiagonal > 0 ? meanDiagonal : 1;
  const plain = cholesky(a, n);
  if (plain) return { l: plain, jitter: 0 };
  for (let rel = first; rel <= max * (1 + 1e-12); rel *= 10) {
    const jitter = rel * scale;
    const l = cholesky(a, n, jitter);
    if (l) return { l, jitter };
  }
  return undefined;
}

/** Solves L·x = b (forward substitution) for lower-triangular L; writes into `out` when given. */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>, out?: Float64Array): Float64Array {
  const x = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[row + k]! * x[k]!;
    x[i] = s / l[row + i]!;
  }
  return x;
}

/** Solves Lᵀ·x = b (back substitution) for lower-triangular L, without forming Lᵀ; `out` may be given. */
export function solveLowerTransposed(l: Float64Array, n: number, b: ArrayLike<number>, out?: Float64Array): Float64Array {
  const x = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = b[i]!;
  // Column-oriented: once xᵢ is known, remove its contribution using row i of L (contiguous memory).
  for (let i = n - 1; i >= 0; i--) {
    const row = i * n;
    const xi = x[i]! / l[row + i]!;
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] = x[k]! - l[row + k]! * xi;
  }
  return x;
}

/** Solves A·x = b given the Cholesky factor L of A. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  return solveLowerTransposed(l, n, solveLower(l, n, b));
}

/** log det A = 2·Σ log Lᵢᵢ from the Cholesky factor of A. */
export function choleskyLogDet(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]!);
  return 2 * s;
}

/** Inverse of a lower-triangular matrix (itself lower triangular). */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    inv[j * n + j] = 1 / l[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      const row = i * n;
      let s = 0;
      for (let k = j; k < i; k++) s -= l[row + k]! * inv[k * n + j]!;
      inv[row + j] = s / l[row + i]!;
    }
  }
  return inv;
}

/**
 * A⁻¹ = L⁻ᵀ·L⁻¹ from the Cholesky factor of A (symmetric, both triangles filled). Works on the
 * columns of L⁻¹ stored as rows, so that every inner loop runs over contiguous memory: this is the
 * hot spot of the GP marginal-likelihood gradient.
 */
export function choleskyInverse(l: Float64Array, n: number): Float64Array {
  // z[j·n + i] = (L⁻¹)ᵢⱼ, the j-th column of L⁻¹, by forward substitution (zero above row j).
  const z = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const col = j * n;
    z[col + j] = 1 / l[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      const row = i * n;
      let s = 0;
      for (let k = j; k < i; k++) s -= l[row + k]! * z[col + k]!;
      z[col + i] = s / l[row + i]!;
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      // (A⁻¹)ᵢⱼ = Σₖ (L⁻¹)ₖᵢ (L⁻¹)ₖⱼ, nonzero for k ≥ max(i, j) = i.
      const rj = j * n;
      let s = 0;
      for (let k = i; k < n; k++) s += z[ri + k]! * z[rj + k]!;
      out[ri + j] = s;
      out[rj + i] = s;
    }
  }
  return out;
}

/** y = A·x for a square n×n matrix. */
export function matVec(a: Float64Array, n: number, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let s = 0;
    for (let k = 0; k < n; k++) s += a[row + k]! * x[k]!;
    y[i] = s;
  }
  return y;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>, length = a.length): number {
  let s = 0;
  for (let i = 0; i < length; i++) s += a[i]! * b[i]!;
  return s;
}
