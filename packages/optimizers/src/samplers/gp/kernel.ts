/**
 * The Matérn-5/2 kernel with one lengthscale per input dimension (ARD):
 *
 *   k(x, x') = s² · (1 + √5·r + 5r²/3) · exp(−√5·r),   r² = Σ_d (x_d − x'_d)² / ℓ_d²
 *
 * Inputs live in the unit cube after `GpEncoding.project` (integers and categories already rounded
 * there, see encode.ts). Points are rows of a row-major Float64Array with `dims` columns.
 * Matérn-5/2 rather than the squared exponential: twice differentiable, but not so smooth that a few
 * close points force wild extrapolation — the usual default for hyperparameter surfaces.
 */

export const SQRT5 = Math.sqrt(5);

export interface KernelParams {
  /** 1/ℓ_d² for every input dimension. */
  inverseSquaredLengthscales: Float64Array;
  /** Signal variance s². */
  signalVariance: number;
  /**
   * The first-order additive form instead (Duvenaud et al. 2011): k(x, x') = (s²/D)·Σ_d k_52(|x_d − x'_d|/ℓ_d),
   * a sum of one-dimensional Matérn kernels. It can only represent sums of functions of one
   * coordinate each, and learns such a function from far fewer points: 25 points tell 8 separate
   * curves apart, where the product kernel has to cover the 8-D cube.
   */
  additive?: boolean;
}

/** The additive kernel's value for one pair from its squared coordinate differences. */
function additiveValue(squared: ArrayLike<number>, base: number, dims: number, inv: Float64Array, s2: number): number {
  let sum = 0;
  for (let d = 0; d < dims; d++) sum += matern52(Math.sqrt(squared[base + d]! * inv[d]!));
  return (s2 / dims) * sum;
}

/** The Matérn-5/2 correlation at scaled distance r ≥ 0. */
export function matern52(r: number): number {
  const a = SQRT5 * r;
  return (1 + a + (a * a) / 3) * Math.exp(-a);
}

/**
 * −(1/r)·dk/dr / s² = (5/3)(1 + √5·r)·exp(−√5·r): finite at r = 0, and the common factor of every
 * derivative of k (∂k/∂x_d = −s²·q(r)·(x_d − x'_d)/ℓ_d²).
 */
export function matern52Slope(r: number): number {
  return (5 / 3) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

function scaledDistanceSq(x: Float64Array, i: number, y: Float64Array, j: number, dims: number, inv: Float64Array): number {
  let s = 0;
  const a = i * dims;
  const b = j * dims;
  for (let d = 0; d < dims; d++) {
    const diff = x[a + d]! - y[b + d]!;
    s += diff * diff * inv[d]!;
  }
  return s;
}

/** The n×n kernel matrix of the rows of x (no noise term). */
export function kernelMatrix(x: Float64Array, n: number, dims: number, params: KernelParams): Float64Array {
  if (params.additive) return kernelMatrixFromPairs(pairTable(x, n, dims), params, new Float64Array((n * (n - 1)) / 2));
  const k = new Float64Array(n * n);
  const s2 = params.signalVariance;
  const inv = params.inverseSquaredLengthscales;
  for (let i = 0; i < n; i++) {
    k[i * n + i] = s2;
    for (let j = 0; j < i; j++) {
      const v = s2 * matern52(Math.sqrt(scaledDistanceSq(x, i, x, j, dims, inv)));
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  return k;
}

/**
 * Squared coordinate differences of every pair of rows (i > j, in the order (1,0), (2,0), (2,1), …),
 * computed once per data set: hyperparameter fitting evaluates the kernel matrix dozens of times
 * for the same points, and only the lengthscales change.
 */
export interface PairTable {
  n: number;
  dims: number;
  /** pairs × dims squared differences, row-major. */
  squared: Float64Array;
}

export function pairTable(x: Float64Array, n: number, dims: number): PairTable {
  const squared = new Float64Array(((n * (n - 1)) / 2) * dims);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      for (let d = 0; d < dims; d++) {
        const diff = x[i * dims + d]! - x[j * dims + d]!;
        squared[p++] = diff * diff;
      }
    }
  }
  return { n, dims, squared };
}

/** The kernel matrix (no noise) from a pair table; the scaled distance of each pair goes to `r`. */
export function kernelMatrixFromPairs(table: PairTable, params: KernelParams, r: Float64Array): Float64Array {
  const { n, dims, squared } = table;
  const s2 = params.signalVariance;
  const inv = params.inverseSquaredLengthscales;
  const k = new Float64Array(n * n);
  let p = 0;
  for (let i = 0; i < n; i++) {
    k[i * n + i] = s2;
    for (let j = 0; j < i; j++, p++) {
      const base = p * dims;
      if (params.additive) {
        // Each dimension has its own distance; `r` is not used by the additive gradient.
        const v = additiveValue(squared, base, dims, inv, s2);
        k[i * n + j] = v;
        k[j * n + i] = v;
        continue;
      }
      let r2 = 0;
      for (let d = 0; d < dims; d++) r2 += squared[base + d]! * inv[d]!;
      const rij = Math.sqrt(r2);
      r[p] = rij;
      const v = s2 * matern52(rij);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  return k;
}

/**
 * Contractions of the kernel-matrix derivatives with a symmetric weight matrix W:
 * out[d] = ½ Σ_ij W_ij ∂K_ij/∂log ℓ_d for every dimension d, and the return value
 * ½ Σ_ij W_ij ∂K_ij/∂log s² (= ½ Σ W∘K). This is the whole cost of the marginal-likelihood gradient
 * (with W = ααᵀ − K⁻¹), computed in one pass without forming any ∂K/∂θ. `r` holds the pairs'
 * scaled distances from kernelMatrixFromPairs.
 */
export function kernelGradientFromPairs(
  table: PairTable,
  params: KernelParams,
  r: Float64Array,
  w: Float64Array,
  out: Float64Array,
): number {
  const { n, dims, squared } = table;
  const s2 = params.signalVariance;
  const inv = params.inverseSquaredLengthscales;
  out.fill(0, 0, dims);
  if (params.additive) return additiveGradientFromPairs(table, params, w, out);
  let signal = 0;
  let p = 0;
  for (let i = 0; i < n; i++) {
    signal += 0.5 * w[i * n + i]! * s2;
    for (let j = 0; j < i; j++, p++) {
      const wij = w[i * n + j]!;
      const rij = r[p]!;
      const e = Math.exp(-SQRT5 * rij);
      signal += wij * s2 * (1 + SQRT5 * rij + (5 / 3) * rij * rij) * e;
      // ∂k/∂log ℓ_d = s²·q(r)·(x_d − x'_d)²/ℓ_d²; the pair appears twice in W, hence no ½.
      const c = wij * s2 * (5 / 3) * (1 + SQRT5 * rij) * e;
      const base = p * dims;
      for (let d = 0; d < dims; d++) out[d] = out[d]! + c * squared[base + d]!;
    }
  }
  for (let d = 0; d < dims; d++) out[d] = out[d]! * inv[d]!;
  return signal;
}

/** kernelGradientFromPairs for the additive kernel: each dimension's term has its own distance. */
function additiveGradientFromPairs(table: PairTable, params: KernelParams, w: Float64Array, out: Float64Array): number {
  const { n, dims, squared } = table;
  const c0 = params.signalVariance / dims;
  const inv = params.inverseSquaredLengthscales;
  let signal = 0;
  let p = 0;
  for (let i = 0; i < n; i++) {
    signal += 0.5 * w[i * n + i]! * params.signalVariance;
    for (let j = 0; j < i; j++, p++) {
      const wij = w[i * n + j]!;
      const base = p * dims;
      for (let d = 0; d < dims; d++) {
        const sq = squared[base + d]!;
        const rd = Math.sqrt(sq * inv[d]!);
        const e = Math.exp(-SQRT5 * rd);
        signal += wij * c0 * (1 + SQRT5 * rd + (5 / 3) * rd * rd) * e;
        // ∂k_d/∂log ℓ_d = (s²/D)·q(r_d)·(x_d − x'_d)²/ℓ_d²; the pair appears twice in W, hence no ½.
        out[d] = out[d]! + wij * c0 * (5 / 3) * (1 + SQRT5 * rd) * e * sq;
      }
    }
  }
  for (let d = 0; d < dims; d++) out[d] = out[d]! * inv[d]!;
  return signal;
}

/** Same as kernelGradientFromPairs, straight from the points (reference implementation for tests). */
export function kernelGradientContractions(
  x: Float64Array,
  n: number,
  dims: number,
  params: KernelParams,
  w: Float64Array,
  out: Float64Array,
): number {
  const table = pairTable(x, n, dims);
  const r = new Float64Array((n * (n - 1)) / 2);
  kernelMatrixFromPairs(table, params, r);
  return kernelGradientFromPairs(table, params, r, w, out);
}

/**
 * k(p, x_i) for one point p against the n rows of x, written to `out`. With `gradient` (n·dims),
 * also ∂k(p, x_i)/∂p_d at row i.
 */
export function crossCovariance(
  p: ArrayLike<number>,
  x: Float64Array,
  n: number,
  dims: number,
  params: KernelParams,
  out: Float64Array,
  gradient?: Float64Array,
): void {
  const s2 = params.signalVariance;
  const inv = params.inverseSquaredLengthscales;
  for (let i = 0; i < n; i++) {
    const a = i * dims;
    if (params.additive) {
      // A sum over dimensions, each with its own distance; the gradient is per term.
      let sum = 0;
      for (let d = 0; d < dims; d++) {
        const diff = p[d]! - x[a + d]!;
        const rd = Math.sqrt(diff * diff * inv[d]!);
        sum += matern52(rd);
        if (gradient) gradient[a + d] = -(s2 / dims) * matern52Slope(rd) * diff * inv[d]!;
      }
      out[i] = (s2 / dims) * sum;
      continue;
    }
    let r2 = 0;
    for (let d = 0; d < dims; d++) {
      const diff = p[d]! - x[a + d]!;
      r2 += diff * diff * inv[d]!;
    }
    const r = Math.sqrt(r2);
    out[i] = s2 * matern52(r);
    if (gradient) {
      const c = -s2 * matern52Slope(r);
      for (let d = 0; d < dims; d++) gradient[a + d] = c * (p[d]! - x[a + d]!) * inv[d]!;
    }
  }
}

